"""A recording made into a scenario: one journey per recorded visitor, the catalog it shows.

Each visitor's requests become its journey's steps, in order, each naming
the page, category or product it carried and, for cart changes, how many;
the think time after a step is the time measured to that visitor's next
request. The scenario's engine then builds the bodies again (the cart
arithmetic exists once, in :mod:`simulator_app.core.cart`), so an imported
scenario sends what the recording sent whenever the recording kept the
contract.

The recorded visitors' identities are never written: the scenario makes
fresh IDs for every visitor (``keep_identities`` writes the IDs of a
recording of one visitor; a scenario holds one set of fixed IDs for all).
Names, e-mails and phones of identify payloads are never written at all.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from simulator_app.core.contract import id_problem, is_uuid
from simulator_app.core.format import Range
from simulator_app.core.model import (
    MAX_DURATION,
    MAX_JOURNEYS,
    MAX_NAME,
    MAX_STEPS,
    RANDOM,
    IdSettings,
    Journey,
    Scenario,
    Schedule,
    Step,
    Store,
)
from simulator_app.core.recording.gaps import MAX_GAP, capped, is_capped
from simulator_app.core.recording.har_reader import RecordedRequest, Recording
from simulator_app.core.recording.shop_reader import (
    ShopFound,
    listed,
    product_id,
    quantity,
    store_base,
    text,
    tracker_settings,
)

DEFAULT_CONCURRENCY = 50
_NEEDS = {"checkout": "updatecart", "buy": "checkout"}  # as the scenario rules have it


@dataclass
class Imported:
    """The scenario made from a recording, and notes on what it could not keep as it was."""

    scenario: Scenario
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    products: int = 0
    categories: int = 0
    pages: int = 0


def journey_line(steps: tuple[Step, ...]) -> str:
    """``view -> productview x2 -> updatecart``: step types, runs of one type counted."""
    runs: list[list[Any]] = []
    for step in steps:
        if runs and runs[-1][0] == step.type:
            runs[-1][1] += 1
        else:
            runs.append([step.type, 1])
    return " -> ".join(kind if n == 1 else f"{kind} x{n}" for kind, n in runs)


def _think(seconds: float) -> Range:
    value = round(capped(seconds), 3)
    return Range(value, value)


class _Cart:
    """Quantities per product of one visitor's cart, to read a change from either form."""

    def __init__(self, full_cart: bool) -> None:
        self.full = full_cart
        self.lines: dict[int, int] = {}

    def _listed(self, body: dict[str, Any]) -> dict[int, int]:
        out: dict[int, int] = {}
        for line in listed(body, "line_items"):
            if isinstance(line, dict):
                pid, count = product_id(line.get("product_id")), quantity(line.get("quantity"))
                if pid is not None and count is not None:
                    out[pid] = out.get(pid, 0) + count
        return out

    def change(self, kind: str, pid: int, body: dict[str, Any]) -> int | None:
        """How many of ``pid`` the event added or removed (None: the body does not say)."""
        listed = self._listed(body)
        held = self.lines.get(pid, 0)
        if self.full:
            now = listed.get(pid, 0)
            changed = now - held if kind == "updatecart" else held - now
            self.lines = listed
            return changed if changed > 0 else None
        changed_or_none = listed.get(pid)
        if changed_or_none is None:
            return None
        if kind == "updatecart":
            self.lines[pid] = held + changed_or_none
        elif held - changed_or_none > 0:
            self.lines[pid] = held - changed_or_none
        else:
            self.lines.pop(pid, None)
        return changed_or_none

    def clear(self) -> None:
        self.lines.clear()


class _JourneyReader:
    """One visitor's requests read into steps (and the shop's catalog on the way)."""

    def __init__(self, shop: ShopFound, full_cart: bool, notes: list[str]) -> None:
        self.shop = shop
        self.full_cart = full_cart
        self.notes = notes

    def steps(self, requests: list[RecordedRequest]) -> list[tuple[Step, RecordedRequest]]:
        shop = self.shop
        category: str | None = None
        cart = _Cart(self.full_cart)
        out: list[tuple[Step, RecordedRequest]] = []
        for request in requests:
            shop.read(request, category)
            body = request.body or {}
            kind = request.kind
            step: Step | None
            if kind == "view":
                page = shop.page(body.get("page"))
                step = Step(type=kind, page=page) if page is not None else None
                if step is None:
                    self._left_out(request, "page is not a URL or a path")
            elif kind == "categoryview":
                category = text(body.get("category"))
                step = Step(type=kind, category=category) if category is not None else None
                if step is None:
                    self._left_out(request, "category is missing or not text")
            elif kind in ("productview", "updatecart", "removefromcart"):
                step = self._product_step(request, body, cart)
            elif kind == "identify":
                source = (request.payload or {}).get("source")
                step = Step(type=kind, source=source if isinstance(source, str) else None)
            else:  # checkout, buy
                step = Step(type=kind)
                if kind == "buy":
                    cart.clear()
            if step is not None:
                out.append((step, request))
        return out

    def _product_step(
        self, request: RecordedRequest, body: dict[str, Any], cart: _Cart
    ) -> Step | None:
        kind = request.kind
        pid = product_id(body.get("product_id"))
        if pid is None:
            self._left_out(request, "product_id is missing or not a number")
            return None
        if kind == "productview":
            return Step(type=kind, product=pid)
        changed = cart.change(kind, pid, body)
        if kind == "updatecart":
            count = Range(changed, changed) if changed is not None else None
            return Step(type=kind, product=pid, quantity=count)
        left = cart.lines.get(pid, 0)
        whole = changed is None or left == 0
        count = None if whole or changed is None else Range(changed, changed)
        return Step(type=kind, product=pid, quantity=count)

    def _left_out(self, request: RecordedRequest, why: str) -> None:
        self.notes.append(f"entry {request.entry}: {request.kind}: {why}; step left out")


def _in_journey_order(
    pairs: list[tuple[Step, RecordedRequest]], number: int, notes: list[str]
) -> list[tuple[Step, RecordedRequest]]:
    """The steps a scenario can hold: a checkout after an updatecart, a buy after a checkout.

    A recording may break that order (the collector's messages say so); the
    engine would send nothing there, so the step is left out with a note.
    """
    out: list[tuple[Step, RecordedRequest]] = []
    seen: set[str] = set()
    for step, request in pairs:
        wanted = _NEEDS.get(step.type)
        if wanted is not None and wanted not in seen:
            notes.append(f"entry {request.entry}: visitor {number}: {step.type} before any "
                         f"{wanted}; step left out")  # fmt: skip
            continue
        seen.add(step.type)
        out.append((step, request))
    return out


def _org(recording: Recording, notes: list[str]) -> str:
    orgs = Counter(r.org_id for r in recording.requests)
    org = orgs.most_common(1)[0][0]
    if len(orgs) > 1:
        notes.append(f"{len(orgs)} org_ids in the recording; the most used one is written")
    if id_problem("org_id", org) is not None:
        notes.append("org_id: the recorded one is not a UUID; a UUID made from it is written")
        return str(uuid.uuid5(uuid.NAMESPACE_URL, "nitrox-org/" + org))
    return org


def _ids(
    recording: Recording,
    visitors: list[list[RecordedRequest]],
    keep: bool,
    notes: list[str],
    warnings: list[str],
) -> IdSettings:
    org = _org(recording, notes)
    known = any(is_uuid(r.nitrox_id) for r in recording.requests)
    settings = IdSettings(org_id=org, nitrox_id="random" if known else "null")
    if not keep:
        return settings
    if len(visitors) != 1:
        warnings.append(
            f"--keep-identities: the recording has {len(visitors)} visitors and a scenario holds "
            "one set of fixed IDs for all of them; the IDs stay generated"
        )
        return settings
    first = visitors[0][0]
    roaming = first.roaming_id if id_problem("roaming_id", first.roaming_id) is None else "random"
    nitro = first.nitro_id if id_problem("nitro_id", first.nitro_id) is None else "random"
    nitrox = next((r.nitrox_id for r in visitors[0] if is_uuid(r.nitrox_id)), settings.nitrox_id)
    warnings.append(
        "--keep-identities: the recorded roaming_id and nitro_id are written; they identify "
        "a real browser, so share the file with care (names, e-mails and phones are never written)"
    )
    return IdSettings(org_id=org, roaming_id=roaming, nitro_id=nitro, nitrox_id=nitrox)


def _schedule(starts: list[float]) -> Schedule:
    """Steady arrivals that start the first and last visitor when they started."""
    n = len(starts)
    span = starts[-1] - starts[0] if n > 1 else 0.0
    duration = min(round(span * n / (n - 1), 3) if n > 1 else 0.0, MAX_DURATION)
    return Schedule(
        visitors=n,
        duration=duration,
        pattern="steady",
        concurrency=max(DEFAULT_CONCURRENCY, n),
    )


def import_recording(
    recording: Recording, name: str | None = None, keep_identities: bool = False
) -> Imported:
    """The scenario a recording shows; ValueError when it has no Nitrox request to make one of."""
    if not recording.requests:
        raise ValueError(f"no Nitrox tracker request among its {recording.entries:,} entries")
    notes: list[str] = []
    base = store_base(recording.requests)
    if base is None:
        base = recording.requests[0].origin
        notes.append(f"no page URL in the events; the store's base URL is the tracker's, {base}")
    tracker = tracker_settings(recording.requests)
    shop = ShopFound(base)
    reader = _JourneyReader(shop, tracker.full_cart, notes)
    visitors = list(recording.visitors().values())
    if len(visitors) > MAX_JOURNEYS:
        notes.append(
            f"{len(visitors)} visitors; a scenario holds {MAX_JOURNEYS} journeys: "
            f"visitors {MAX_JOURNEYS + 1}-{len(visitors)} left out"
        )
        visitors = visitors[:MAX_JOURNEYS]
    read = [reader.steps(requests) for requests in visitors]
    catalog = shop.catalog()
    journeys: list[Journey] = []
    starts: list[float] = []
    for number, pairs in enumerate(read, 1):
        kept = [
            (s, r)
            for s, r in pairs
            if not isinstance(s.product, int) or (catalog is not None and shop.priced(s.product))
        ]
        if len(kept) < len(pairs):
            notes.append(f"visitor {number}: steps of products without a price left out")
        if catalog is None:
            kept = [
                (Step(type="categoryview", category=RANDOM) if s.type == "categoryview" else s, r)
                for s, r in kept
            ]
        kept = _in_journey_order(kept, number, notes)
        if len(kept) > MAX_STEPS:
            notes.append(f"visitor {number}: {len(kept)} steps; the first {MAX_STEPS} kept")
            kept = kept[:MAX_STEPS]
        if not kept:
            notes.append(f"visitor {number}: no step could be read; no journey")
            continue
        steps = []
        for k, (step, request) in enumerate(kept):
            after = kept[k + 1][1].time - request.time if k + 1 < len(kept) else 0.0
            if is_capped(after):
                notes.append(f"entry {request.entry}: {after:,.0f} s to the next request; "
                             f"{MAX_GAP:,.0f} s written")  # fmt: skip
            steps.append(dataclasses.replace(step, think=_think(after)))
        journeys.append(Journey(name=f"visitor {number}", steps=tuple(steps)))
        starts.append(kept[0][1].time)
    if not journeys:
        raise ValueError("no step of any visitor could be read")
    if catalog is None and shop.categories:
        notes.append("no product with a price: the catalog is generated, categoryviews are random")
    notes += shop.notes
    if shop.untitled:
        notes.append(
            f"products with no title in the recording (only cart lines carry one): "
            f"{shop.untitled}; named 'Product <id>'"
        )
    warnings: list[str] = []
    scenario = Scenario(
        name=_name(recording.file, name),
        description=(
            f"Imported from {PurePath(recording.file).name}: "
            f"{_count(len(journeys), 'recorded visitor')}, "
            f"{_count(len(recording.requests), 'tracker request')}."
        ),
        store=Store(base_url=base, pages=tuple(shop.pages) or ("/",), catalog=catalog),
        ids=_ids(recording, visitors, keep_identities, notes, warnings),
        tracker=tracker,
        schedule=_schedule(starts),
        journeys=tuple(journeys),
    )
    return Imported(
        scenario=scenario,
        notes=notes,
        warnings=warnings,
        products=sum(len(c.products) for c in catalog.categories) if catalog else 0,
        categories=len(catalog.categories) if catalog else 0,
        pages=len(shop.pages),
    )


def _name(file: str, name: str | None) -> str:
    chosen = name if name else PurePath(file).stem or "imported"
    return chosen[:MAX_NAME]


def summary_lines(recording: Recording, imported: Imported) -> list[str]:
    """What was found: counts, the store, the tracker settings and each journey in one line."""
    scenario = imported.scenario
    tracker = scenario.tracker
    visitors = recording.visitors()
    head = (
        f"{PurePath(recording.file).name}: {_count(len(visitors), 'visitor')}, "
        f"{_count(len(recording.requests), 'tracker request')} of {recording.entries}; "
        f"{_count(imported.products, 'product')}, {_count(imported.categories, 'category')}, "
        f"{_count(imported.pages, 'page')}"
    )
    settings = ", ".join(
        (
            f"view by {tracker.view_method}",
            "tracker headers" if tracker.tracker_headers else "no tracker headers",
            "cache-buster" if tracker.cache_buster else "no cache-buster",
            "full-cart line_items" if tracker.full_cart else "line_items = the change",
            f"client IP in {tracker.client_ip_header}"
            if tracker.ip_header
            else "no client-IP header",
        )
    )
    lines = [head, f"store {scenario.store.base_url}, org {scenario.ids.org_id}; {settings}"]
    for number, journey in enumerate(scenario.journeys, 1):
        lines.append(f"journey {number}: {journey_line(journey.steps)}")
    lines.append(removed_line(recording))
    return lines


def removed_line(recording: Recording) -> str:
    """What the reader took out of the recording's URLs and texts, by name (never a value)."""
    if not recording.removed:
        return "removed: nothing secret or personal was found in its URLs and texts"
    return f"removed (secret or personal): {recording.removed.line()}"


def _count(n: int, word: str) -> str:
    plural = word[:-1] + "ies" if word.endswith("y") else word + "s"
    return f"{n:,} {word if n == 1 else plural}"
