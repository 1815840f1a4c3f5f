"""Where visitors come from, as plain tables: countries, devices and the names people carry.

A :class:`Population` is everything the engine needs to make believable
visitors: per country, public IPv4 networks, a phone numbering plan and
e-mail domains; the browsers/devices in use with their market shares; and
name books, each a set of names in Latin letters (for e-mail addresses) with
their native spellings per locale. The tables come from maintained data sets
(:mod:`simulator_app.core.sources` builds them); here they are only data, so a
self-contained Locust bundle can carry them as JSON and send exactly what the
package sends.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

MOBILE_KINDS = ("mobile", "tablet")


@dataclass(frozen=True, slots=True)
class PhonePlan:
    """Mobile numbers of one country: ``+code prefix digits``, every such number valid.

    ``prefixes`` are national-number beginnings after which any ``free``
    digits (the first of them one of ``leads``) make a valid mobile number;
    ``zones`` is each prefix's time zone.
    """

    code: str
    prefixes: tuple[str, ...]
    free: int
    zones: tuple[str, ...]
    leads: str = "0123456789"  # what the first free digit may be (North America: 2-9)

    @property
    def capacity(self) -> int:
        return len(self.prefixes) * len(self.leads) * int(10 ** (self.free - 1))

    def number(self, slot: int) -> str:
        """The national number of ``slot`` (0 <= slot < capacity): distinct slots, distinct numbers."""
        prefix, rest = self.prefixes[slot % len(self.prefixes)], slot // len(self.prefixes)
        lead, tail = divmod(rest, int(10 ** (self.free - 1)))
        return f"{prefix}{self.leads[lead]}{tail:0{self.free - 1}d}"


@dataclass(frozen=True, slots=True)
class Country:
    """One country visitors come from."""

    code: str  # ISO 3166 alpha-2
    weight: float
    locales: tuple[str, ...]  # the Faker locales its visitors' names come from
    networks: tuple[tuple[int, int], ...]  # (first IPv4 address, how many addresses), public
    phone: PhonePlan
    domains: tuple[str, ...]  # free e-mail domains people of this country use
    utc_offset: float  # hours, of its most common time zone (for daily and weekly curves)


@dataclass(frozen=True, slots=True)
class Device:
    """A browser on an operating system and a kind of device, with its share of visits."""

    user_agent: str
    share: float
    kind: str  # desktop, mobile or tablet
    browser: str
    os: str


@dataclass(frozen=True, slots=True)
class Gendered:
    """First names of one gender and the family names that go with them."""

    firsts: tuple[str, ...]  # in Latin letters only, distinct
    lasts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NameBook:
    """Names in Latin letters for e-mail addresses, and how each locale writes them.

    Locales whose names overlap a lot share a book (en_US, en_GB, en_AU...), so
    that no two visitors of a run can end up with one address. ``native``
    maps a locale to the spelling of each Latin name in its own script (the
    Latin name itself when the locale has none).
    """

    locales: tuple[str, ...]
    genders: tuple[Gendered, ...]
    native: dict[str, dict[str, str]]
    initials: bool  # this book may use "flast" addresses (one book of a population does)


@dataclass(frozen=True, slots=True)
class LocaleStyle:
    """How a locale writes a full name and asks for pages."""

    family_first: bool  # 佐藤 明美, Kovács Anna
    joined: bool  # 王芳: no space between the names
    accept_language: str
    book: int  # index of its name book in the population


@dataclass(frozen=True, slots=True)
class Population:
    """Every table the engine draws visitors from; see the module docstring."""

    countries: tuple[Country, ...]
    devices: tuple[Device, ...]
    books: tuple[NameBook, ...]
    styles: dict[str, LocaleStyle]
    mobile_share: float  # of visits, between 0 and 1
    sources: str  # the data sets and their versions, for reports

    def to_json(self) -> dict[str, Any]:
        """Plain data (a Locust bundle carries it); :meth:`from_json` reads it back equal."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Population:
        def plan(d: dict[str, Any]) -> PhonePlan:
            return PhonePlan(
                d["code"],
                tuple(d["prefixes"]),
                d["free"],
                tuple(d["zones"]),
                d.get("leads", "0123456789"),
            )

        countries = tuple(
            Country(
                c["code"],
                c["weight"],
                tuple(c["locales"]),
                tuple((a, n) for a, n in c["networks"]),
                plan(c["phone"]),
                tuple(c["domains"]),
                c["utc_offset"],
            )
            for c in data["countries"]
        )
        devices = tuple(Device(**d) for d in data["devices"])
        books = tuple(
            NameBook(
                tuple(b["locales"]),
                tuple(Gendered(tuple(g["firsts"]), tuple(g["lasts"])) for g in b["genders"]),
                b["native"],
                b["initials"],
            )
            for b in data["books"]
        )
        styles = {k: LocaleStyle(**v) for k, v in data["styles"].items()}
        return cls(countries, devices, books, styles, data["mobile_share"], data["sources"])
