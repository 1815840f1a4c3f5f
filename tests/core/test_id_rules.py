"""IDs are matched whole, by one rule: no trailing newline, space or lookalike passes anywhere.

The rule is the contract's (``id_problem``, ``UUID_PATTERN``, ``ROAMING_PATTERN``);
the scenario model's schema, ``validate``, the collector and the Locust options
use it, so each surface is tried here with the same hostile values.
"""

from __future__ import annotations

import argparse
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator_app.cli import main
from simulator_app.collector import EmbeddedCollector
from simulator_app.core import contract
from simulator_app.core.contract import ROAMING_PATTERN, UUID_PATTERN, id_problem, is_uuid
from simulator_app.core.scenario_file import check_document, parse_document
from simulator_app.core.schema import SCHEMA
from simulator_app.locust.options import OptionError, read_options

ORG = "34a3f9a2-5057-431b-bd3f-aa9fdf9ff733"
ROAM = "biscuit_4c6e224d-96f6-430c-bfc4-d41ec31e38a4"
NITRO = "de8daa44-ac2e-4ba2-8e1c-987a06817353"
FULLWIDTH_ORG = ORG.replace("a", "\uff41", 1)
KINDS = ("org_id", "roaming_id", "nitro_id", "nitrox_id")

# What may ride along an ID: line ends, spaces, invisible and bidi characters.
extras = st.sampled_from(
    ["\n", "\r\n", "\r", " ", "\t", "\x0b", "\x0c", "\x00", "\x85", "\u2028", "\u2029",
     "\u00a0", "\u200b", "\u202e", "\ufeff", "\u3000", "%0A"]
)  # fmt: skip
# Characters that look like a hex digit and are not one.
LOOKALIKES = {
    "0": ["\uff10", "\u0660", "\u06f0", "\u0966", "\U0001d7ce", "O"],
    "a": ["\uff41", "\u0430", "\u0251"],
    "b": ["\uff42", "\u0184"],
    "c": ["\uff43", "\u0441", "\u03f2"],
    "e": ["\uff45", "\u0435"],
    "4": ["\uff14", "\u0664", "\u096a"],
}


def _valid(kind: str, value: uuid.UUID) -> str:
    return f"biscuit_{value}" if kind == "roaming_id" else str(value)


@given(st.uuids(), st.sampled_from(KINDS), extras, st.booleans())
def test_nothing_rides_along_an_id(value: uuid.UUID, kind: str, extra: str, before: bool) -> None:
    good = _valid(kind, value)
    assert id_problem(kind, good) is None
    bad = extra + good if before else good + extra
    assert id_problem(kind, bad) is not None
    assert not is_uuid(extra + str(value) if before else str(value) + extra)
    pattern = ROAMING_PATTERN if kind == "roaming_id" else UUID_PATTERN
    assert re.search(pattern, good) and not re.search(pattern, bad)  # as jsonschema reads it


@given(st.uuids(), st.sampled_from(KINDS), st.data())
def test_a_lookalike_character_is_not_a_hex_digit(
    value: uuid.UUID, kind: str, data: st.DataObject
) -> None:
    good = _valid(kind, value)
    text = str(value)
    spots = [i for i, c in enumerate(text) if c in LOOKALIKES]
    if not spots:
        text, spots = "0" + text[1:], [0]
    at = data.draw(st.sampled_from(spots))
    fake = data.draw(st.sampled_from(LOOKALIKES[text[at]]))
    bad = good.replace(str(value), text[:at] + fake + text[at + 1 :])
    assert id_problem(kind, bad) is not None
    assert id_problem(kind, bad.upper()) is not None  # str.upper() of a lookalike stays one


def test_the_model_takes_its_id_rules_from_the_contract() -> None:
    def patterns(node: object) -> Iterator[str]:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                yield node["pattern"]
            for value in node.values():
                yield from patterns(value)
        elif isinstance(node, list):
            for value in node:
                yield from patterns(value)

    ids = set(patterns(SCHEMA["properties"]["ids"]))
    assert ids == {UUID_PATTERN, ROAMING_PATTERN}
    assert contract.ROAMING_PREFIX in ROAMING_PATTERN
    whole = [p for p in patterns(SCHEMA) if p.endswith("$")]
    assert not whole, whole  # "$" lets a final newline through in Python


def _scenario(org: str, roaming: str = "random", nitro: str = "random") -> str:
    return (
        "name: ids\n"
        "store:\n  base_url: http://127.0.0.1:9\n  pages: [/]\n"
        f"ids:\n  org_id: {org}\n  roaming_id: {roaming}\n  nitro_id: {nitro}\n"
        "schedule:\n  visitors: 1\n"
        "journeys:\n  - name: j\n    steps:\n      - {type: view, page: /}\n"
    )


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("org_id", _scenario(f'"{ORG}\\n"')),
        ("org_id", _scenario(f'"{ORG} "')),
        ("org_id", _scenario(f'"{FULLWIDTH_ORG}"')),
        ("roaming_id", _scenario(ORG, roaming=f'"{ROAM}\\r\\n"')),
        ("nitro_id", _scenario(ORG, nitro=f'"{NITRO}\\u2028"')),
        ("org_id", _scenario(f"|\n    {ORG}")),  # a block scalar keeps its final newline
    ],
)
def test_the_scenario_model_refuses_an_id_with_anything_more(field: str, text: str) -> None:
    scenario, problems = check_document(parse_document(text, "s.yaml"), "s.yaml")
    assert scenario is None
    assert any(f"ids.{field}" in str(p) for p in problems), problems
    assert check_document(parse_document(_scenario(ORG), "s.yaml"), "s.yaml")[0] is not None


def test_validate_refuses_a_trailing_newline_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(_scenario(f'"{ORG}\\n"'), encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:" in err and "ids.org_id" in err and "Traceback" not in err


def test_the_collector_judges_an_id_with_a_newline_bad() -> None:
    body = b'{"page":"https://shop.example.com/"}'
    with (
        EmbeddedCollector() as collector,
        httpx.Client(base_url=collector.url, timeout=10) as client,
    ):
        good = client.post(
            f"/jsv1/{ORG}/{ROAM}/{NITRO}/null/event/view",
            content=body,
            headers={"content-type": "application/json"},
        )
        assert good.headers["x-nitrox-verdict"] == "good"
        for path in (
            f"/jsv1/{ORG}%0A/{ROAM}/{NITRO}/null/event/view",
            f"/jsv1/{ORG}/{ROAM}%20/{NITRO}/null/event/view",
            f"/jsv1/{ORG}/{ROAM}/{NITRO}%0D%0A/null/event/view",
            f"/jsv1/{ORG}/{ROAM}/{NITRO.replace('d', '%EF%BD%84', 1)}/null/event/view",
            f"/jsv1/identify/{ORG}/{ROAM}/{NITRO}%0A/eyJuYW1lIjoiQSJ9",
        ):
            answer = client.request(
                "GET" if "identify" in path else "POST",
                path,
                content=None if "identify" in path else body,
                headers={"content-type": "application/json"},
            )
            assert answer.headers.get("x-nitrox-verdict") == "bad", path


@pytest.mark.parametrize(
    "org", [ORG.replace("3", "\uff13", 1), ORG + "\u200b", ORG[:-1] + "\u0664"]
)
def test_the_locust_options_refuse_a_lookalike_org_id(org: str) -> None:
    with pytest.raises(OptionError, match="--org-id"):
        read_options(argparse.Namespace(org_id=org))
    assert read_options(argparse.Namespace(org_id=ORG)).org_id == ORG
