"""The collector's page is a Jinja2 template with autoescape: no value can add markup."""

from __future__ import annotations

from html.parser import HTMLParser

import httpx

from simulator_app.collector import EmbeddedCollector
from simulator_app.collector.page import render_page

from .conftest import event, new_ids, send

HOSTILE = "\"'><script>alert(1)</script><img src=x onerror=alert(2)>"


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.append(tag)
        self.attributes.update(name for name, _ in attrs)


def test_every_value_on_the_page_is_escaped() -> None:
    message = {"fieldPath": HOSTILE, "description": HOSTILE, "code": HOSTILE}
    row = (0.0, HOSTILE, False, 200, HOSTILE, "/jsv1/" + HOSTILE, 1, [message], [message], None)
    summary = {
        "total": 1, "good": 0, "bad": 1, "warned": 1, "by_type": {HOSTILE: 1},
        "bad_by_type": {HOSTILE: 1}, "stored": 1, "memory_budget": None,
        "countries": {
            "header": HOSTILE, "by_country": {HOSTILE: {"visitors": 1, "requests": 1}},
            "header_share": 1.0, "addresses_per_visitor": 1.0, "addresses_at_least": False,
            "addresses": 1,
        },
    }  # fmt: skip
    html = render_page(summary, {}, 1, [row], [row], {HOSTILE: HOSTILE})  # type: ignore[list-item]
    tags = Tags()
    tags.feed(html)
    assert "script" not in tags.names and "img" not in tags.names
    assert not {a for a in tags.attributes if a.startswith("on")}
    assert "<script" not in html
    # type, header, country, path, method, field, description, code, fault: each as text
    assert html.count("&lt;script&gt;") >= 12
    assert "&#34;&#39;&gt;" in html  # quotes too: no attribute can be closed
    assert "Bad requests by reason code and field" in html


def test_a_hostile_request_shows_as_text_on_the_live_page() -> None:
    with EmbeddedCollector() as collector, httpx.Client(base_url=collector.url) as client:
        send(client, event(new_ids(), "productview", {"product_id": HOSTILE, "price": HOSTILE}))
        html = client.get("/_collector/").text
    tags = Tags()
    tags.feed(html)
    assert "script" not in tags.names and "img" not in tags.names
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<td>VALUE_INVALID</td><td><code>body.price</code></td>" in html  # by code and field
