"""Identities: unique e-mails and phones at scale, E.164 phones, usable e-mails in any script.

How uniqueness at a million visitors is checked: a full contact costs about
100 µs (Faker's ``name()``), so a million would take minutes. The e-mail and
the phone each end in a number made by ``IdentityFactory._unique_number``;
that number is checked for a million visitor indexes directly (slow test,
about 20 s), and full contacts are checked at 20,000 visitors, where the test
also checks that each e-mail and phone really ends in that visitor's number.
Together: two e-mails (or phones) of one run can only be equal if their
numbers are.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from simulator_app.core.identities import IdentityFactory
from simulator_app.core.journey import JourneyEngine
from simulator_app.core.model import Identities, IdSettings
from simulator_app.core.scenario_file import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
ORG = "34a3f9a2-5057-431b-bd3f-aa9fdf9ff733"
MILLION = 1_000_000

# ITU country calling codes, written out here independently of the code under test.
CALLING_CODES = {
    "US": "1", "CA": "1", "GB": "44", "IE": "353", "AU": "61", "NZ": "64", "IN": "91",
    "DE": "49", "AT": "43", "CH": "41", "FR": "33", "ES": "34", "IT": "39", "PT": "351",
    "NL": "31", "PL": "48", "SE": "46", "RU": "7", "UA": "380", "JP": "81", "CN": "86",
    "TW": "886", "KR": "82", "TH": "66", "BR": "55", "MX": "52", "SA": "966", "EG": "20",
    "IL": "972", "GR": "30", "TR": "90", "BD": "880", "NP": "977",
}  # fmt: skip

# The locales the issue names, with the country whose code their phones must carry.
NAMED_LOCALES = {
    "en_IN": "IN",
    "hi_IN": "IN",
    "ja_JP": "JP",
    "zh_CN": "CN",
    "ru_RU": "RU",
    "ar_AA": "SA",  # Faker's generic Arabic locale
    "en_US": "US",
    "de_DE": "DE",
}
SCRIPTS = {
    "hi_IN": "DEVANAGARI",
    "ja_JP": "CJK",
    "zh_CN": "CJK",
    "ru_RU": "CYRILLIC",
    "ar_AA": "ARABIC",
}

EMAIL = re.compile(r"[a-z0-9]+(?:\.[a-z0-9]+)*[0-9]{8}@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}")
E164 = re.compile(r"\+[1-9][0-9]{7,14}")


def factory(locales: tuple[str, ...] = ("en_US",), seed: int = 1) -> IdentityFactory:
    return IdentityFactory(Identities(locales, seed), IdSettings(ORG))


@pytest.mark.parametrize(("locale", "country"), NAMED_LOCALES.items())
def test_contacts_are_usable_in_every_named_locale(locale: str, country: str) -> None:
    made = factory((locale,))
    scripts: set[str] = set()
    for index in range(200):
        name, email, phone = made.contact(index, locale)
        assert name.strip(), (locale, index)
        assert EMAIL.fullmatch(email), (locale, name, email)
        assert E164.fullmatch(phone), (locale, phone)
        assert phone.startswith("+" + CALLING_CODES[country]), (locale, phone)
        scripts.update(unicodedata.name(ch, "?").split()[0] for ch in name if ch.isalpha())
    if locale in SCRIPTS:  # the names really are in that script, yet the e-mails are usable
        assert SCRIPTS[locale] in scripts, scripts


@pytest.mark.parametrize("country", sorted(CALLING_CODES))
def test_phone_country_code_matches_the_locale(country: str) -> None:
    from faker.config import AVAILABLE_LOCALES

    locales = sorted(loc for loc in AVAILABLE_LOCALES if loc.endswith("_" + country))
    if not locales:
        pytest.skip(f"Faker has no locale for {country}")
    made = factory(tuple(locales))
    for locale in locales:
        for index in range(3):
            phone = made.contact(index, locale)[2]
            assert E164.fullmatch(phone), (locale, phone)
            assert phone.startswith("+" + CALLING_CODES[country]), (locale, phone)


def test_contacts_are_reproducible_and_seed_dependent() -> None:
    one, again, other = factory(seed=5), factory(seed=5), factory(seed=6)
    assert [one.contact(i, "hi_IN") for i in range(20)] == [
        again.contact(i, "hi_IN") for i in reversed(range(20))
    ][::-1]
    mine = {one.contact(i, "hi_IN")[1] for i in range(20)}
    theirs = {other.contact(i, "hi_IN")[1] for i in range(20)}
    assert not mine & theirs


def test_twenty_thousand_visitors_have_unique_emails_and_phones() -> None:
    # demo_mix mixes en_IN, hi_IN and en_US: phones of two countries in one run,
    # both with nine digits after the leading one.
    engine = JourneyEngine(load_scenario(SCENARIOS / "demo_mix.yaml"))
    assert engine.scenario.identities.locales == ("en_IN", "hi_IN", "en_US")
    made = engine.identities
    emails: set[str] = set()
    phones: set[str] = set()
    n = 20_000
    for index in range(n):
        visitor = engine.visitor(index)
        email, phone = visitor.email, visitor.phone
        # the e-mail and the phone end in this visitor's unique numbers
        assert email.split("@")[0].endswith(f"{made._unique_number(index, 'email', 8):08d}")
        assert phone.endswith(f"{made._unique_number(index, 'phone', 9):09d}")
        emails.add(email)
        phones.add(phone)
    assert len(emails) == n
    assert len(phones) == n


@pytest.mark.slow
@pytest.mark.parametrize(("purpose", "digits"), [("email", 8), ("phone", 8)])
def test_unique_numbers_are_unique_across_a_million_visitors(purpose: str, digits: int) -> None:
    made = factory(seed=42)
    numbers = {made._unique_number(i, purpose, digits) for i in range(MILLION)}
    assert len(numbers) == MILLION
    assert min(numbers) >= 0 and max(numbers) < 10**digits


def test_unique_numbers_are_unique_for_nine_digit_phones() -> None:
    made = factory(seed=42)
    n = 100_000
    assert len({made._unique_number(i, "phone", 9) for i in range(n)}) == n


# ITU calling codes of the countries of Faker's other locales (en_MS: Montserrat, NANP).
MORE_CODES = {
    "ET": "251", "AE": "971", "BH": "973", "DZ": "213", "JO": "962", "PS": "970", "AZ": "994",
    "BG": "359", "BA": "387", "CZ": "420", "DK": "45", "LI": "423", "LU": "352", "CY": "357",
    "KE": "254", "MS": "1664", "NG": "234", "PH": "63", "PK": "92", "AR": "54", "CL": "56",
    "CO": "57", "VE": "58", "EE": "372", "IR": "98", "FI": "358", "BE": "32", "QC": "1",
    "HR": "385", "HU": "36", "AM": "374", "ID": "62", "IS": "354", "GE": "995", "LT": "370",
    "LV": "371", "MK": "389", "MT": "356", "NO": "47", "RO": "40", "LK": "94", "SK": "421",
    "SI": "386", "AL": "355", "GH": "233", "UZ": "998", "VN": "84", "ZA": "27",
}  # fmt: skip


def test_every_faker_locale_gets_its_own_countrys_phone_code() -> None:
    from simulator_app.core.locales import LOCALES

    codes = {**CALLING_CODES, **MORE_CODES}
    wrong = []
    for locale in LOCALES:
        country = locale.partition("_")[2]
        if not country or locale == "ar_AA":
            continue  # a language without a country: any plan will do
        phone = factory((locale,)).contact(0, locale)[2]
        assert E164.fullmatch(phone), (locale, phone)
        if not phone.startswith("+" + codes[country]):
            wrong.append(f"{locale}: {phone}")
    assert not wrong, wrong
