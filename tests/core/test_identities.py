"""Visitors a real dashboard can take: places, devices, names, e-mails and phones.

Each check is made against a source the code under test does not use to make
the value: phones with phonenumbers' own validation, addresses with the
registry data of iptocc (the generator keeps only networks iptocc agrees on,
at three sample addresses each; the check looks every visitor's own address
up), browsers with ua-parser, names with the romanizer's output.
"""

from __future__ import annotations

import collections
import dataclasses
import re
from datetime import date

import iptocc
import phonenumbers
import pytest
from phonenumbers import timezone as phone_zones
from ua_parser import parse as parse_agent

from simulator_app.core.journey import JourneyEngine
from simulator_app.core.model import Identities, IdSettings, Journey, Scenario, Step, Store
from simulator_app.core.romanize import address_part
from simulator_app.core.sources import locale_country, phone_plan
from tests.factory import ORG


def scenario(
    locales: tuple[str, ...] = ("en_IN", "hi_IN", "en_US"),
    countries: tuple[tuple[str, float], ...] = (),
    mobile_share: float | None = None,
) -> Scenario:
    return Scenario(
        name="identities",
        store=Store(base_url="https://shop.example.com"),
        identities=Identities(locales=locales, countries=countries, mobile_share=mobile_share),
        ids=IdSettings(org_id=ORG),
        journeys=(Journey(name="look", steps=(Step(type="view"),)),),
    )


def visitors(sc: Scenario, n: int, seed: int = 4711) -> list:  # type: ignore[type-arg]
    engine = JourneyEngine(sc, seed=seed)
    return [engine.visitor(i) for i in range(n)]


WORLD = scenario(
    locales=("en_IN", "hi_IN", "en_US", "en_GB", "de_DE", "ja_JP", "pt_BR", "ar_SA", "ru_RU"),
    countries=tuple((c, 1.0) for c in ("IN", "US", "GB", "DE", "JP", "BR", "SA", "RU", "FR")),
)


def test_every_phone_is_a_valid_mobile_number_of_the_visitors_country() -> None:
    crowd = visitors(WORLD, 9000)
    assert {v.country for v in crowd} == {"IN", "US", "GB", "DE", "JP", "BR", "SA", "RU", "FR"}
    invalid = []
    for v in crowd:
        number = phonenumbers.parse(v.phone)
        kind = phonenumbers.number_type(number)
        mobile = kind in (phonenumbers.PhoneNumberType.MOBILE,
                          phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)  # fmt: skip
        if not (phonenumbers.is_valid_number_for_region(number, v.country) and mobile):
            invalid.append(v.phone)
    assert len(invalid) <= 0.01 * len(crowd), invalid[:10]


def test_the_time_zone_is_the_phone_numbers() -> None:
    crowd = visitors(WORLD, 3000)
    own = [
        v
        for v in crowd
        if v.timezone in phone_zones.time_zones_for_number(phonenumbers.parse(v.phone))
    ]
    # a prefix is checked at five numbers; a few area codes change zone further on
    assert len(own) >= 0.95 * len(crowd)


def test_addresses_are_in_the_visitors_country_by_the_registries() -> None:
    crowd = visitors(WORLD, 9000)
    found = iptocc.country_code([v.ip for v in crowd])
    wrong = [(v.country, c, v.ip) for v, c in zip(crowd, found, strict=True) if c != v.country]
    assert len(wrong) <= 0.05 * len(crowd), wrong[:10]
    assert len({v.ip for v in crowd}) >= 0.8 * len(crowd)  # a dashboard sees many places


def test_one_visitor_keeps_one_address_one_device_one_language() -> None:
    engine = JourneyEngine(scenario(), seed=7)
    for index in range(300):
        visitor = engine.visitor(index)
        seen = {
            tuple(h for h in p.spec.headers if h[0] != "X-Nitro-Id") for p in engine.plan(index)
        }
        assert len(seen) == 1  # the same headers on every request of the visitor
        headers = dict(next(iter(seen)))
        assert headers["User-Agent"] == visitor.user_agent
        assert headers["X-Forwarded-For"] == visitor.ip
        language = visitor.locale.replace("_", "-")
        assert headers["Accept-Language"].startswith(language + ",")


def test_the_client_ip_header_is_configurable_or_off() -> None:
    base = scenario()
    renamed = dataclasses.replace(
        base, tracker=dataclasses.replace(base.tracker, client_ip_header="X-Real-IP")
    )
    off = dataclasses.replace(
        base, tracker=dataclasses.replace(base.tracker, client_ip_header="off")
    )
    first = next(JourneyEngine(renamed, seed=1).plan(0)).spec.headers
    assert ("X-Real-IP", JourneyEngine(renamed, seed=1).visitor(0).ip) in first
    names = {h for h, _ in next(JourneyEngine(off, seed=1).plan(0)).spec.headers}
    assert "X-Forwarded-For" not in names and "X-Real-IP" not in names


# What ua-parser reports, and when each major version came out (approximately, from the
# browsers' release calendars): Chrome, Edge and Firefox every four weeks, Safari yearly.
_RELEASE = {
    "Chrome": (date(2023, 12, 5), 120, 28),
    "Chrome Mobile": (date(2023, 12, 5), 120, 28),
    "Chrome Mobile iOS": (date(2023, 12, 5), 120, 28),
    "Chrome Mobile WebView": (date(2023, 12, 5), 120, 28),
    "Edge": (date(2023, 12, 7), 120, 28),
    "Firefox": (date(2023, 12, 19), 121, 28),
    "Firefox Mobile": (date(2023, 12, 19), 121, 28),
    "Mobile Safari": (date(2023, 9, 18), 17, 365),
    "Safari": (date(2023, 9, 18), 17, 365),
}
# fake-useragent 2.2.0's table is of April 2025: three years before it is the bound
# that holds as long as that table is current (the test does not expire with the calendar).
TABLE_DATE = date(2025, 4, 1)


def _released(family: str, major: int) -> date | None:
    known = _RELEASE.get(family)
    if known is None:
        return None
    day, version, every = known
    return date.fromordinal(day.toordinal() + (major - version) * every)


def test_browsers_are_current_and_one_per_visitor() -> None:
    crowd = visitors(WORLD, 6000)
    old = []
    for v in crowd:
        agent = parse_agent(v.user_agent).user_agent
        if agent is None or not (agent.major or "").isdigit():
            continue
        released = _released(agent.family, int(agent.major))
        if released is not None and (TABLE_DATE - released).days > 3 * 365:
            old.append(v.user_agent)
    assert len(old) <= 0.02 * len(crowd), old[:5]
    assert not any(
        re.search(r"MSIE|Presto|Opera/[0-9]|Android [1-4]\.", v.user_agent) for v in crowd
    )


@pytest.mark.parametrize("share", [0.2, 0.8])
def test_the_mobile_share_is_configurable(share: float) -> None:
    crowd = visitors(scenario(mobile_share=share), 5000)
    measured = sum(v.device.kind in ("mobile", "tablet") for v in crowd) / len(crowd)
    assert abs(measured - share) < 0.03
    mobile = [v for v in crowd if v.device.kind == "mobile"]
    assert all(re.search(r"Mobile|iPhone|Android", v.user_agent) for v in mobile[:500])


NAME_PARTS = re.compile(r"^[a-z]+([._][a-z]+)?([0-9]{2}|[0-9]{3}|[0-9]{4})?$")


def test_emails_are_made_of_the_visitors_own_name() -> None:
    crowd = visitors(WORLD, 6000)
    own = five_digits = 0
    for v in crowd:
        local, _, domain = v.email.partition("@")
        assert NAME_PARTS.match(local), v.email
        assert "." in domain
        parts = [address_part(p) for p in re.split(r"\s+", v.name)]
        if v.locale in ("ja_JP", "zh_CN", "ko_KR"):
            parts = [address_part(v.name)]
        if any(p and p in local for p in parts) or any(
            p and p in address_part(v.name) for p in re.split(r"[._0-9]+", local) if len(p) > 1
        ):
            own += 1
        five_digits += bool(re.search(r"[0-9]{5}", local))
    assert own >= 0.8 * len(crowd)
    assert five_digits <= 0.01 * len(crowd)


def test_names_are_a_first_and_a_family_name_without_titles() -> None:
    titles = re.compile(r"\b(Mr|Mrs|Ms|Miss|Dr|Prof|DDS|MD|PhD|Jr|Sr|II|III|IV|DVM)\b\.?")
    for v in visitors(WORLD, 4000):
        assert not titles.search(v.name), v.name
        if v.locale not in ("ja_JP", "zh_CN"):
            assert len(v.name.split()) >= 2, v.name


def test_a_devanagari_name_gets_its_own_address() -> None:
    hindi = [v for v in visitors(scenario(locales=("hi_IN",)), 400)]
    assert all(re.search("[\u0900-\u097f]", v.name) for v in hindi)
    for v in hindi:
        first, *_, last = v.name.split()
        local = v.email.split("@")[0]
        assert address_part(last) in local or address_part(v.name.split(" ", 1)[1]) in local, (
            v.name,
            v.email,
        )
        assert address_part(first) in local or local.startswith(address_part(first)[0])


def test_domains_fit_the_country() -> None:
    german = visitors(scenario(locales=("de_DE",)), 2000)
    domains = collections.Counter(v.email.split("@")[1] for v in german)
    assert {"gmx.de", "web.de"} <= set(domains)
    assert not any(d.endswith((".co.uk", ".ru")) for d in domains)


@pytest.mark.slow
@pytest.mark.timeout(1200)  # CPU-bound: a minute alone, past 300 s on a machine shared by eight
def test_a_million_visitors_never_share_an_email_or_a_phone() -> None:
    engine = JourneyEngine(scenario(), seed=4711)
    people = engine.people
    emails: set[str] = set()
    phones: set[str] = set()
    million = 1_000_000
    for index in range(million):
        visitor = engine.visitor(index)
        _, email, phone = people.contact(visitor)
        emails.add(email)
        phones.add(phone)
    assert len(emails) == len(phones) == million


def test_two_runs_share_no_visitor_unless_the_seed_is_replayed() -> None:
    def run(seed: int) -> list:  # type: ignore[type-arg]
        engine = JourneyEngine(scenario(), seed=seed)
        return [(engine.visitor(i), engine.order_id(i, 0)) for i in range(3000)]

    one, two, again = run(101), run(202), run(101)
    keys = ("ids.nitro_id", "ids.roaming_id", "email", "phone")

    def values(crowd: list, key: str) -> set[str]:  # type: ignore[type-arg]
        out = set()
        for v, _order in crowd:
            value = v
            for part in key.split("."):
                value = getattr(value, part)
            out.add(value)
        return out

    for key in keys:
        assert values(one, key) == values(again, key), key
    assert not values(one, "ids.nitro_id") & values(two, "ids.nitro_id")
    assert not values(one, "ids.roaming_id") & values(two, "ids.roaming_id")
    # Addresses are made of names and phones are of one plan, so two runs can meet by
    # chance (a handful in the nine million pairs of visitors here); one run never does.
    assert len(values(one, "email") & values(two, "email")) <= 3
    assert len(values(one, "phone") & values(two, "phone")) <= 3
    assert not {o for _, o in one} & {o for _, o in two}


def test_every_faker_locale_has_a_country_with_a_numbering_plan() -> None:
    from simulator_app.core.locales import LOCALES

    for locale in LOCALES:
        country = locale_country(locale)
        if country is not None:
            assert country in phonenumbers.SUPPORTED_REGIONS, locale
    assert phone_plan("IN").code == "91" and phone_plan("US").code == "1"
