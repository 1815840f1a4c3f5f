"""A recording full of secrets and personal data: nothing of them is written, printed or replayed.

The Chrome fixture is rewritten as a shop that leaks would have it: user info
in every URL (the tracker's, the pages', the products', the images', the
Referer), e-mails, phones and tokens in query parameters (under telling names
and under innocent ones), in path segments, in ``;jsessionid=`` parameters
and in fragments, percent-encoded once or twice.
"""

from __future__ import annotations

import base64
import json
import random
import string
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator_app.core.recording.har_reader import read_har
from simulator_app.core.recording.importer import import_recording
from simulator_app.core.recording.scrub import (
    Scrubber,
    decoded,
    name_is_sensitive,
    value_shape,
)
from simulator_app.core.recording.writer import scenario_text
from simulator_app.core.scenario_file import load_scenario
from tests.har.helpers import CHROME, records_of, run_cli

SHOP = "https://shop.example.com"
TRACKER = "https://tracker.example.net"
CDN = "https://cdn.example.com"


def _token(seed: int, form: str) -> str:
    rng = random.Random(seed)
    if form == "hex":
        return f"{rng.getrandbits(128):032x}"
    alphabet = string.ascii_letters + string.digits + "-_"
    if form == "urlsafe":
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(22, 43)))
    part = lambda n: "".join(rng.choice(alphabet) for _ in range(n))  # noqa: E731
    return f"eyJ{part(20)}.eyJ{part(30)}.{part(43)}"  # a JWT's shape


tokens = st.builds(_token, st.integers(0, 2**32), st.sampled_from(["hex", "urlsafe", "jwt"]))
emails = st.builds(
    lambda local, domain, tld: f"{local}@{domain}.{tld}",
    st.from_regex(r"[a-z][a-z0-9._+]{3,12}", fullmatch=True),
    st.from_regex(r"[a-z][a-z0-9-]{2,10}", fullmatch=True),
    st.sampled_from(["com", "in", "co.uk", "example", "de"]),
)
phones = st.one_of(
    st.builds(lambda cc, n: f"+{cc}{n}", st.integers(1, 999), st.integers(10**8, 10**11 - 1)),
    st.builds(lambda cc, n: f"+{cc} {n}", st.integers(1, 99), st.integers(10**8, 10**10 - 1)),
    st.builds(
        lambda a, b, c: f"({a}) {b}-{c}",
        st.integers(200, 999),
        st.integers(200, 999),
        st.integers(1000, 9999),
    ),
    st.builds(lambda n: f"0{n}", st.integers(10**8, 10**9 - 1)),
)
secret_words = st.sampled_from(
    ["email", "e-mail", "customerEmail", "phone", "tel", "token", "access_token", "api_key",
     "X-Api-Key", "apikey", "password", "pwd", "passwd", "session", "sessionid", "sid",
     "auth", "authorization", "user_id", "uid", "customer_id", "gclid", "fbclid", "secret"]
)  # fmt: skip
plain_names = st.from_regex(r"[a-z]{1,3}", fullmatch=True).filter(
    lambda n: not name_is_sensitive(n)
)
passwords = st.builds(
    lambda core: "Pw" + core,
    st.text(string.ascii_letters + string.digits + "!$&'()*+,;=-._~:@", min_size=6, max_size=16),
)
users = st.from_regex(r"usr[a-z0-9]{5,10}", fullmatch=True)


def hostile_document(
    user: str, password: str, params: list[tuple[str, str]], segment: str, fragment: str
) -> dict[str, Any]:
    """The Chrome fixture with every URL carrying the secrets."""
    userinfo = f"{quote(user, safe='')}:{quote(password, safe='')}@"
    query = "&".join(f"{quote(n, safe='')}={quote(v, safe='')}" for n, v in params)

    def leaky(url: str) -> str:
        for origin in (SHOP, CDN):
            if url.startswith(origin):
                rest = url[len(origin) :] or "/"
                host = origin.replace("https://", "https://" + userinfo)
                return f"{host}/{quote(segment, safe='')}{rest}?{query}#{fragment}"
        return url

    def rewrite(value: Any) -> Any:
        if isinstance(value, str):
            return leaky(value)
        if isinstance(value, dict):
            return {k: rewrite(v) for k, v in value.items()}
        if isinstance(value, list):
            return [rewrite(v) for v in value]
        return value

    document = json.loads(CHROME.read_text(encoding="utf-8"))
    for entry in document["log"]["entries"]:
        request = entry["request"]
        request["url"] = request["url"].replace(TRACKER, TRACKER.replace("//", "//" + userinfo))
        for header in request["headers"]:
            if header["name"].lower() == "referer":
                header["value"] = leaky(SHOP + "/")
        post = request.get("postData")
        if isinstance(post, dict) and post.get("text"):
            post["text"] = json.dumps(rewrite(json.loads(post["text"])))
    return document


def assert_none_of(secrets: list[str], *texts: str) -> None:
    for secret in secrets:
        for form in {secret, quote(secret, safe=""), quote(secret), quote(quote(secret, safe=""))}:
            for text in texts:
                assert form not in text, f"{secret!r} ({form!r}) leaked"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    user=users,
    password=passwords,
    email=emails,
    phone=phones,
    token=tokens,
    secret_name=secret_words,
    innocent=st.tuples(plain_names, plain_names, plain_names),
    where=st.sampled_from(["email", "token", "phone"]),
)
def test_an_import_keeps_no_secret_and_says_what_it_removed(
    user: str,
    password: str,
    email: str,
    phone: str,
    token: str,
    secret_name: str,
    innocent: tuple[str, str, str],
    where: str,
) -> None:
    params = [
        ("page", "2"),  # harmless: kept
        (secret_name, "x" + token[:6]),  # by its name: any value
        (innocent[0], email),  # by the value's shape, under any name
        (innocent[1], phone),
        (innocent[2], token),
        (f"{email}", "1"),  # a name that is itself data
    ]
    segment = {"email": email, "token": token, "phone": phone}[where]
    document = hostile_document(user, password, params, segment, f"access_token={token}")
    recording = read_har(json.dumps(document), "leaky.har")
    imported = import_recording(recording)
    text = scenario_text(imported.scenario, "leaky.har")
    from simulator_app.core.recording.importer import summary_lines

    printed = "\n".join([*summary_lines(recording, imported), *imported.notes])
    assert_none_of([user, password, email, phone, token], text, printed)
    store = imported.scenario.store
    assert store.base_url == SHOP
    assert all("?page=2" in p for p in store.pages if "?" in p)
    removed = recording.removed
    assert removed["user info (user:password@)"] > 0
    assert "removed (secret or personal): " in printed
    assert "query parameter (a name that is itself data)" in removed
    assert "fragment parameter 'access_token'" in removed
    assert any(k.startswith("path segment (") for k in removed)
    for name in innocent:
        assert f"query parameter '{name}'" in removed


def test_import_har_prints_and_writes_no_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    password, email, token = "Pw-hunter2!", "ann.lee@example.com", _token(7, "urlsafe")
    params = [("email", email), ("ref", token), ("utm_source", "mail"), ("q", "+91 98765 43210")]
    document = hostile_document("annlee", password, params, email, "")
    har = tmp_path / "leaky.har"
    har.write_text(json.dumps(document), encoding="utf-8")
    out_file = tmp_path / "leaky.yaml"
    code, out, err = run_cli(capsys, "import-har", str(har), "-o", str(out_file))
    assert code == 0, err
    written = out_file.read_text(encoding="utf-8")
    assert_none_of(["annlee", password, email, token, "98765 43210"], written, out, err)
    assert "removed (secret or personal): " in out
    line = next(x for x in out.splitlines() if x.startswith("removed"))
    assert "query parameter 'email'" in line and "query parameter 'ref'" in line
    assert "user info (user:password@)" in line
    assert load_scenario(out_file).store.base_url == SHOP


@pytest.mark.slow
def test_a_replay_sends_and_prints_no_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    password, email, token = "Pw:s3cr3t", "bo.chan@example.org", _token(3, "hex")
    params = [("customer_email", email), ("x", token), ("page", "1")]
    document = hostile_document("bochan", password, params, token, f"t={token}")
    har = tmp_path / "leaky.har"
    har.write_text(json.dumps(document), encoding="utf-8")
    log = tmp_path / "replay.jsonl"
    code, out, err = run_cli(
        capsys, "run", "--replay", str(har), "--think-scale", "0", "--log", str(log)
    )
    assert code == 0, err
    sent = log.read_text(encoding="utf-8")
    assert_none_of(["bochan", password, email, token], sent, out, err)
    assert f"{har}: removed (secret or personal): " in err
    bodies = [r.request_body for r in records_of(log) if r.request_body]
    assert any(f"{SHOP}/redacted/" in b for b in bodies)  # the page is kept, the token is not


@pytest.mark.parametrize(
    ("value", "shape"),
    [
        ("alice%40example.com", "e-mail or user info"),
        ("alice%2540example.com", "e-mail or user info"),  # encoded twice
        ("%2B33%206%2012%2034%2056%2078", "phone number"),
        ("415.555.0123", "phone number"),
        ("dGhpcyBpcyBhIHNlY3JldCB0b2tlbg==", "token"),
        ("34a3f9a2-5057-431b-bd3f-aa9fdf9ff733", "token"),
        ("4111111111111111", "token"),
        ("summer-sale-2024", None),
        ("iphone-15-pro-max", None),
        ("t-shirt-v2-black-large", None),
        ("2026-11-30", None),
        ("1002", None),
    ],
)
def test_value_shapes(value: str, shape: str | None) -> None:
    assert value_shape(value) == shape


@pytest.mark.parametrize(
    ("url", "clean"),
    [
        ("https://a:b@shop.example.com/x", "https://shop.example.com/x"),
        ("https://a:p%40ss@shop.example.com:8443/", "https://shop.example.com:8443/"),
        ("https://a@b@shop.example.com/", "https://shop.example.com/"),
        ("/cart;jsessionid=0123ABCD?page=2", "/cart?page=2"),
        ("/users/jane.doe/orders", "/users/redacted/orders"),
        ("/customers/jane/orders", "/customers/redacted/orders"),  # /customers/<who>, always
        ("/account/1234", "/account/redacted"),
        ("/p?_ga=GA1.2.123456789.1712345678&_gl=1*abc&page=3", "/p?page=3"),  # ad trackers
        ("/account/orders", "/account/orders"),
        ("/p#reviews", "/p#reviews"),
        ("/p#id_token=abc&x=1", "/p#x=1"),
        ("/p?redirect=https%3A%2F%2Fu%3Ap%40evil.example%2F", "/p"),
        ("https://a:pa/ss@shop.example.com/", None),  # not a port: no URL a browser reads
        ("https://ann%40example.com@shop.example.com/", "https://shop.example.com/"),
        ("https://ann%2540x.example:pw%40@shop.example.com/", "https://shop.example.com/"),
    ],
)
def test_urls(url: str, clean: str | None) -> None:
    assert Scrubber().url(url) == clean


URL_PIECES = ["https://", "//", "/", "?", "#", "&", "=", ";", "@", ":", "%40", "%2540", "%2B",
              "+", "a", "Z", "9", "email", "users", ".", "-", "[::1]", "\\", " ", "%0A", "%3F"]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(URL_PIECES), max_size=25).map("".join))
def test_no_at_sign_survives_in_any_url(url: str) -> None:
    scrubber = Scrubber()
    clean = scrubber.url(url)
    assert clean is None or "@" not in decoded(clean)
    assert all(k.isprintable() for k in scrubber.removed)


def test_removed_names_never_carry_control_characters() -> None:
    scrubber = Scrubber()
    scrubber.url("/p?token%0A%1B%5B31m=1&%E2%80%AEemail=2")
    assert all(k.isprintable() for k in scrubber.removed)


@pytest.mark.parametrize(
    "email", ["ann.lee_at_example", "a-very-long-address-of-somebody-real-at-example-dot-com"]
)
def test_the_judges_messages_never_quote_a_recorded_persons_value(
    email: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    payload = {"email": email, "name": "Ann Lee", "phone": "+91 98765 43210", "source": "x"}
    segment = quote(base64.b64encode(json.dumps(payload).encode()).decode(), safe="")
    document = json.loads(CHROME.read_text(encoding="utf-8"))
    for entry in document["log"]["entries"]:
        url = entry["request"]["url"]
        if "/jsv1/identify/" in url:
            entry["request"]["url"] = url.rsplit("/", 1)[0] + "/" + segment
    har = tmp_path / "person.har"
    har.write_text(json.dumps(document), encoding="utf-8")
    code, out, err = run_cli(capsys, "import-har", str(har), "-o", str(tmp_path / "p.yaml"))
    assert code == 1, err  # the collector judges the e-mail bad...
    assert "payload.email" in out and "is not an email address" in out
    written = (tmp_path / "p.yaml").read_text(encoding="utf-8")
    assert_none_of([email, email[:20], "Ann Lee", "98765 43210"], out, err, written)  # ...unseen


def test_an_unreadable_entry_is_named_without_its_data() -> None:
    document = json.loads(CHROME.read_text(encoding="utf-8"))
    for entry in document["log"]["entries"]:
        url = entry["request"]["url"]
        if "/event/categoryview" in url:
            entry["request"]["url"] = url.replace("categoryview", "ann%40example.com")
    recording = read_har(json.dumps(document), "x.har")
    assert any("not one of the seven event types" in p for p in recording.problems)
    assert_none_of(["ann@example.com", "example.com"], "\n".join(recording.problems))


@pytest.mark.parametrize(
    "pid", ["\u00b2", "\u0661\u0660\u0660\u0661", "\uff11\uff10\uff10\uff11", "1001\n"]
)
def test_a_product_id_of_lookalike_digits_is_no_product_id(
    pid: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(CHROME.read_text(encoding="utf-8"))
    for entry in document["log"]["entries"]:
        post = entry["request"].get("postData")
        if isinstance(post, dict) and post.get("text"):
            post["text"] = post["text"].replace(
                '"product_id":1001', f'"product_id":{json.dumps(pid)}'
            )
    har = tmp_path / "digits.har"
    har.write_text(json.dumps(document), encoding="utf-8")
    code, _, err = run_cli(capsys, "import-har", str(har), "-o", str(tmp_path / "d.yaml"))
    assert code in (0, 1) and "Traceback" not in err, err
    catalog = load_scenario(tmp_path / "d.yaml").store.catalog
    assert catalog is not None
    assert 1001 not in {p.id for c in catalog.categories for p in c.products}
