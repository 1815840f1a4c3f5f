"""A run's summary as JUnit XML, for CI pipelines (``nitrox-sim run --junit FILE``).

Three test suites, read from :func:`~simulator_app.core.run_summary.build_summary`'s
figures: ``journeys`` (one test case per journey: it fails when any of its
requests failed or was judged bad), ``contract`` (one test case per reason
code the receiver gave: each fails with its count and an example; a passing
case when nothing was judged bad) and ``run`` (the requests went through,
the run was not cut by its time limit). Built with ElementTree, so every
value is escaped as XML needs.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from simulator_app.core.words import plural

_CONTROL = {c: " " for c in range(32) if c not in (9, 10, 13)}  # not allowed in XML 1.0


def _clean(text: object) -> str:
    """``text`` as XML 1.0 can carry it: control characters and lone surrogates replaced."""
    cleaned = str(text).translate(_CONTROL).replace("\ufffe", " ").replace("\uffff", " ")
    return cleaned.encode("utf-8", "replace").decode("utf-8")


def _case(
    suite: ET.Element, classname: str, name: str, time: float, failure: str | None, detail: str = ""
) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        {"classname": _clean(classname), "name": _clean(name), "time": f"{time:.3f}"},
    )
    if failure is not None:
        element = ET.SubElement(case, "failure", {"message": _clean(failure), "type": "failure"})
        element.text = _clean(detail or failure)


def _journeys(data: dict[str, Any], parent: ET.Element) -> None:
    suite = ET.SubElement(parent, "testsuite", {"name": "journeys"})
    for name, j in data["journeys"]["by_journey"].items():
        problems = []
        if j["failed"]:
            problems.append(f"{j['failed']:,} of {plural(j['requests'], 'request')} failed")
        if j["judged_bad"]:
            problems.append(f"{j['judged_bad']:,} judged bad by the receiver")
        failure = "; ".join(problems) if problems else None
        detail = f"journey {name}: {plural(j['completed'], 'visitor')} completed it"
        _case(
            suite, "nitrox.journeys", name, 0.0, failure, f"{failure}\n{detail}" if failure else ""
        )


def _contract(data: dict[str, Any], parent: ET.Element) -> None:
    suite = ET.SubElement(parent, "testsuite", {"name": "contract"})
    codes = data["bad_by_code"]
    if not codes:
        _case(suite, "nitrox.contract", "no request judged bad", 0.0, None)
    for group in codes:
        fields = ", ".join(f"{f or '(no field)'} {n:,}" for f, n in group["fields"].items())
        message = f"{plural(group['requests'], 'request')} judged bad: {fields}"
        example = group.get("example")
        detail = message
        if example:
            where = f"{example['field']}: " if example["field"] else ""
            detail += (
                f"\ne.g. {example['name']} of visitor {example['visitor']}"
                f" ({example['journey']}): {where}{example['description']}"
            )
        _case(suite, "nitrox.contract", group["code"], 0.0, message, detail)


def _run(data: dict[str, Any], parent: ET.Element) -> None:
    suite = ET.SubElement(parent, "testsuite", {"name": "run"})
    elapsed = data["elapsed_s"]
    failed = data["failed"]
    reasons = "\n".join(f"{r['count']:,} x {r['reason']}" for r in data["failure_reasons"])
    _case(
        suite,
        "nitrox.run",
        "requests succeeded",
        elapsed,
        f"{failed:,} of {plural(data['requests'], 'request')} failed" if failed else None,
        reasons,
    )
    _case(
        suite,
        "nitrox.run",
        "within the time limit",
        0.0,
        "the run was stopped at its time limit" if data["time_limit_hit"] else None,
    )


def junit_xml(data: dict[str, Any], name: str = "nitrox-sim run") -> str:
    """The JUnit XML document of a run's summary figures."""
    root = ET.Element("testsuites", {"name": _clean(name)})
    _journeys(data, root)
    _contract(data, root)
    _run(data, root)
    tests = failures = 0
    for suite in root:
        cases = suite.findall("testcase")
        bad = sum(1 for c in cases if c.find("failure") is not None)
        time = sum(float(c.get("time", "0")) for c in cases)
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(bad))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        suite.set("time", f"{time:.3f}")
        tests += len(cases)
        failures += bad
    root.set("tests", str(tests))
    root.set("failures", str(failures))
    root.set("errors", "0")
    root.set("time", f"{data['elapsed_s']:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
