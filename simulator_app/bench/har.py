"""How long a big browser recording takes to import: ``python -m simulator_app.bench.har``.

Builds a Chrome-shaped HAR file of ``--entries`` entries (default 10,000; the
goal is an import in under 2 s): the journey engine's requests for the
buyer scenario's visitors, posted to a tracker under a base path, with a
cache-buster and Chrome's ``_`` fields, between page, script and image
entries that the import must skip (``--tracker-share`` of the entries are
tracker requests). Then it times what ``nitrox-sim import-har`` does: read
the file, make the scenario, judge every recorded request with the
collector's checker and write the validated YAML. Nothing is sent anywhere.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from simulator_app.core.journey import JourneyEngine
from simulator_app.core.model import Scenario

ROOT = Path(__file__).resolve().parents[2]
TRACKER = "https://tracker.example.net/nx"
SHOP = "https://shop.example.com"
GOAL_SECONDS = 2.0


def _entry(method: str, url: str, at_ms: int, headers: Any, body: str | None) -> dict[str, Any]:
    request: dict[str, Any] = {
        "method": method,
        "url": url,
        "httpVersion": "http/2.0",
        "headers": [{"name": k, "value": v} for k, v in headers],
        "queryString": [],
        "cookies": [],
        "headersSize": -1,
        "bodySize": len(body) if body else 0,
    }
    if body is not None:
        request["postData"] = {"mimeType": "application/json", "text": body}
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at_ms // 1000))
    return {
        "_initiator": {"type": "script"},
        "_priority": "High",
        "_resourceType": "fetch" if body is not None else "image",
        "cache": {},
        "pageref": "page_1",
        "request": request,
        "response": {
            "status": 200,
            "statusText": "",
            "httpVersion": "http/2.0",
            "headers": [{"name": "content-type", "value": "application/json"}],
            "cookies": [],
            "content": {"size": 11, "mimeType": "application/json", "text": '{"ok":true}'},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
            "_transferSize": 230,
        },
        "serverIPAddress": "203.0.113.7",
        "startedDateTime": f"{stamp}.{at_ms % 1000:03d}Z",
        "time": 40.0,
        "timings": {"blocked": 1, "dns": -1, "connect": -1, "send": 0, "wait": 38, "receive": 1},
    }


def recording(scenario: Scenario, entries: int, tracker_share: float, seed: int = 1) -> str:
    """A HAR document of ``entries`` entries, ``tracker_share`` of them the tracker's."""
    engine = JourneyEngine(scenario, seed=seed)
    wanted = round(entries * tracker_share)
    out: list[dict[str, Any]] = []
    clock = 1_764_000_000_000
    noise_every = (entries - wanted) / max(wanted, 1)
    owed = 0.0
    visitor = 0
    sent = 0
    while sent < wanted:
        for planned in engine.plan(visitor):
            if sent >= wanted:
                break
            spec = planned.spec
            clock += 700
            url = TRACKER + spec.target(clock)
            out.append(_entry(spec.method, url, clock, spec.headers, spec.body))
            sent += 1
            owed += noise_every
            while owed >= 1 and len(out) < entries:
                owed -= 1
                clock += 5
                out.append(_entry("GET", f"{SHOP}/assets/{len(out)}.jpg", clock, (), None))
        visitor += 1
    while len(out) < entries:
        out.append(_entry("GET", f"{SHOP}/assets/{len(out)}.js", clock, (), None))
    document = {"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
                        "pages": [], "entries": out}}  # fmt: skip
    return json.dumps(document)


def measure(entries: int = 10_000, tracker_share: float = 0.3) -> dict[str, Any]:
    """Seconds each part of an import takes, for a HAR file of ``entries`` entries."""
    from simulator_app.collector.recordings import import_and_judge
    from simulator_app.core.recording.har_reader import read_har_file
    from simulator_app.core.recording.writer import scenario_text
    from simulator_app.core.scenario_file import load_scenario

    scenario = load_scenario(ROOT / "scenarios" / "buyer.yaml")
    text = recording(scenario, entries, tracker_share)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.har"
        path.write_text(text, encoding="utf-8")
        started = time.perf_counter()
        recorded = read_har_file(str(path))
        imported, verdicts = import_and_judge(recorded)
        read_done = time.perf_counter()
        yaml_text = scenario_text(imported.scenario, str(path))
        finished = time.perf_counter()
    bad = sum(v.verdict == "bad" for v in verdicts)
    return {
        "entries": recorded.entries,
        "megabytes": round(len(text.encode()) / 1e6, 1),
        "tracker_requests": len(recorded.requests),
        "visitors": len(recorded.visitors()),
        "journeys": len(imported.scenario.journeys),
        "bad": bad,
        "read_import_judge_s": round(read_done - started, 3),
        "write_validate_s": round(finished - read_done, 3),
        "total_s": round(finished - started, 3),
        "goal_s": GOAL_SECONDS,
        "yaml_lines": yaml_text.count("\n"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m simulator_app.bench.har",
        description="seconds to import a Chrome-shaped HAR file (goal: 10,000 entries in 2 s)",
    )
    parser.add_argument("--entries", type=int, default=10_000, help="entries (default 10,000)")
    parser.add_argument(
        "--tracker-share",
        type=float,
        default=0.3,
        help="share of the entries that are tracker requests (default 0.3)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.entries <= 1_000_000 or not 0 < args.tracker_share <= 1:
        parser.error("--entries: 1 to 1,000,000; --tracker-share: above 0, at most 1")
    result = measure(args.entries, args.tracker_share)
    print(json.dumps(result, indent=2))
    verdict = "within" if result["total_s"] <= GOAL_SECONDS else "over"
    print(
        f"import of {result['entries']:,} entries ({result['tracker_requests']:,} tracker "
        f"requests): {result['total_s']:.2f} s, {verdict} the {GOAL_SECONDS:g} s goal",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
