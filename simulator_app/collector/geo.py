"""Where tracking requests come from: the client-IP header, geolocated offline.

The generator gives each visitor a public address of its country and sends it
in a client-IP header (``X-Forwarded-For`` unless the scenario says
otherwise). :class:`Geography` reads the same header, takes the first public
address in it (a proxy chain lists the client first), and looks its country up
in the same data the generator drew it from: geoip2fast's country file, read
by the generator's own loader in :mod:`simulator_app.core.sources` (IPv4
only, as the generator's addresses are), once per process.

Per request the work is one header scan and one dictionary lookup: a header
value's country is worked out once and cached (up to :data:`MAX_ADDRESSES`
values, the memory they take bounded; past that, values are looked up again
each time, about a microsecond with the table's bisect). Visitors are counted
by the country of the request that made them known to the checker, requests
by their own. Requests without the header, or without a public address in
it, count under :data:`UNKNOWN`.
"""

from __future__ import annotations

import functools
import ipaddress
from array import array
from bisect import bisect_right
from typing import Any

from simulator_app.core import sources

DEFAULT_HEADER = "X-Forwarded-For"
UNKNOWN = "unknown"  # no header, no public address in it, or an address of no country
MAX_ADDRESSES = 100_000  # header values remembered with their country (about 15 MB at most)
MAX_VALUE = 200  # longer header values are cut there before reading addresses


class CountryTable:
    """Every IPv4 network of the data set, sorted, for a bisect by address."""

    __slots__ = ("codes", "ends", "firsts", "index")

    def __init__(self, by_country: dict[str, tuple[tuple[int, int], ...]]) -> None:
        rows = sorted(
            (first, first + size, code) for code, nets in by_country.items() for first, size in nets
        )
        self.codes = tuple(sorted(by_country))
        number = {code: i for i, code in enumerate(self.codes)}
        self.firsts = array("Q", (r[0] for r in rows))
        self.ends = array("Q", (r[1] for r in rows))
        self.index = array("H", (number[r[2]] for r in rows))

    def __len__(self) -> int:
        return len(self.firsts)

    def country(self, address: int) -> str | None:
        """The country code of an IPv4 address (as an integer), or None outside every network."""
        at = bisect_right(self.firsts, address) - 1
        if at < 0 or address >= self.ends[at]:
            return None
        return self.codes[self.index[at]]


@functools.cache
def country_table() -> CountryTable:
    """The table, made once per process from the generator's own loader."""
    return CountryTable(sources._all_networks())  # the generator's loader, not a second one


def client_address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The first public address in a client-IP header's value, or None.

    ``X-Forwarded-For: client, proxy1, proxy2``: private, loopback and other
    non-global entries (a load balancer's own) are skipped; ``unknown``,
    obfuscated identifiers and ports are not addresses and are skipped too.
    """
    for part in value[:MAX_VALUE].split(","):
        text = part.strip()
        if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
            text = text[1 : text.index("]")]
        elif text.count(":") == 1:  # 203.0.113.7:8080
            text = text.partition(":")[0]
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            continue
        if address.is_global:
            return address
    return None


class Geography:
    """Visitors and requests by country, from the client-IP header ``header`` (None: off).

    ``table`` is the country lookup (by default the shared one, loaded on
    first need; :meth:`load` loads it ahead, e.g. at the collector's start).
    Not thread-safe: the collector calls it from its one event loop.
    """

    def __init__(
        self, header: str | None = DEFAULT_HEADER, table: CountryTable | None = None
    ) -> None:
        self._table = table
        self._countries: dict[bytes, str] = {}  # header value -> country
        self.header = header
        self.reset()

    @property
    def header(self) -> str | None:
        """The client-IP header's name, or None when it is off."""
        return self._header

    @header.setter
    def header(self, name: str | None) -> None:
        # the app may switch scenarios while its collector runs; counts so far stay
        self._header = name
        self._key = name.lower().encode("latin-1") if name else None

    def load(self) -> None:
        """Load the country table now, if the header is on (it takes about a second)."""
        if self._key is not None and self._table is None:
            self._table = country_table()

    def reset(self) -> None:
        self.requests = 0
        self.with_header = 0
        self.requests_by: dict[str, int] = {}
        self.visitors_by: dict[str, int] = {}
        self._addresses: set[str] = set()
        self._full = False  # more addresses than remembered: the distinct count is a floor

    @property
    def key(self) -> bytes | None:
        """The header's name as ASGI gives it (lower-case bytes), or None when off."""
        return self._key

    def note(self, headers: list[tuple[bytes, bytes]], new_visitor: bool) -> None:
        """Count one tracking request with ``headers``; ``new_visitor``: it made one known."""
        key = self._key
        value = None
        if key is not None:
            for name, given in headers:
                if name == key:
                    value = given
                    break
        self.note_value(value, new_visitor)

    def note_value(self, value: bytes | None, new_visitor: bool) -> None:
        """:meth:`note` for a caller that found the header's first value (None: absent) itself."""
        self.requests += 1
        code = UNKNOWN
        if value is not None and self._key is not None:
            self.with_header += 1
            found = self._countries.get(value)
            code = self._resolve(value) if found is None else found
        by = self.requests_by
        by[code] = by.get(code, 0) + 1
        if new_visitor:
            by = self.visitors_by
            by[code] = by.get(code, 0) + 1

    def _resolve(self, value: bytes) -> str:
        address = client_address(value.decode("latin-1"))
        code = UNKNOWN
        if address is not None:
            text = str(address)
            if len(self._addresses) < MAX_ADDRESSES:
                self._addresses.add(text)
            elif text not in self._addresses:
                self._full = True
            if address.version == 4:
                if self._table is None:
                    self._table = country_table()
                code = self._table.country(int(address)) or UNKNOWN
        if len(self._countries) < MAX_ADDRESSES:
            self._countries[bytes(value)] = code
        return code

    def summary(self) -> dict[str, Any]:
        """The ``countries`` object of ``GET /_collector/all`` (and ``/_collector/countries``)."""
        visitors = sum(self.visitors_by.values())
        codes = sorted(
            set(self.requests_by) | set(self.visitors_by),
            key=lambda c: (c == UNKNOWN, -self.visitors_by.get(c, 0), -self.requests_by[c], c),
        )
        return {
            "header": self.header,
            "requests": self.requests,
            "with_header": self.with_header,
            "header_share": round(self.with_header / self.requests, 4) if self.requests else None,
            "addresses": len(self._addresses),
            "addresses_at_least": self._full,
            "addresses_per_visitor": round(len(self._addresses) / visitors, 4)
            if visitors
            else None,
            "visitors": visitors,
            "by_country": {
                c: {"visitors": self.visitors_by.get(c, 0), "requests": self.requests_by.get(c, 0)}
                for c in codes
            },
        }
