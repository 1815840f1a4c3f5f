"""Visitors: who they are, where from, on what device, and their contact details.

Everything about visitor ``index`` follows from the run's key (scenario name
and seed) and the index alone, so any runner (the CLI, the desktop app, a
Locust worker) asked for the same visitor gets the same one, in any order:

- drawn from the visitor's own generator, in a fixed order: its country (by
  the scenario's mix), locale, browser IDs, device (by market share) and a
  public address of its country;
- made from the index through keyed permutations (:mod:`.permute`), so that
  no two visitors of a run can share one: its phone (a valid mobile number of
  its country, with the prefix's time zone) and its e-mail's local part
  (``first.last``, ``first_last``, ``flast``, with three or four digits, made
  from the visitor's own name in Latin letters; names books never share a
  first name). The domain is one of its country's free-mail domains.

Contact details are made when first asked for: most visitors never identify.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simulator_app.core.contract import NULL_NITROX_ID, ROAMING_PREFIX, VisitorIds
from simulator_app.core.model import IdSettings
from simulator_app.core.permute import Permutation, key_of
from simulator_app.core.world import MOBILE_KINDS, Country, Device, NameBook, Population

_RANDBELOW: Callable[[random.Random, int], int] | None = getattr(random.Random, "_randbelow", None)


def randbelow(rng: random.Random, n: int) -> int:
    """``rng.randrange(n)``, drawing the same number, at half the cost.

    ``randrange(n)`` checks its arguments in Python and then calls
    ``_randbelow(n)``; the engine calls it several times per request, so it
    goes straight there when this Python has it.
    """
    if n <= 0 or _RANDBELOW is None:
        return rng.randrange(n)
    return _RANDBELOW(rng, n)


# The bits uuid.UUID(int=n, version=4) sets and clears: variant RFC 4122, version 4.
_UUID4_CLEAR = ~((0xC000 << 48) | (0xF000 << 64)) & (2**128 - 1)
_UUID4_SET = (0x8000 << 48) | (4 << 76)
_UUID4_CLEAR3 = _UUID4_CLEAR | _UUID4_CLEAR << 128 | _UUID4_CLEAR << 256
_UUID4_SET3 = _UUID4_SET | _UUID4_SET << 128 | _UUID4_SET << 256


def _three_uuids(rng: random.Random) -> tuple[str, str, str]:
    """Three ``str(uuid.UUID(int=rng.getrandbits(128), version=4))`` in a row, from one draw."""
    h = f"{rng.getrandbits(384) & _UUID4_CLEAR3 | _UUID4_SET3:096x}"
    return (
        f"{h[64:72]}-{h[72:76]}-{h[76:80]}-{h[80:84]}-{h[84:96]}",
        f"{h[32:40]}-{h[40:44]}-{h[44:48]}-{h[48:52]}-{h[52:64]}",
        f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}",
    )


def _address(value: int) -> str:
    return f"{value >> 24}.{value >> 16 & 255}.{value >> 8 & 255}.{value & 255}"


class _Picker:
    """Draws an item by weight with one random number and a bisection."""

    __slots__ = ("items", "total", "upto")

    def __init__(self, items: list[Any], weights: list[float]) -> None:
        self.items = items
        self.upto = list(itertools.accumulate(weights))
        self.total = self.upto[-1] if self.upto else 0.0

    def pick(self, rng: random.Random) -> Any:
        if len(self.items) == 1:
            return self.items[0]
        at = bisect.bisect_right(self.upto, rng.random() * self.total)
        return self.items[min(at, len(self.items) - 1)]


class _Networks:
    """A country's addresses: a network by size, then an address in it."""

    __slots__ = ("networks", "total", "upto")

    def __init__(self, country: Country) -> None:
        self.networks = country.networks
        self.upto = list(itertools.accumulate(size for _, size in country.networks))
        self.total = self.upto[-1]

    def draw(self, rng: random.Random) -> str:
        at = randbelow(rng, self.total)
        n = bisect.bisect_right(self.upto, at)
        first, size = self.networks[n]
        offset = at - (self.upto[n] - size)
        value = first + offset
        if size > 2 and value & 255 in (0, 255):  # no address that ends like a network's own
            value = first + (offset + 1) % size if value & 255 == 0 else value - 1
        return _address(value)


@dataclass(slots=True)
class Visitor:
    """One simulated shopper: its IDs, place and device now, its contact details when asked."""

    index: int
    country: str
    locale: str
    ids: VisitorIds
    device: Device
    ip: str
    headers: tuple[tuple[str, str], ...]  # what its browser adds to every request
    _people: People = field(repr=False, compare=False)
    _contact: tuple[str, str, str] | None = field(default=None, repr=False, compare=False)

    @property
    def user_agent(self) -> str:
        return self.device.user_agent

    def _details(self) -> tuple[str, str, str]:
        if self._contact is None:
            self._contact = self._people.contact(self)
        return self._contact

    @property
    def name(self) -> str:
        return self._details()[0]

    @property
    def email(self) -> str:
        return self._details()[1]

    @property
    def phone(self) -> str:
        return self._details()[2]

    @property
    def timezone(self) -> str:
        """The time zone of the visitor's phone number."""
        return self._people.timezone(self)

    def payload(self, source: str | None = None) -> dict[str, Any]:
        """Identify's payload: email, phone and name (and ``source`` when given)."""
        name, email, phone = self._details()
        out: dict[str, Any] = {"email": email, "phone": phone, "name": name}
        if source is not None:
            out["source"] = source
        return out


# E-mail patterns by the index's residue modulo 20: (pattern, numbers). The numbers
# 9000 (1000..9999, a year or a PIN-like number, as the big free-mail services hand out
# once the plain name is taken) or 900 (100..999); "flast" only in the first book.
# Every address carries a number: a name alone, or with two digits, is a small space,
# and runs drawn apart would meet in it (see bench/identity_merges.py for the odds).
_PATTERNS: tuple[tuple[str, int], ...] = (
    *[("f.l", 9000)] * 9,
    *[("f_l", 9000)] * 5,
    *[("fl", 9000)] * 4,
    ("f.l", 900),
    ("f_l", 900),
)
_WITHOUT_INITIALS = {"fl": "f.l"}  # books that may not use "flast" use first.last instead
_ROOM = 10_000_000  # visitors a run may have (schema's maximum): the overflow's room
_STARTS = {9000: 1000, 900: 100, 90: 10}  # the numbers' ranges never overlap


class _Book:
    """A name book's address spaces: one keyed permutation per pattern."""

    def __init__(self, book: NameBook, key: int) -> None:
        self.book = book
        self.pairs = [len(g.firsts) * len(g.lasts) for g in book.genders]
        # "flast": (initial, family name) pairs, each once whatever the gender
        self.flasts: list[tuple[int, str, str]] = []
        seen: set[tuple[str, str]] = set()
        self.by_initial: list[dict[str, list[str]]] = []
        for gender, names in enumerate(book.genders):
            initials = sorted({f[0] for f in names.firsts})
            self.by_initial.append({i: [f for f in names.firsts if f[0] == i] for i in initials})
            for last in names.lasts:
                for initial in initials:
                    if (initial, last) not in seen:
                        seen.add((initial, last))
                        self.flasts.append((gender, initial, last))
        self.spaces: dict[tuple[str, int], Permutation] = {}
        self.key = key
        counts: dict[tuple[str, int], int] = {}
        self.patterns = []
        for pattern, numbers in _PATTERNS:
            if not book.initials:
                pattern = _WITHOUT_INITIALS.get(pattern, pattern)
            kind = (pattern, numbers)
            self.patterns.append((kind, counts.get(kind, 0)))
            counts[kind] = counts.get(kind, 0) + 1
        self.shares = counts  # residues of 20 that each kind gets

    def _space(self, kind: tuple[str, int]) -> Permutation:
        found = self.spaces.get(kind)
        if found is None:
            pattern, numbers = kind
            size = (len(self.flasts) if pattern == "fl" else sum(self.pairs)) * max(numbers, 1)
            found = self.spaces[kind] = Permutation(key_of(self.key, *kind), max(size, 1))
        return found

    def local_part(self, index: int, rng: random.Random) -> tuple[int, str, str, str]:
        """(gender, first, last, the address's local part) of visitor ``index``."""
        kind, rank = self.patterns[index % 20]
        pattern, numbers = kind
        slot = index // 20 * self.shares[kind] + rank
        space = self._space(kind)
        if slot >= space.size:  # more visitors of this book than the pattern has room for:
            # first.last and two digits, by index
            numbers = 90
            kind, pattern = ("f.l", numbers), "f.l"
            space = self._space(kind)
            slot = index % space.size
        value = space(slot)
        number = ""
        if numbers:
            value, extra = divmod(value, numbers)
            number = str(_STARTS[numbers] + extra)
        if pattern == "fl":
            gender, initial, last = self.flasts[value]
            choices = self.by_initial[gender][initial]
            first = choices[randbelow(rng, len(choices))]
            return gender, first, last, f"{initial}{last}{number}"
        gender = 0
        while value >= self.pairs[gender]:
            value -= self.pairs[gender]
            gender += 1
        names = self.book.genders[gender]
        first, last = (
            names.firsts[value % len(names.firsts)],
            names.lasts[value // len(names.firsts)],
        )
        separator = "_" if pattern == "f_l" else "."
        return gender, first, last, f"{first}{separator}{last}{number}"


class People:
    """Makes :class:`Visitor` objects for one population, ID settings and run key."""

    def __init__(self, population: Population, ids: IdSettings, run_key: int) -> None:
        self.population = population
        self.ids = ids
        self.key = run_key
        self.countries = population.countries
        self._country = _Picker(
            list(population.countries), [c.weight for c in population.countries]
        )
        self._networks = {c.code: _Networks(c) for c in population.countries}
        self._phones = {
            c.code: Permutation(key_of(run_key, "phone", c.code), c.phone.capacity)
            for c in population.countries
        }
        share = population.mobile_share
        devices = list(population.devices)
        mobile = sum(d.share for d in devices if d.kind in MOBILE_KINDS) or 1.0
        desktop = sum(d.share for d in devices if d.kind not in MOBILE_KINDS) or 1.0
        weights = [
            d.share * (share / mobile if d.kind in MOBILE_KINDS else (1 - share) / desktop)
            for d in devices
        ]
        self._devices = _Picker(devices, weights)
        self._books = [
            _Book(b, key_of(run_key, "email", n)) for n, b in enumerate(population.books)
        ]
        self._headers: dict[str, tuple[tuple[str, str], ...]] = {}

    def country_picker(self, weights: list[float]) -> _Picker:
        """Draws a country by ``weights`` (one per country, as the population lists them)."""
        return _Picker(list(self.countries), weights)

    def visitor(
        self,
        index: int,
        rng: random.Random,
        ip_header: str | None,
        countries: _Picker | None = None,
    ) -> Visitor:
        """Visitor ``index``; ``rng`` is its own generator (see the journey engine).

        ``countries`` draws its country instead of the scenario's mix (the
        odds of the moment it arrives, for daily and weekly curves).
        """
        country: Country = (countries or self._country).pick(rng)
        locales = country.locales
        locale = locales[randbelow(rng, len(locales))] if len(locales) > 1 else locales[0]
        ids = self.ids
        # Every random ID is drawn whatever the settings, so that changing one
        # does not shift the rest of the visitor's stream.
        roaming_uuid, nitro_draw, nitrox_draw = _three_uuids(rng)
        nitrox = NULL_NITROX_ID
        if ids.nitrox_id == "random":
            nitrox = nitrox_draw
        elif ids.nitrox_id != NULL_NITROX_ID:
            nitrox = ids.nitrox_id
        device: Device = self._devices.pick(rng)
        ip = self._networks[country.code].draw(rng)
        language = self.population.styles[locale].accept_language
        headers: tuple[tuple[str, str], ...] = (
            ("User-Agent", device.user_agent),
            ("Accept-Language", language),
        )
        if ip_header is not None:
            headers += ((ip_header, ip),)
        return Visitor(
            index=index,
            country=country.code,
            locale=locale,
            ids=VisitorIds(
                org_id=ids.org_id,
                roaming_id=ROAMING_PREFIX + roaming_uuid
                if ids.roaming_id == "random"
                else ids.roaming_id,
                nitro_id=nitro_draw if ids.nitro_id == "random" else ids.nitro_id,
                nitrox_id=nitrox,
            ),
            device=device,
            ip=ip,
            headers=headers,
            _people=self,
        )

    def _phone_slot(self, visitor: Visitor) -> tuple[Country, int]:
        country = next(c for c in self.countries if c.code == visitor.country)
        permutation = self._phones[country.code]
        return country, permutation(visitor.index % permutation.size)

    def timezone(self, visitor: Visitor) -> str:
        country, slot = self._phone_slot(visitor)
        return country.phone.zones[slot % len(country.phone.prefixes)]

    def contact(self, visitor: Visitor) -> tuple[str, str, str]:
        """Name, unique e-mail and unique E.164 mobile number of ``visitor``."""
        country, slot = self._phone_slot(visitor)
        plan = country.phone
        phone = f"+{plan.code}{plan.number(slot)}"
        style = self.population.styles[visitor.locale]
        book = self._books[style.book]
        rng = random.Random(key_of(self.key, "contact", visitor.index))
        _, first, last, local = book.local_part(visitor.index, rng)
        domain = country.domains[randbelow(rng, len(country.domains))]
        return self._full_name(book.book, visitor.locale, first, last), f"{local}@{domain}", phone

    def _full_name(self, book: NameBook, locale: str, first: str, last: str) -> str:
        def spelled(latin: str) -> str:
            for member in (locale, *book.locales):
                native = book.native.get(member, {}).get(latin)
                if native:
                    return native
            return latin.title()

        style = self.population.styles[locale]
        given, family = spelled(first), spelled(last)
        if not style.family_first:
            return f"{given} {family}"
        return f"{family}{given}" if style.joined else f"{family} {given}"
