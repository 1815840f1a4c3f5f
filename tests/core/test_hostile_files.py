"""Hostile scenario files: each gets one ``file:line: field: message`` line, fast and small.

Unbounded, each of these would print a traceback, run for minutes or grow
without bound.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from simulator_app.cli import main
from simulator_app.core.scenario_file import MAX_FILE_BYTES, ScenarioError, parse_scenario

VALID = """\
name: Test
store:
  base_url: https://shop.example.com
  catalog:
    categories:
      - name: fashion
        products:
          - {id: 1, title: Scarf, price: 18.50}
ids:
  org_id: 34a3f9a2-5057-431b-bd3f-aa9fdf9ff733
journeys:
  - name: buyer
    steps:
      - {type: view, page: /}
      - {type: updatecart, product: 1}
      - {type: checkout}
"""

LAUGHS = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(
            f"{b}: &{b} [{','.join(['*' + a] * 9)}]"
            for a, b in zip("abcdefgh", "bcdefghi", strict=True)
        ),
    ]
)

# (what, file text, the one line validate prints, without the file name)
CASES = [
    (
        "billion laughs",
        LAUGHS,
        ":6: yaml: this value expands to more than 200,000 values (aliases that repeat "
        "aliases); write it out, or use fewer aliases",
    ),
    (
        "huge price",
        VALID.replace("price: 18.50", "price: 1.7e307"),
        ":8: store.catalog.categories[0].products[0].price: must be at most 1,000,000, "
        "got 1.7e+307",
    ),
    (
        "5000-digit number",
        VALID.replace("price: 18.50", "price: " + "9" * 5000),
        ":8: yaml: a number of 5,000 digits is out of range",
    ),
    ("date as a key", "2024-01-01: x\n" + VALID, ":1: 2024-01-01: unknown field"),
    ("list as a key", "? [a, b]\n: x\n" + VALID, ":1: yaml: keys must be text, not a list"),
    ("number as a key", VALID + "7: x\n", ":17: yaml: keys must be text, not 7"),
    ("null as a key", VALID + "~: x\n", ":17: yaml: keys must be text, not null"),
    (
        "20,000 nested lists",
        "[" * 20_000,
        ":1: yaml: nested more than 40 levels deep (a scenario needs a few)",
    ),
    (
        "endless repeat",
        VALID.replace("{type: view, page: /}", "{type: view, page: /, repeat: 100000000}"),
        ":14: journeys[0].steps[0].repeat: must be at most 1,000, got 100000000",
    ),
    (
        "endless duration",
        VALID + "schedule: {duration: 1e300}\n",
        ":17: schedule.duration: must be at most 604,800, got 1e+300",
    ),
    (
        "endless think",
        VALID.replace("{type: view, page: /}", "{type: view, page: /, think: [1, 1e300]}"),
        ":14: journeys[0].steps[0].think[1]: must be at most 3,600, got 1e+300",
    ),
    (
        "a catalog of ten million products",
        VALID.replace(
            "  catalog:", "  generate: {categories: 1000, products_per_category: 10000}\n  catalog:"
        ),
        ":4: store.generate: categories × products_per_category is 10,000,000 products; "
        "at most 20,000",
    ),
    (
        "a name of a million characters",
        VALID.replace("name: Test", "name: " + "x" * 1_000_000),
        ":1: name: is 1,000,000 characters long; at most 200",
    ),
    (
        "three decimals of money",
        VALID.replace("price: 18.50", "price: 18.505"),
        ":8: store.catalog.categories[0].products[0].price: must have at most two decimals "
        "(cents), got 18.505",
    ),
]


@pytest.mark.parametrize(("text", "line"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_validate_says_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, line: str
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"{path}{line}\n"


def test_a_billion_laughs_stays_small() -> None:
    tracemalloc.start()
    try:
        with pytest.raises(ScenarioError):
            parse_scenario(LAUGHS, "laughs.yaml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024  # it grew past gigabytes before


def test_aliases_within_the_budget_are_fine() -> None:
    text = VALID.replace("      - {type: view, page: /}\n", "      - &home {type: view, page: /}\n")
    text += "  - name: again\n    steps: [*home, *home]\n"
    scenario = parse_scenario(text, "s.yaml")
    assert [len(j.steps) for j in scenario.journeys] == [3, 2]


def test_a_file_too_large_is_refused_before_it_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as out:
        out.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used
    assert main(["validate", str(path)]) == 1
    assert capsys.readouterr().err == (
        f"{path}: is {MAX_FILE_BYTES + 1:,} bytes; a scenario file has at most {MAX_FILE_BYTES:,}\n"
    )
