"""The maintained data sets a :class:`~simulator_app.core.world.Population` is made from.

- IPv4 networks by country: geoip2fast's own data file (MaxMind GeoLite2
  Country, the file the package looks addresses up in; the collector
  geolocates with the same package), kept where iptocc's registry data agrees.
- Browsers and devices with their market shares: fake-useragent's real-world
  table (each user agent with its share of visits, device kind, browser, OS),
  keeping browsers released within about three years of that table's newest.
- Mobile numbering plans and their time zones: phonenumbers (Google's
  libphonenumber metadata).
- Names and e-mail domains: Faker's locales, names put in Latin letters by
  :mod:`simulator_app.core.romanize` (Japanese by Faker's own readings).

Nothing here goes to the network. Every table is made the same way from the
same package versions (the random choices are seeded), and cached per process.
"""

from __future__ import annotations

import bisect
import collections
import datetime
import functools
import gzip
import importlib.metadata
import importlib.resources
import json
import pickle
import random
import re
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from simulator_app.core.romanize import address_part
from simulator_app.core.world import (
    MOBILE_KINDS,
    Country,
    Device,
    Gendered,
    LocaleStyle,
    NameBook,
    PhonePlan,
    Population,
)

NETWORKS_PER_COUNTRY = 256  # sampled by size: enough variety, small enough for a bundle
PHONE_PREFIXES = 400  # per country, each with up to 10 million numbers after it
MAX_FREE_DIGITS = 7
PHONE_ROOM = 4 * 10**9  # numbers a country's plan need not exceed (see phone_plan)
DIGITS = "0123456789"
# Free-mail services used in every country besides the locale's own (Microsoft's, Apple's):
# more domains, fewer addresses two runs drawn apart can both make.
GLOBAL_DOMAINS = ("gmail.com", "outlook.com", "icloud.com")
LEADS = (DIGITS, "23456789")  # the first free digit: any, or 2-9 (North America's exchanges)
SHARED_NAMES = 0.25  # locales sharing more of their first names than this share a name book

# Locales whose name is not a country of its own, and where their people are.
_LOCALE_COUNTRY: dict[str, str | None] = {
    "ar_AA": "SA",
    "en": "US",
    "de": "DE",
    "es": "ES",
    "th": "TH",
    "sw": "KE",
    "fr_QC": "CA",
    "la": None,
}
_GEOIP_VERSION = 120


class SourceError(Exception):
    """A data set cannot give what was asked (a country without networks, ...)."""


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def sources_line() -> str:
    """The data sets in use and their versions, e.g. for a report."""
    return ", ".join(
        f"{p} {_version(p)}" for p in ("geoip2fast", "fake-useragent", "phonenumbers", "Faker")
    )


# -- countries and locales -------------------------------------------------------


def locale_country(locale: str) -> str | None:
    """The country of a Faker locale (``hi_IN`` → ``IN``), or None when it names none."""
    if locale in _LOCALE_COUNTRY:
        return _LOCALE_COUNTRY[locale]
    _, _, region = locale.partition("_")
    return region if len(region) == 2 and region.isalpha() else None


def country_locales(code: str) -> tuple[str, ...]:
    """Faker's locales for a country (``DE`` → de_DE), its own language first."""
    from faker.config import AVAILABLE_LOCALES

    found = sorted(loc for loc in AVAILABLE_LOCALES if locale_country(loc) == code)
    own = [loc for loc in found if loc.split("_")[0].upper() == code]
    return tuple(own + [loc for loc in found if loc not in own])


# -- IPv4 networks ---------------------------------------------------------------


def _all_networks() -> dict[str, tuple[tuple[int, int], ...]]:
    """Every public IPv4 network of geoip2fast's country file, by country code.

    Half a million networks: read when a country's sample is first made and
    let go after it (:func:`networks` keeps only its samples).
    """
    import geoip2fast

    path = Path(geoip2fast.__file__).with_name("geoip2fast.dat.gz")
    with gzip.open(path, "rb") as data:
        version, _info, _total, database = pickle.load(data)  # the package's own file
    if version != _GEOIP_VERSION:
        raise SourceError(f"geoip2fast data format {version} is not {_GEOIP_VERSION}")
    _index, names, first_ips, country_ids, lengths = database
    codes = [n.split(":", 1)[0] for n in names]
    out: dict[str, list[tuple[int, int]]] = {}
    for firsts, ids, bits in zip(first_ips, country_ids, lengths, strict=True):
        for first, country, length in zip(firsts, ids, bits, strict=True):
            if country < 16 or first >= 1 << 32:  # private and reserved ranges, IPv6
                continue
            out.setdefault(codes[country], []).append((first, 1 << (32 - length)))
    return {code: tuple(nets) for code, nets in out.items()}


def _registered_in(code: str, nets: list[tuple[int, int]]) -> list[bool]:
    """Whether the registry (RIR data, via iptocc) also puts each network's ends and middle in ``code``."""
    import iptocc

    probes = [
        _dotted(first + offset) for first, size in nets for offset in (0, size // 2, size - 1)
    ]
    found = iptocc.country_code(probes)
    return [all(c == code for c in found[3 * n : 3 * n + 3]) for n in range(len(nets))]


def _dotted(value: int) -> str:
    return f"{value >> 24}.{value >> 16 & 255}.{value >> 8 & 255}.{value & 255}"


_SAMPLES: dict[tuple[str, int], tuple[tuple[int, int], ...]] = {}


def networks(code: str, count: int = NETWORKS_PER_COUNTRY) -> tuple[tuple[int, int], ...]:
    """Up to ``count`` of a country's networks (see :func:`_sample`), made once per process."""
    return networks_of((code,), count)[code]


def networks_of(
    codes: Iterable[str], count: int = NETWORKS_PER_COUNTRY
) -> dict[str, tuple[tuple[int, int], ...]]:
    """:func:`networks` for several countries, reading the data file at most once."""
    codes = tuple(codes)
    wanted = [c for c in dict.fromkeys(codes) if (c, count) not in _SAMPLES]
    if wanted:
        every = _all_networks()
        for code in wanted:
            _SAMPLES[code, count] = _sample(code, every.get(code, ()), count)
    return {c: _SAMPLES[c, count] for c in codes}


def _sample(
    code: str, every: tuple[tuple[int, int], ...], count: int
) -> tuple[tuple[int, int], ...]:
    """Up to ``count`` of a country's networks, drawn by size, in address order.

    Only networks that the Internet registries (iptocc's RIR data) assign to
    the same country as geoip2fast's geolocation: a block registered in one
    country and used in another would show up in the wrong place on some
    dashboards (GeoLite2 and the registries disagree on 2% to 18% of a
    country's addresses).
    """
    if not every:
        raise SourceError(f"no IPv4 networks for country {code!r} in geoip2fast")
    rng = random.Random(f"nitrox-networks/{code}")
    cumulative, total = [], 0
    for _, size in every:
        total += size
        cumulative.append(total)
    drawn = sorted(
        {bisect.bisect_right(cumulative, rng.randrange(total)) for _ in range(count * 8)}
    )
    candidates = [every[i] for i in drawn]
    kept = [net for net, ok in zip(candidates, _registered_in(code, candidates), strict=True) if ok]
    if not kept:
        raise SourceError(
            f"no IPv4 network of country {code!r} that geoip2fast and iptocc agree on"
        )
    if len(kept) > count:
        kept = sorted(rng.sample(kept, count))
    return tuple(kept)


# -- phones ----------------------------------------------------------------------


def _zones(country_code: int, national: str) -> str:
    import phonenumbers
    from phonenumbers import timezone

    number = phonenumbers.PhoneNumber(country_code=country_code, national_number=int(national))
    return next((z for z in timezone.time_zones_for_number(number) if "/" in z), "")


def _prefixes(
    national: str,
    length: int,
    free: int,
    calling: int,
    rng: random.Random,
    valid: Callable[[str], bool],
    leads: str = DIGITS,
) -> dict[str, str]:
    """Up to :data:`PHONE_PREFIXES` prefixes (and their time zone) that ``free`` digits
    complete, the first of them one of ``leads``."""
    prefixes: dict[str, str] = {}
    keep = length - free
    room = len(leads) * 10 ** (free - 1)

    def suffix() -> str:
        return rng.choice(leads) + "".join(rng.choice(DIGITS) for _ in range(free - 1))

    def candidates() -> Iterator[str]:
        if keep <= 3:  # few enough to try each once, in a shuffled order
            every = [str(n) for n in range(10 ** (keep - 1), 10**keep)]
            rng.shuffle(every)
            yield from every
            return
        for tries in range(24_000):  # what is found by then (a second or so)
            lead = national[: 1 + tries % 3] if tries % 2 else str(rng.randrange(1, 10))
            digits = lead + "".join(rng.choice(DIGITS) for _ in range(keep))
            yield digits[:keep]

    for tries, prefix in enumerate(candidates()):
        if len(prefixes) >= PHONE_PREFIXES or len(prefixes) * room >= PHONE_ROOM:
            break
        if tries == 4000 and not prefixes:
            break  # none this long: fewer free digits will find them
        if prefix in prefixes:
            continue
        digits = prefix + suffix()
        if not valid(digits):
            continue
        suffixes = [leads[0] + "0" * (free - 1), leads[-1] + "9" * (free - 1), digits[keep:]]
        suffixes += [suffix() for _ in range(free)]
        if not all(valid(prefix + s) for s in suffixes):
            continue
        zones = {_zones(calling, prefix + s) for s in suffixes[:4]}  # the ends, two inside
        if len(zones) == 1:  # every number after the prefix is in one time zone
            prefixes[prefix] = next(iter(zones))
    return prefixes


@functools.cache
def phone_plan(code: str) -> PhonePlan:
    """Prefixes after which any few digits (up to seven where numbers are long) make a valid
    mobile number of ``code``: up to about four billion numbers of a country."""
    import phonenumbers
    from phonenumbers import PhoneNumberType

    example = phonenumbers.example_number_for_type(code, PhoneNumberType.MOBILE)
    if example is None:
        raise SourceError(f"phonenumbers knows no mobile numbers of country {code!r}")
    national = str(example.national_number)
    calling = int(example.country_code or 0)
    length = len(national)
    mobile = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
    rng = random.Random(f"nitrox-phones/{code}")

    def valid(digits: str) -> bool:
        number = phonenumbers.PhoneNumber(
            country_code=example.country_code, national_number=int(digits)
        )
        return (
            phonenumbers.is_valid_number_for_region(number, code)
            and phonenumbers.number_type(number) in mobile
        )

    prefixes: dict[str, str] = {}
    # As many free digits as the plan allows: seven where numbers are long and mobile ranges
    # wide (India), fewer where they are narrow (Montserrat); a first free digit of 2-9 where
    # the plan wants one (the exchange of a North American number). Runs drawn apart share
    # a number about once in (capacity / its visitors squared): room counts.
    leads = DIGITS
    for free in range(min(MAX_FREE_DIGITS, length - 2), 2, -1):
        for leads in LEADS:
            prefixes = _prefixes(national, length, free, calling, rng, valid, leads)
            if prefixes:
                break
        if prefixes:
            break
    if not prefixes:
        raise SourceError(f"found no valid mobile numbers of country {code!r}")
    ordered = sorted(prefixes)
    return PhonePlan(
        str(example.country_code),
        tuple(ordered),
        len(national) - len(ordered[0]),
        tuple(prefixes[p] for p in ordered),
        leads,
    )


# -- devices -----------------------------------------------------------------------

# Browsers that ship a major version about every four weeks, and those that ship one a year.
_MONTHLY = ("Chrome", "Edge", "Firefox", "Opera", "Amazon Silk", "Yandex Browser")
_YEARLY = ("Safari", "Mobile Safari")
_THREE_YEARS = {"monthly": 39, "yearly": 3}


def _major(version: object) -> int | None:
    head = str(version).split(".", 1)[0]
    return int(head) if head.isdigit() else None


def _cadence(browser: str) -> str | None:
    if browser.startswith(_YEARLY):
        return "yearly"
    if browser.startswith(_MONTHLY):
        return "monthly"
    return None


@functools.cache
def devices() -> tuple[Device, ...]:
    """fake-useragent's user agents with their shares, current browsers only."""
    table = importlib.resources.files("fake_useragent").joinpath("data/browsers.jsonl")
    rows = [json.loads(line) for line in table.read_text(encoding="utf-8").splitlines() if line]
    newest: dict[str, int] = {}
    for row in rows:
        major = _major(row.get("browser_version"))
        if major is not None:
            newest[row["browser"]] = max(newest.get(row["browser"], 0), major)
    shares: dict[str, Device] = {}
    for row in rows:
        browser, major = row["browser"], _major(row.get("browser_version"))
        cadence = _cadence(browser)
        if cadence and (major is None or major < newest[browser] - _THREE_YEARS[cadence]):
            continue  # a browser more than about three years behind the table's newest
        agent = row["useragent"]
        seen = shares.get(agent)
        share = float(row["percent"]) + (seen.share if seen else 0.0)
        shares[agent] = Device(agent, share, row["type"], browser, row["os"])
    return tuple(shares[a] for a in sorted(shares))


def natural_mobile_share(table: Iterable[Device]) -> float:
    """The share of visits from phones and tablets in ``table``."""
    items = list(table)
    total = sum(d.share for d in items) or 1.0
    return sum(d.share for d in items if d.kind in MOBILE_KINDS) / total


# -- names -----------------------------------------------------------------------


def _entries(value: Any) -> list[Any]:
    return list(value.keys()) if isinstance(value, Mapping) else list(value or ())


def _person(locale: str) -> Any:
    from faker import Faker

    return next(p for p in Faker(locale).providers if ".person." in type(p).__module__)


_GENERATION = re.compile(r"[ivx]+|jr|sr")


def _latin(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """(latin, native) for each name, the first native spelling of each Latin form kept."""
    out: dict[str, str] = {}
    for latin, native in pairs:
        if latin and latin not in out:
            out[latin] = native
    return list(out.items())


@functools.cache
def _locale_names(
    locale: str,
) -> tuple[tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]], ...]:
    """Per gender (female, male): (latin, native) first names and family names."""
    person = _person(locale)
    if hasattr(person, "first_name_female_pairs"):  # ja_JP: Faker's own readings

        def read(pairs: Any) -> list[tuple[str, str]]:
            return _latin((address_part(p[2]), p[0]) for p in _entries(pairs))

        lasts = read(person.last_name_pairs)
        female, male = read(person.first_name_female_pairs), read(person.first_name_male_pairs)
        return ((tuple(female), tuple(lasts)), (tuple(male), tuple(lasts)))

    titles = {
        t.strip(".").lower()
        for attr in (
            "prefixes",
            "prefixes_female",
            "prefixes_male",
            "suffixes",
            "suffixes_female",
            "suffixes_male",
        )
        for t in _entries(getattr(person, attr, None))
    }

    def plain(name: str) -> bool:
        """No title or generation in it: "Koch II", "Dr. Müller" and "Smith Jr." stay out."""
        words = [w.strip(".,").lower() for w in str(name).split()]
        return bool(words) and not any(w in titles or _GENERATION.fullmatch(w) for w in words)

    def names(*attrs: str) -> list[tuple[str, str]]:
        for attr in attrs:
            found = [n for n in _entries(getattr(person, attr, None)) if plain(n)]
            if found:
                return _latin((address_part(n), n) for n in found)
        return []

    female = names("first_names_female", "first_names")
    male = names("first_names_male", "first_names")
    last_f = names("last_names_female", "last_names")
    last_m = names("last_names_male", "last_names")
    return ((tuple(female), tuple(last_f)), (tuple(male), tuple(last_m)))


def _style(locale: str) -> tuple[bool, bool]:
    """(family name first, no space between) as most of the locale's name formats have it."""
    formats = getattr(_person(locale), "formats", ())
    weighted = (
        list(formats.items()) if isinstance(formats, Mapping) else [(f, 1.0) for f in formats]
    )
    total = sum(w for _, w in weighted) or 1.0
    last = [(f, w) for f, w in weighted if f.lstrip().startswith("{{last_name")]
    family_first = sum(w for _, w in last) / total > 0.6
    joined = family_first and all("}}{{" in f for f, _ in last)
    return family_first, joined


def _domains(locales: Iterable[str]) -> tuple[str, ...]:
    from faker import Faker

    out: dict[str, None] = {}
    for locale in locales:
        provider = next(p for p in Faker(locale).providers if ".internet." in type(p).__module__)
        for domain in getattr(provider, "free_email_domains", ()):
            out.setdefault(domain, None)
    for domain in GLOBAL_DOMAINS:
        out.setdefault(domain, None)
    return tuple(out)


def accept_language(locale: str) -> str:
    """The Accept-Language a browser set to ``locale`` sends (``hi-IN,hi;q=0.9,en;q=0.8``)."""
    language, _, region = locale.partition("_")
    parts = [f"{language}-{region}" if region else language]
    if region:
        parts.append(f"{language};q=0.9")
    if language != "en":
        parts.append("en;q=0.8")
    return ",".join(parts)


def name_books(locales: tuple[str, ...]) -> tuple[tuple[NameBook, ...], dict[str, int]]:
    """Locales grouped into name books, and each locale's book.

    A locale joins the first book with which it shares more than
    :data:`SHARED_NAMES` of its Latin first names, and of the book's (en_GB and
    en_AU, not en_GB and de_DE); first names already in an earlier book are
    left out of later ones, so that books never share one and no two visitors
    of a run can get the same address.
    """
    groups: list[list[str]] = []
    for locale in locales:
        mine = {n for gender in _locale_names(locale) for n, _ in gender[0]}
        for group in groups:
            theirs = {n for member in group for g in _locale_names(member) for n, _ in g[0]}
            shared = len(mine & theirs)
            if mine and shared > SHARED_NAMES * max(len(mine), len(theirs)):
                group.append(locale)
                break
        else:
            groups.append([locale])
    books: list[NameBook] = []
    taken: set[str] = set()
    where: dict[str, int] = {}
    for number, group in enumerate(groups):
        genders = []
        native: dict[str, dict[str, str]] = {locale: {} for locale in group}
        in_book: set[str] = set()  # a unisex name belongs to one gender: addresses stay unique
        for g in range(2):
            firsts: dict[str, None] = {}
            lasts: dict[str, None] = {}
            for locale in group:
                own_firsts, own_lasts = _locale_names(locale)[g]
                for latin, spelling in own_firsts:
                    if latin not in taken and latin not in in_book:
                        in_book.add(latin)
                        firsts.setdefault(latin, None)
                        native[locale].setdefault(latin, spelling)
                for latin, spelling in own_lasts:
                    lasts.setdefault(latin, None)
                    native[locale].setdefault(latin, spelling)
            genders.append(Gendered(tuple(firsts), tuple(lasts)))
        if not all(g.firsts and g.lasts for g in genders):
            # every first name of one gender was in an earlier book: share the other's
            whole = next((g for g in genders if g.firsts and g.lasts), None)
            if whole is None:
                raise SourceError(f"no names left for {', '.join(group)} after earlier locales")
            genders = [whole, whole]
        taken.update(n for gender in genders for n in gender.firsts)
        books.append(NameBook(tuple(group), tuple(genders), native, initials=number == 0))
        where.update(dict.fromkeys(group, number))
    return tuple(books), where


# -- the whole population --------------------------------------------------------


@functools.cache
def population(
    countries: tuple[tuple[str, float], ...],
    locales: tuple[str, ...],
    mobile_share: float | None = None,
) -> Population:
    """The tables for a country mix, the scenario's locales and a share of mobile visits.

    A country's visitors carry names of the scenario's locales of that
    country, or of Faker's own locale for it when the scenario lists none.
    Raises :class:`SourceError` for a country a data set does not cover.
    """
    built: list[Country] = []
    used: list[str] = []
    nets = networks_of(code for code, _ in countries)
    for code, weight in countries:
        own = (
            tuple(loc for loc in locales if locale_country(loc) == code)
            or country_locales(code)[:1]
        )
        if not own:
            raise SourceError(f"Faker has no locale for country {code!r}: add one to locales")
        plan = phone_plan(code)
        offset = _utc_offset(collections.Counter(plan.zones).most_common(1)[0][0])
        built.append(Country(code, weight, own, nets[code], plan, _domains(own), offset))
        used += [loc for loc in own if loc not in used]
    books, where = name_books(tuple(used))
    styles = {}
    for locale in used:
        family_first, joined = _style(locale)
        styles[locale] = LocaleStyle(family_first, joined, accept_language(locale), where[locale])
    table = devices()
    share = natural_mobile_share(table) if mobile_share is None else mobile_share
    return Population(tuple(built), table, books, styles, share, sources_line())


# One fixed moment, so that the same seed gives the same arrivals in any season.
_OFFSET_AT = datetime.datetime(2026, 1, 15, 12, tzinfo=datetime.UTC)


def _utc_offset(zone: str) -> float:
    """Hours ahead of UTC of ``zone`` (``Asia/Calcutta`` → 5.5); 0 when unknown."""
    try:
        shift = _OFFSET_AT.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return 0.0
    return shift.total_seconds() / 3600 if shift is not None else 0.0


def default_countries(locales: Iterable[str]) -> tuple[tuple[str, float], ...]:
    """The country mix a scenario implies by its locales: each locale's country, one share each."""
    mix: dict[str, float] = {}
    for locale in locales:
        code = locale_country(locale)
        if code is not None:
            mix[code] = mix.get(code, 0.0) + 1.0
    return tuple(mix.items()) or (("US", 1.0),)
