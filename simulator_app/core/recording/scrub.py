"""What a recording must not pass on: secrets and personal data in the URLs and texts it carries.

A browser recording holds whatever the shop put in its URLs: ``user:password@``
user info, ``?email=`` or ``?token=`` parameters, a cart token or a customer's
e-mail as a path segment, an OAuth token in a fragment. The reader scrubs every
URL and text of a Nitrox request (its body, its Referer) before anything else
sees it, so the import, the judge's messages, the replay and everything they
print or write get the clean form:

- user info is dropped;
- a query or fragment parameter is removed when its name says it carries a
  secret or a person (e-mail, phone, token, key, password, session, auth, user,
  customer, click IDs...) or when its value looks like one (an ``@``, a phone
  number, a long random token), whatever its name;
- a path segment that looks like one is replaced by :data:`REDACTED`, as is
  the segment after one named like ``users`` or ``session`` when it holds a
  digit or more than lower-case letters; a ``;param=`` of a segment is removed
  like a query parameter;
- a text field with an ``@`` in it is replaced by :data:`REDACTED`.

Values are judged decoded (``%40`` is an ``@``, ``%2B`` a ``+``), so encoding
hides nothing. :class:`Removed` counts what was taken out by kind and
parameter name, never by value.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any
from urllib.parse import unquote_plus, urlsplit, urlunsplit

REDACTED = "redacted"

# Words a parameter's name is made of (split at punctuation and camelCase) that say
# it carries a secret or a person.
_WORDS = frozenset(
    (
        "e", "mail", "tel", "mobile", "cell", "msisdn", "phone", "key", "pass", "pin", "otp",
        "sid", "code", "sig", "hash", "nonce", "state", "user", "uid", "login", "account",
        "acct", "member", "contact", "name", "firstname", "lastname", "fname", "lname",
        "surname", "address", "addr", "street", "zip", "postcode", "postal", "dob",
        "birthday", "birthdate", "card", "cc", "cvv", "cvc", "iban", "ssn", "ip", "access",
        "refresh", "private", "person", "profile", "customer", "client", "visitor", "guest",
        "ticket", "reset", "verify", "verification", "invite", "oauth", "saml", "csrf",
        "xsrf", "cookie", "credit", "tax", "vat", "passport", "license", "pw", "pword",
        "hmac", "cust", "recipient", "lat", "lng", "lon", "latitude", "longitude", "geo",
        "device", "anon", "anonymous", "distinct", "uuid", "guid",
    )
)  # fmt: skip
# Parts of a name that say so wherever they appear ("customerEmail", "X-Api-Key", "jsessionid").
_PARTS = (
    "email", "mail", "phone", "passw", "pwd", "token", "secret", "session", "sessid",
    "apikey", "auth", "bearer", "jwt", "signature", "credential", "userid", "username",
    "customer", "account", "gclid", "fbclid", "msclkid", "dclid", "clickid", "clid",
    "fullname", "firstname", "lastname", "surname", "nickname", "displayname", "birth",
)  # fmt: skip
# Whole names (letters and digits only) of the parameters that ad and mail tools add to
# follow one person: Google's _ga and srsltid, Meta's _fbp, Mailchimp's mc_eid, HubSpot's...
_TRACKING = frozenset(
    (
        "ga", "gid", "gl", "cid", "vid", "fbp", "fbc", "mceid", "mccid", "mkttok", "hsenc",
        "hsmi", "wbraid", "gbraid", "yclid", "ttclid", "twclid", "lifatid", "epik", "igshid",
        "skwcid", "efid", "olyencid", "olyanonid", "rbclickid", "veroid", "srsltid", "ref",
        "referrer", "aff", "affid", "affiliate", "subid", "irclickid", "kuid", "ckid",
    )
)  # fmt: skip
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_WORD = re.compile(r"[a-z]+")
_PHONE = re.compile(r"\+?[\d\s().\-/]{7,30}", re.ASCII)
_DATE = re.compile(r"\d{4}[-/.]\d{2}[-/.]\d{2}|\d{2}[-/.]\d{2}[-/.]\d{4}", re.ASCII)
# A path segment that names whose the next one is: that one is always someone (/users/<who>).
_PEOPLE = frozenset(("users", "customers", "members", "profiles", "people", "persons", "u"))
# A path segment that names what the next segment is (/user/<id>, /session/<token>): that one
# is taken out when it is more than a lower-case word (/account/orders stays).
_PATH_NOUNS = frozenset(
    (
        "user", "customer", "account", "member", "profile", "session", "token", "email",
        "phone", "reset", "verify", "invite", "auth", "login", "password", "person", "key",
    )
)  # fmt: skip
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9+/=_\-.~:]{16,}", re.ASCII)
_SPLIT = re.compile(r"[-_.~:+/=]")
_MORE_THAN_A_WORD = re.compile(r"[^a-z\-]").search
_AT = re.compile(r"@|%(?:25)*40", re.IGNORECASE)
_SHOWN_NAME = re.compile(r"[A-Za-z0-9_\-.\[\]]{1,40}", re.ASCII)


class Removed(Counter[str]):
    """What scrubbing took out, counted by kind and name ("query parameter 'email'")."""

    def line(self) -> str:
        """``user info x2, query parameter 'email' x3`` (``nothing`` when empty)."""
        if not self:
            return "nothing"
        return ", ".join(k if n == 1 else f"{k} x{n}" for k, n in sorted(self.items()))


def decoded(value: str) -> str:
    """``value`` percent-decoded until it stops changing (three rounds at most)."""
    for _ in range(3):
        once = unquote_plus(value)
        if once == value:
            break
        value = once
    return value


def _words(name: str) -> list[str]:
    return _WORD.findall(_CAMEL.sub(r"\1 \2", name).lower())


def name_is_sensitive(name: str) -> bool:
    """True when a parameter's or field's name says it carries a secret or a person."""
    plain = decoded(name)
    flat = "".join(_words(plain))
    if flat in _TRACKING or any(part in flat for part in _PARTS):
        return True
    return any(w in _WORDS or w.rstrip("s") in _WORDS for w in _words(plain))


def value_shape(value: str) -> str | None:
    """What a value looks like when it looks secret or personal (None: it does not)."""
    text = decoded(value).strip()
    if "@" in text:
        return "e-mail or user info"
    if _PHONE.fullmatch(text) and not _DATE.fullmatch(text):
        digits = sum(c.isdigit() for c in text)
        separated = text.startswith("+") or any(not c.isdigit() for c in text)
        if 7 <= digits <= 15 and (separated or digits >= 9):
            return "phone number"
    if _TOKEN_CHARS.fullmatch(text) and _random(text):
        return "token"
    return None


def _random(text: str) -> bool:
    """True for a long value that is not words and numbers joined (a slug): hex, Base64, a JWT.

    A part (between ``-``, ``_``, ``.``...) is random-looking when it mixes letters
    and digits or has a capital past its first letter; a slug such as
    ``iphone-15-pro`` or ``t-shirt-v2-black`` is mostly plain words and numbers.
    """
    if text.isdigit():
        return True  # sixteen digits and more: a card number, an account
    parts = [part for part in _SPLIT.split(text) if part]
    mixed = sum(len(part) for part in parts if _mixed(part))
    return mixed * 2 >= sum(len(part) for part in parts)


def _mixed(part: str) -> bool:
    if any(c.isalpha() for c in part) and any(c.isdigit() for c in part):
        return True
    return any(c.isupper() for c in part[1:]) and any(c.islower() for c in part)


def shown_name(name: str) -> str:
    """A parameter's name as a summary may show it: quoted, or in words when it is itself data."""
    if _SHOWN_NAME.fullmatch(name) and value_shape(name) is None:
        return f"'{name}'"
    return "(a name that is itself data)"


class Scrubber:
    """Scrubs URLs and texts and counts what it took out in :attr:`removed`."""

    def __init__(self) -> None:
        self.removed = Removed()
        # A recording repeats its URLs (every event of a page names it): each is read once.
        self._seen: dict[str, tuple[str | None, Removed]] = {}

    def url(self, url: str) -> str | None:
        """``url`` without secrets or personal data (None: not a URL that can be read)."""
        seen = self._seen.get(url)
        if seen is None:
            counted, self.removed = self.removed, Removed()
            try:
                seen = (self._url(url), self.removed)
            finally:
                self.removed = counted
            if len(self._seen) < 100_000:
                self._seen[url] = seen
        self.removed.update(seen[1])
        return seen[0]

    def _url(self, url: str) -> str | None:
        try:
            parts = urlsplit(url)
        except ValueError:
            self.removed["unreadable URL"] += 1
            return None
        try:
            parts.port  # noqa: B018 (a port that is not a number: no URL a browser would read)
        except ValueError:
            self.removed["unreadable URL"] += 1
            return None
        netloc = parts.netloc
        if "@" in decoded(netloc):  # user info, its "@" percent-encoded or not
            netloc = _AT.split(netloc)[-1]
            self.removed["user info (user:password@)"] += 1
            if "@" in decoded(netloc):
                return None
        path = "/".join(self._segments(parts.path.split("/")))
        query = self._pairs(parts.query, "query parameter")
        fragment = parts.fragment
        if fragment:
            if "=" in fragment:
                fragment = self._pairs(fragment, "fragment parameter")
            elif value_shape(fragment) is not None:
                self.removed["fragment"] += 1
                fragment = ""
        return urlunsplit((parts.scheme, netloc, path, query, fragment))

    def _pairs(self, text: str, what: str) -> str:
        if not text:
            return text
        kept: list[str] = []
        for pair in text.split("&"):
            name, _, value = pair.partition("=")
            if name_is_sensitive(name) or value_shape(value) is not None:
                self.removed[f"{what} {shown_name(decoded(name))}"] += 1
            elif value_shape(name) is not None:
                self.removed[f"{what} {shown_name(name)}"] += 1
            else:
                kept.append(pair)
        return "&".join(kept)

    def _segments(self, segments: list[str]) -> list[str]:
        out: list[str] = []
        after = 0  # 2: the segment before names people; 1: it names a person or a secret
        for raw in segments:
            segment, *params = raw.split(";")
            kept = [p for p in params if not self._param_removed(p)]
            plain = decoded(segment)
            shape = value_shape(plain)
            if shape is None and plain and (after == 2 or (after and _MORE_THAN_A_WORD(plain))):
                shape = "after a segment that names a person or secret"
            if shape is not None:
                self.removed[f"path segment ({shape})"] += 1
                segment = REDACTED
            noun = plain.lower()
            named = any(w.rstrip("s") in _PATH_NOUNS for w in _words(plain))  # /reset-password/
            after = 0 if shape else 2 if noun in _PEOPLE else int(named)
            out.append(";".join([segment, *kept]))
        return out

    def _param_removed(self, param: str) -> bool:
        name, _, value = param.partition("=")
        if name_is_sensitive(name) or value_shape(value) is not None or value_shape(name):
            self.removed[f"path parameter {shown_name(decoded(name))}"] += 1
            return True
        return False

    def text(self, value: str, field: str) -> str:
        """A body's text field: a URL scrubbed, text with an ``@`` in it replaced."""
        if _looks_like_url(value):
            clean = self.url(value)
            return clean if clean is not None else REDACTED
        if name_is_sensitive(field) and value:
            self.removed[f"body field {shown_name(field)}"] += 1
            return REDACTED
        if "@" in decoded(value):
            self.removed[f"body field {shown_name(field)} (e-mail)"] += 1
            return REDACTED
        return value

    def body(self, data: Any, field: str = "") -> Any:
        """A JSON value with every text scrubbed (objects and lists followed)."""
        if isinstance(data, str):
            return self.text(data, field)
        if isinstance(data, dict):
            return {k: self.body(v, k if isinstance(k, str) else field) for k, v in data.items()}
        if isinstance(data, list):
            return [self.body(v, field) for v in data]
        return data


def _looks_like_url(value: str) -> bool:
    return "://" in value[:16] or value.startswith("/")
