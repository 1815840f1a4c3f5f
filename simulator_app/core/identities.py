"""Visitors: reproducible Faker identities and per-visitor IDs.

Everything about visitor ``index`` is derived from ``(seed, index)`` alone, so
any runner (the CLI, the desktop app, a Locust worker) that is asked for the
same visitor gets the same one, in any order. The contact details are made
lazily because Faker's ``name()`` costs about 100 µs and most visitors never
identify.

E-mails and phones are unique within a run: each carries a number that is a
bijection of the visitor index (an affine permutation modulo a power of ten),
so no two visitors below 10**8 can collide, yet the numbers look random.
Phones are in E.164 form with a country code that matches the locale.

"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from faker import Faker

from simulator_app.core.contract import NULL_NITROX_ID, ROAMING_PREFIX, VisitorIds
from simulator_app.core.locales import DEPRECATED_LOCALES, LOCALES
from simulator_app.core.model import Identities, IdSettings

__all__ = ["DEPRECATED_LOCALES", "LOCALES"]  # where the app and tests have found them

UNIQUE_VISITORS = 10**8  # e-mails and phones are unique for visitor indexes below this

# country code, national leading digits to choose from, random digits after them
_PHONE_PLANS: dict[str, tuple[str, tuple[str, ...], int]] = {
    "IN": ("91", ("6", "7", "8", "9"), 9),
    "US": ("1", ("2", "3", "4", "5", "6", "7", "8", "9"), 9),
    "CA": ("1", ("2", "4", "5", "6", "7", "9"), 9),
    "GB": ("44", ("7",), 9),
    "IE": ("353", ("8",), 8),
    "AU": ("61", ("4",), 8),
    "NZ": ("64", ("2",), 8),
    "DE": ("49", ("15", "16", "17"), 8),
    "AT": ("43", ("6",), 9),
    "CH": ("41", ("7",), 8),
    "FR": ("33", ("6", "7"), 8),
    "ES": ("34", ("6",), 8),
    "IT": ("39", ("3",), 9),
    "PT": ("351", ("9",), 8),
    "NL": ("31", ("6",), 8),
    "PL": ("48", ("5", "6", "7"), 8),
    "SE": ("46", ("7",), 8),
    "RU": ("7", ("9",), 9),
    "UA": ("380", ("6", "9"), 8),
    "JP": ("81", ("70", "80", "90"), 8),
    "CN": ("86", ("13", "15", "18"), 9),
    "TW": ("886", ("9",), 8),
    "KR": ("82", ("10",), 8),
    "TH": ("66", ("8",), 8),
    "BR": ("55", ("119",), 8),
    "MX": ("52", ("55",), 8),
    "SA": ("966", ("5",), 8),
    "EG": ("20", ("1",), 9),
    "IL": ("972", ("5",), 8),
    "GR": ("30", ("69",), 8),
    "TR": ("90", ("5",), 9),
    "BD": ("880", ("1",), 9),
    "NP": ("977", ("98",), 8),
    "ET": ("251", ("9",), 8),
    "AE": ("971", ("5",), 8),
    "BH": ("973", ("3",), 8),
    "DZ": ("213", ("5", "6", "7"), 8),
    "JO": ("962", ("7",), 8),
    "PS": ("970", ("5",), 8),
    "AZ": ("994", ("5",), 8),
    "BG": ("359", ("8",), 8),
    "BA": ("387", ("6",), 8),
    "CZ": ("420", ("6", "7"), 8),
    "DK": ("45", ("2",), 8),
    "LI": ("423", ("7",), 8),
    "LU": ("352", ("6",), 8),
    "CY": ("357", ("9",), 8),
    "KE": ("254", ("7",), 8),
    "MS": ("1664", ("4",), 8),
    "NG": ("234", ("8",), 9),
    "PH": ("63", ("9",), 9),
    "PK": ("92", ("3",), 9),
    "AR": ("54", ("9",), 9),
    "CL": ("56", ("9",), 8),
    "CO": ("57", ("3",), 9),
    "VE": ("58", ("4",), 9),
    "EE": ("372", ("5",), 8),
    "IR": ("98", ("9",), 9),
    "FI": ("358", ("4",), 8),
    "BE": ("32", ("4",), 8),
    "HR": ("385", ("9",), 8),
    "HU": ("36", ("20", "30", "70"), 8),
    "AM": ("374", ("9",), 8),
    "ID": ("62", ("8",), 9),
    "IS": ("354", ("6", "7", "8"), 8),
    "GE": ("995", ("5",), 8),
    "LT": ("370", ("6",), 8),
    "LV": ("371", ("2",), 8),
    "MK": ("389", ("7",), 8),
    "MT": ("356", ("7", "9"), 8),
    "NO": ("47", ("4", "9"), 8),
    "RO": ("40", ("7",), 8),
    "LK": ("94", ("7",), 8),
    "SK": ("421", ("9",), 8),
    "SI": ("386", ("3", "4", "6"), 8),
    "AL": ("355", ("6",), 8),
    "GH": ("233", ("2", "5"), 8),
    "UZ": ("998", ("9",), 8),
    "VN": ("84", ("3", "9"), 8),
    "ZA": ("27", ("6", "7", "8"), 8),
}
# Faker locales whose region is not a country code of its own.
_REGION_COUNTRY = {"QC": "CA"}
_LANG_COUNTRY = {"ar": "SA", "hi": "IN", "ta": "IN", "bn": "BD", "ja": "JP", "zh": "CN"}
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def locale_country(locale: str) -> str:
    """The country whose phone plan a Faker locale uses (``en_IN`` → ``IN``)."""
    lang, _, country = locale.partition("_")
    region = _REGION_COUNTRY.get(country.upper(), country.upper())
    if region in _PHONE_PLANS:
        return region
    return _LANG_COUNTRY.get(lang, "US")


_RANDBELOW: Callable[[random.Random, int], int] | None = getattr(random.Random, "_randbelow", None)


def randbelow(rng: random.Random, n: int) -> int:
    """``rng.randrange(n)``, drawing the same number, at half the cost.

    ``randrange(n)`` checks its arguments in Python and then calls
    ``_randbelow(n)``; the engine calls it once or twice per request, so it
    goes straight there when this Python has it.
    """
    if n <= 0 or _RANDBELOW is None:
        return rng.randrange(n)
    return _RANDBELOW(rng, n)


def _permutation(modulus: int, seed_rng: random.Random) -> tuple[int, int]:
    """``(a, b)`` such that ``index * a + b`` is a bijection modulo ``modulus`` (a power of ten)."""
    a = seed_rng.randrange(10**6, modulus) | 1
    while a % 5 == 0:
        a += 2
    return a, seed_rng.randrange(modulus)


def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters and digits of ``text``, words joined by dots."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_WORD.sub(".", folded.lower()).strip(".")


# The bits uuid.UUID(int=n, version=4) sets and clears: variant RFC 4122, version 4.
_UUID4_CLEAR = ~((0xC000 << 48) | (0xF000 << 64)) & (2**128 - 1)
_UUID4_SET = (0x8000 << 48) | (4 << 76)
_UUID4_CLEAR3 = _UUID4_CLEAR | _UUID4_CLEAR << 128 | _UUID4_CLEAR << 256
_UUID4_SET3 = _UUID4_SET | _UUID4_SET << 128 | _UUID4_SET << 256


def _three_uuids(rng: random.Random) -> tuple[str, str, str]:
    """Three ``str(uuid.UUID(int=rng.getrandbits(128), version=4))`` in a row, from one draw.

    ``getrandbits(384)`` yields the same 32-bit words as three
    ``getrandbits(128)``, the first draw in the least significant bits; the
    masks set the version and variant bits as ``uuid.UUID`` does.
    """
    h = f"{rng.getrandbits(384) & _UUID4_CLEAR3 | _UUID4_SET3:096x}"
    return (
        f"{h[64:72]}-{h[72:76]}-{h[76:80]}-{h[80:84]}-{h[84:96]}",
        f"{h[32:40]}-{h[40:44]}-{h[44:48]}-{h[48:52]}-{h[52:64]}",
        f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}",
    )


@dataclass(slots=True)
class Visitor:
    """One simulated shopper: its IDs now, its contact details when first asked for."""

    index: int
    locale: str
    ids: VisitorIds
    user_agent: str
    _factory: IdentityFactory = field(repr=False, compare=False)
    _contact: tuple[str, str, str] | None = field(default=None, repr=False, compare=False)

    def _details(self) -> tuple[str, str, str]:
        if self._contact is None:
            self._contact = self._factory.contact(self.index, self.locale)
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

    def payload(self, source: str | None = None) -> dict[str, Any]:
        """Identify's payload: email, phone and name (and ``source`` when given)."""
        name, email, phone = self._details()
        out: dict[str, Any] = {"email": email, "phone": phone, "name": name}
        if source is not None:
            out["source"] = source
        return out


class IdentityFactory:
    """Makes :class:`Visitor` objects for one scenario's identities and ID settings."""

    def __init__(self, identities: Identities, ids: IdSettings) -> None:
        self.identities = identities
        self.ids = ids
        self._fakers: dict[str, Faker] = {}
        self._permutations: dict[tuple[str, int], tuple[int, int]] = {}
        pool = self._faker(identities.locales[0])
        pool.seed_instance(identities.seed)
        self._user_agents = tuple(pool.user_agent() for _ in range(64))

    def prepare(self) -> None:
        """Make every locale's Faker now (tens of ms each), not at a first identify mid-run."""
        for locale in self.identities.locales:
            self._faker(locale)

    def _faker(self, locale: str) -> Faker:
        fake = self._fakers.get(locale)
        if fake is None:
            fake = self._fakers[locale] = Faker(locale)
        return fake

    def _unique_number(self, index: int, purpose: str, digits: int) -> int:
        # The permutation depends on the seed and purpose only: draw it once
        # (seeding a generator from a string costs more than Faker's name()).
        key = (purpose, digits)
        modulus: int = 10**digits
        mix = self._permutations.get(key)
        if mix is None:
            rng = random.Random(f"nitrox-unique/{self.identities.seed}/{purpose}")
            mix = self._permutations[key] = _permutation(modulus, rng)
        a, b = mix
        return (index * a + b) % modulus

    def visitor(self, index: int, rng: random.Random) -> Visitor:
        """Visitor ``index``; ``rng`` is that visitor's own generator (see journey)."""
        locales = self.identities.locales
        locale = locales[randbelow(rng, len(locales))] if len(locales) > 1 else locales[0]
        ids = self.ids
        roaming = None if ids.roaming_id == "random" else ids.roaming_id
        nitro = None if ids.nitro_id == "random" else ids.nitro_id
        nitrox = NULL_NITROX_ID
        # Draw every random ID whatever the strategy, so that changing one
        # strategy does not shift the rest of the visitor's stream.
        roaming_uuid, nitro_draw, nitrox_draw = _three_uuids(rng)
        roaming_draw = ROAMING_PREFIX + roaming_uuid
        if ids.nitrox_id == "random":
            nitrox = nitrox_draw
        elif ids.nitrox_id != NULL_NITROX_ID:
            nitrox = ids.nitrox_id
        agent = self._user_agents[randbelow(rng, len(self._user_agents))]
        return Visitor(
            index=index,
            locale=locale,
            ids=VisitorIds(
                org_id=ids.org_id,
                roaming_id=roaming or roaming_draw,
                nitro_id=nitro or nitro_draw,
                nitrox_id=nitrox,
            ),
            user_agent=agent,
            _factory=self,
        )

    def contact(self, index: int, locale: str) -> tuple[str, str, str]:
        """Name, unique e-mail and unique E.164 phone of visitor ``index``."""
        fake = self._faker(locale)
        fake.seed_instance(f"{self.identities.seed}/{index}")
        name = fake.name()
        # Names in non-Latin scripts fold to nothing; Faker's user names are Latin.
        local = ascii_slug(name) or ascii_slug(fake.user_name()) or "visitor"
        tag = self._unique_number(index, "email", 8)
        email = f"{local}{tag:08d}@{fake.free_email_domain()}"
        code, leads, digits = _PHONE_PLANS[locale_country(locale)]
        lead = leads[index % len(leads)]
        number = self._unique_number(index, "phone", digits)
        phone = f"+{code}{lead}{number:0{digits}d}"
        return name, email, phone
