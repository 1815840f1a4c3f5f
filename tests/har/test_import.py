"""A recording made into a scenario: journeys, think times, catalog, settings, identities."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator_app.cli._har import scenario_text
from simulator_app.collector.checks import Checker
from simulator_app.core.catalog import listed_catalog
from simulator_app.core.contract import EVENT_TYPES
from simulator_app.core.format import Range
from simulator_app.core.model import Product
from simulator_app.core.recording.har_reader import read_har, read_har_file
from simulator_app.core.recording.importer import import_recording, summary_lines
from simulator_app.core.recording.judge import judge
from simulator_app.core.scenario_file import parse_scenario
from tests.har.helpers import CHROME, FIREFOX, step_sequences

SHOP = "https://shop.example.com"


def test_chrome_recording_becomes_one_journey_with_its_think_times() -> None:
    imported = import_recording(read_har_file(str(CHROME)))
    scenario = imported.scenario
    assert step_sequences(scenario) == [
        [
            ("view", "/", None, None),
            ("categoryview", "Fashion", None, None),
            ("productview", 1001, None, None),
            ("productview", 1002, None, None),
            ("updatecart", 1002, Range(2, 2), None),
            ("checkout", None, None, None),
            ("identify", None, None, "checkout form"),
            ("buy", None, None, None),
        ]
    ]
    thinks = [s.think.low for s in scenario.journeys[0].steps]
    assert thinks == [3.5, 5.25, 5.65, 6.5, 8.5, 11.25, 5.75, 0.0]
    assert scenario.store.base_url == SHOP
    assert scenario.store.pages == ("/",)
    tracker = scenario.tracker
    assert (tracker.view_method, tracker.tracker_headers, tracker.cache_buster) == (
        "POST",
        True,
        True,
    )
    assert (tracker.full_cart, tracker.client_ip_header) == (False, "off")
    assert scenario.ids.org_id == "34a3f9a2-5057-431b-bd3f-aa9fdf9ff733"


def test_the_catalog_is_what_the_events_carry() -> None:
    scenario = import_recording(read_har_file(str(CHROME))).scenario
    assert scenario.store.catalog is not None
    catalog = listed_catalog(scenario.store.catalog)
    assert catalog.categories == ("Fashion",)
    assert catalog.products == (
        # only viewed: no title in any event
        Product(1001, "Product 1001", 2400, "Fashion", "100101", "/products/linen-shirt",
                "/images/1001.jpg"),
        Product(1002, "Silk Scarf", 1850, "Fashion", "100201", "/products/silk-scarf",
                "https://cdn.example.com/img/1002.jpg"),
    )  # fmt: skip


def test_firefox_recording_shows_its_tracker_settings_and_full_cart_form() -> None:
    imported = import_recording(read_har_file(str(FIREFOX)))
    scenario = imported.scenario
    tracker = scenario.tracker
    assert (tracker.view_method, tracker.tracker_headers, tracker.cache_buster) == (
        "GET", False, False
    )  # fmt: skip
    assert tracker.full_cart is True
    sequences = step_sequences(scenario)
    assert [s[0] for s in sequences[0]] == [
        "view", "categoryview", "productview", "updatecart", "productview", "updatecart",
        "removefromcart",
    ]  # fmt: skip
    # full-cart bodies read back as the change: one lamp added, the whole mug line removed
    assert sequences[0][5] == ("updatecart", 2002, Range(1, 1), None)
    assert sequences[0][6] == ("removefromcart", 2001, None, None)
    assert sequences[1][2] == ("updatecart", 2002, Range(2, 2), None)
    assert scenario.store.pages == ("/sale", "/")
    assert scenario.schedule.visitors == 2
    lines = summary_lines(read_har_file(str(FIREFOX)), imported)
    assert lines[0] == (
        "firefox.har: 2 visitors, 13 tracker requests of 18; 2 products, 1 category, 2 pages"
    )
    assert lines[2] == (
        "journey 1: view -> categoryview -> productview -> updatecart -> productview -> "
        "updatecart -> removefromcart"
    )


@pytest.mark.parametrize("har", [CHROME, FIREFOX])
def test_the_written_scenario_validates_and_holds_nobody_real(har: Path) -> None:
    recording = read_har_file(str(har))
    text = scenario_text(import_recording(recording).scenario, str(har))
    parse_scenario(text)  # raises on any problem
    for request in recording.requests:
        assert request.nitro_id not in text and request.roaming_id not in text
    for secret in ("asha.rao@example.com", "Asha Rao", "+91 98450", "अनन्या"):
        assert secret not in text


def test_keep_identities_writes_the_ids_of_a_one_visitor_recording_with_a_warning() -> None:
    recording = read_har_file(str(CHROME))
    imported = import_recording(recording, keep_identities=True)
    ids = imported.scenario.ids
    assert ids.nitro_id == "de8daa44-ac2e-4ba2-8e1c-987a06817353"
    assert ids.roaming_id == "biscuit_4c6e224d-96f6-430c-bfc4-d41ec31e38a4"
    assert imported.warnings and "identify a real browser" in imported.warnings[0]
    text = scenario_text(imported.scenario, "chrome.har")
    assert ids.nitro_id in text and "asha" not in text
    two = import_recording(read_har_file(str(FIREFOX)), keep_identities=True)
    assert two.scenario.ids.nitro_id == "random"
    assert "2 visitors" in two.warnings[0]


def test_a_recording_that_breaks_the_contract_gets_the_collectors_messages() -> None:
    document = json.loads(CHROME.read_text())
    for entry in document["log"]["entries"]:
        text = entry["request"].get("postData", {}).get("text", "")
        if '"cart_value":37.0' in text and "line_items" in text:
            entry["request"]["postData"]["text"] = text.replace(
                '"cart_value":37.0', '"cart_value":3.7'
            )
    recording = read_har(json.dumps(document), "broken.har")
    verdicts = judge(recording, Checker())
    bad = [v for v in verdicts if v.verdict == "bad"]
    assert [v.name for v in bad] == ["event/updatecart"]
    (line,) = bad[0].lines()
    assert line.startswith("entry 11: event/updatecart: bad: body.cart_value: ")
    assert line.endswith("(CART_VALUE_MISMATCH)")
    good = judge(read_har_file(str(CHROME)), Checker())
    assert {v.verdict for v in good} == {"good"}


def test_a_recording_without_tracker_requests_is_refused() -> None:
    recording = read_har(json.dumps({"log": {"entries": [{"request": {"url": SHOP + "/"}}]}}))
    with pytest.raises(ValueError, match="no Nitrox tracker request among its 1 entries"):
        import_recording(recording)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**6) | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)  # fmt: skip
_KEYS = ("page", "category", "product_id", "price", "product_url", "line_items", "cart_value",
         "items", "quantity", "line_price", "id", "title", "checkout", "order_id")  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(EVENT_TYPES),
            st.dictionaries(st.sampled_from(_KEYS), _JSON | st.lists(st.dictionaries(
                st.sampled_from(_KEYS), _JSON, max_size=5), max_size=3), max_size=6),
        ),
        min_size=1,
        max_size=8,
    )
)  # fmt: skip
def test_any_event_bodies_import_to_a_valid_scenario_or_one_reason(
    events: list[tuple[str, dict[str, object]]],
) -> None:
    base = "https://t.example.org/jsv1/34a3f9a2-5057-431b-bd3f-aa9fdf9ff733/"
    ids = "biscuit_4c6e224d-96f6-430c-bfc4-d41ec31e38a4/de8daa44-ac2e-4ba2-8e1c-987a06817353/null"
    entries = [
        {
            "startedDateTime": f"2026-12-01T10:00:{n:02d}Z",
            "request": {
                "method": "POST",
                "url": f"{base}{ids}/event/{kind}",
                "postData": {"text": json.dumps(body)},
            },
        }
        for n, (kind, body) in enumerate(events)
    ]
    recording = read_har(json.dumps({"log": {"entries": entries}}))
    try:
        imported = import_recording(recording)
    except ValueError as exc:  # nothing readable (an unpaired surrogate...) or no step
        assert str(exc) in (
            "no step of any visitor could be read",
            f"no Nitrox tracker request among its {len(events)} entries",
        )
        return
    parse_scenario(scenario_text(imported.scenario, "x.har"))
    judge(recording, Checker())


def test_steps_out_of_journey_order_are_left_out_with_a_note() -> None:
    base = "https://t.example.org/jsv1/34a3f9a2-5057-431b-bd3f-aa9fdf9ff733/"
    ids = "biscuit_4c6e224d-96f6-430c-bfc4-d41ec31e38a4/de8daa44-ac2e-4ba2-8e1c-987a06817353/null"
    bodies = [("view", {"page": SHOP + "/"}), ("checkout", {"checkout": SHOP + "/checkout",
              "items": [], "cart_value": 0})]  # fmt: skip
    entries = [
        {"startedDateTime": f"2026-12-01T10:00:0{n}Z",
         "request": {"method": "POST", "url": f"{base}{ids}/event/{kind}",
                     "postData": {"text": json.dumps(body)}}}
        for n, (kind, body) in enumerate(bodies)
    ]  # fmt: skip
    recording = read_har(json.dumps({"log": {"entries": entries}}))
    imported = import_recording(recording)
    assert [s.type for s in imported.scenario.journeys[0].steps] == ["view"]
    assert "entry 2: visitor 1: checkout before any updatecart; step left out" in imported.notes
    assert [v.verdict for v in judge(recording, Checker())] == ["good", "bad"]
