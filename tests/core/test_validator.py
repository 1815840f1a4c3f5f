"""The validator's messages: one ``file:line: field: message`` line per problem, and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator_app.cli import main
from simulator_app.core.scenario_file import ScenarioError, load_scenario, parse_scenario

VALID = """\
name: Test
store:
  base_url: https://shop.example.com
  catalog:
    categories:
      - name: fashion
        products:
          - {id: 1, title: Scarf, price: 18.50}
          - id: 2
            title: Shirt
            price: 20
ids:
  org_id: 34a3f9a2-5057-431b-bd3f-aa9fdf9ff733
identities:
  locales: [en_IN, hi_IN]
journeys:
  - name: buyer
    steps:
      - {type: view, page: /}
      - {type: productview, product: 1}
      - {type: updatecart, product: viewed, quantity: 2}
      - {type: checkout}
      - type: buy
"""

STEP_TYPES = "identify, view, productview, categoryview, updatecart, removefromcart, checkout, buy"

# (what is wrong, the text replaced, its replacement, every line the validator prints)
CASES = [
    (
        "YAML syntax error",
        "  - name: buyer\n",
        "  - name: buyer\n   bad: [\n",
        ["s.yaml:18: yaml: expected <block end>, but found '<block mapping start>'"],
    ),
    (
        "tab in YAML",
        "name: Test\n",
        "name: Test\n\tx: 1\n",
        ["s.yaml:2: yaml: found character '\\t' that cannot start any token"],
    ),
    (
        "duplicate key",
        "name: Test\n",
        "name: Test\nname: Again\n",
        ['s.yaml:2: yaml: found duplicate key "name" with value "Again" (original value: "Test")'],
    ),
    (
        "unknown step type",
        "{type: checkout}",
        "{type: chekout}",
        [
            f"s.yaml:22: journeys[0].steps[3].type: unknown step type 'chekout' (one of: {STEP_TYPES})",
            # the buy after it has no checkout before it now: said too, on its own line
            "s.yaml:23: journeys[0].steps[4].type: buy needs a checkout step before it",
        ],
    ),
    (
        "negative quantity",
        "quantity: 2",
        "quantity: -1",
        ["s.yaml:21: journeys[0].steps[2].quantity: must be at least 1, got -1"],
    ),
    (
        "negative quantity in a range",
        "quantity: 2",
        "quantity: [-1, 2]",
        ["s.yaml:21: journeys[0].steps[2].quantity[0]: must be at least 1, got -1"],
    ),
    (
        "probability above 1",
        "{type: view, page: /}",
        "{type: view, page: /, continue: 1.5}",
        ["s.yaml:19: journeys[0].steps[0].continue: must be at most 1, got 1.5"],
    ),
    (
        "probability below 0",
        "{type: view, page: /}",
        "{type: view, page: /, continue: -0.1}",
        ["s.yaml:19: journeys[0].steps[0].continue: must be at least 0, got -0.1"],
    ),
    (
        "empty catalog",
        VALID[VALID.index("        products:\n") : VALID.index("ids:")],
        "        products: []\n",
        ["s.yaml:4: store.catalog: the catalog has no products"],
    ),
    (
        "base_url not http(s)",
        "https://shop.example.com",
        "ftp://shop.example.com",
        [
            "s.yaml:3: store.base_url: 'ftp://shop.example.com' is not in the expected form "
            "(an http:// or https:// URL)"
        ],
    ),
    (
        "base_url without a scheme",
        "https://shop.example.com",
        "shop.example.com",
        [
            "s.yaml:3: store.base_url: 'shop.example.com' is not in the expected form "
            "(an http:// or https:// URL)"
        ],
    ),
    (
        "unknown field",
        "name: Test\n",
        "name: Test\ncolour: blue\n",
        ["s.yaml:2: colour: unknown field"],
    ),
    (
        "field of another step type",
        "{type: checkout}",
        "{type: checkout, product: 1}",
        ["s.yaml:22: journeys[0].steps[3].product: does not apply to a checkout step"],
    ),
    (
        "missing required section",
        "ids:\n  org_id: 34a3f9a2-5057-431b-bd3f-aa9fdf9ff733\n",
        "",
        ["s.yaml:1: ids: required field is missing"],
    ),
    (
        "missing required product field",
        "            title: Shirt\n",
        "",
        ["s.yaml:9: store.catalog.categories[0].products[1].title: required field is missing"],
    ),
    (
        "unknown Faker locale",
        "hi_IN",
        "xx_YY",
        ["s.yaml:15: identities.locales[1]: unknown Faker locale 'xx_YY'"],
    ),
    (
        "checkout without updatecart",
        "      - {type: updatecart, product: viewed, quantity: 2}\n",
        "",
        ["s.yaml:21: journeys[0].steps[2].type: checkout needs an updatecart step before it"],
    ),
    (
        "buy without checkout",
        "      - {type: checkout}\n",
        "",
        ["s.yaml:22: journeys[0].steps[3].type: buy needs a checkout step before it"],
    ),
    (
        "unknown product id",
        "{type: productview, product: 1}",
        "{type: productview, product: 99}",
        ["s.yaml:20: journeys[0].steps[1].product: no product with id 99 in the catalog"],
    ),
    (
        "unknown category",
        "{type: view, page: /}",
        "{type: categoryview, category: shoes}",
        ["s.yaml:19: journeys[0].steps[0].category: no category 'shoes' in the catalog"],
    ),
    (
        "NaN probability",
        "{type: view, page: /}",
        "{type: view, page: /, continue: .nan}",
        ["s.yaml:19: journeys[0].steps[0].continue: must be a finite number, got nan"],
    ),
    (
        # said once: not also "must be at most 1, got inf"
        "infinite probability",
        "{type: view, page: /}",
        "{type: view, page: /, continue: .inf}",
        ["s.yaml:19: journeys[0].steps[0].continue: must be a finite number, got inf"],
    ),
    (
        "NaN journey weight",
        "  - name: buyer\n",
        "  - name: buyer\n    weight: .nan\n",
        ["s.yaml:18: journeys[0].weight: must be a finite number, got nan"],
    ),
    (
        "infinite price",
        "price: 20",
        "price: .inf",
        [
            "s.yaml:11: store.catalog.categories[0].products[1].price: must be a finite number, got inf"
        ],
    ),
    (
        "minus infinity in a think range",
        "{type: view, page: /}",
        "{type: view, page: /, think: [-.inf, 1]}",
        ["s.yaml:19: journeys[0].steps[0].think[0]: must be a finite number, got -inf"],
    ),
    (
        # said once: not also "invalid value [1, inf]: expected ..."
        "infinity in a quantity range",
        "quantity: 2",
        "quantity: [1, .inf]",
        ["s.yaml:21: journeys[0].steps[2].quantity[1]: must be a finite number, got inf"],
    ),
    (
        "a number too big for a float",
        "{type: view, page: /}",
        "{type: view, page: /, repeat: 1e400}",
        ["s.yaml:19: journeys[0].steps[0].repeat: must be a finite number, got inf"],
    ),
    (
        # rules compare numbers: "price_min is above price_max" would blame the wrong field
        "minus infinity in a generator",
        "  catalog:\n",
        "  generate: {price_min: 5, price_max: -.inf}\n  catalog:\n",
        ["s.yaml:4: store.generate.price_max: must be a finite number, got -inf"],
    ),
    (
        "page without a leading slash",
        "{type: view, page: /}",
        "{type: view, page: sale}",
        [
            "s.yaml:19: journeys[0].steps[0].page: 'sale' is not in the expected form "
            "(a path starting with '/' or a full http:// or https:// URL, or 'random')"
        ],
    ),
    (
        "page with another scheme",
        "{type: view, page: /}",
        "{type: view, page: 'ftp://shop.example.com/sale'}",
        [
            "s.yaml:19: journeys[0].steps[0].page: 'ftp://shop.example.com/sale' is not in the "
            "expected form (a path starting with '/' or a full http:// or https:// URL, "
            "or 'random')"
        ],
    ),
    (
        "store page without a leading slash",
        "  base_url: https://shop.example.com\n",
        "  base_url: https://shop.example.com\n  pages: [/, sale]\n",
        [
            "s.yaml:4: store.pages[1]: 'sale' is not in the expected form "
            "(a path starting with '/' or a full http:// or https:// URL)"
        ],
    ),
    (
        "product URL without a leading slash",
        "{id: 1, title: Scarf, price: 18.50}",
        "{id: 1, title: Scarf, price: 18.50, url: products/scarf}",
        [
            "s.yaml:8: store.catalog.categories[0].products[0].url: 'products/scarf' is not in "
            "the expected form (a path starting with '/' or a full http:// or "
            "https:// URL)"
        ],
    ),
    (
        "org_id not a UUID",
        "34a3f9a2-5057-431b-bd3f-aa9fdf9ff733",
        "not-a-uuid",
        ["s.yaml:13: ids.org_id: 'not-a-uuid' is not in the expected form (a UUID)"],
    ),
]


def problems_of(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "s.yaml")
    return [str(p) for p in caught.value.problems]


def test_the_base_scenario_is_valid() -> None:
    assert parse_scenario(VALID, "s.yaml").journeys[0].name == "buyer"


@pytest.mark.parametrize(
    ("old", "new", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_problem_is_one_line_saying_where_and_what(
    old: str, new: str, expected: list[str]
) -> None:
    assert old in VALID
    assert problems_of(VALID.replace(old, new, 1)) == expected


@pytest.mark.parametrize(
    "page", ["random", "/", "/sale?x=1", "https://other.example.com/p", "http://shop.example.in"]
)
def test_a_page_may_be_a_path_a_full_url_or_random(page: str) -> None:
    text = VALID.replace("{type: view, page: /}", f"{{type: view, page: '{page}'}}")
    assert parse_scenario(text, "s.yaml").journeys[0].steps[0].target == page


@pytest.mark.parametrize("text", ["", "# nothing\n", "- a\n- b\n", "just text\n"])
def test_a_file_that_is_not_a_mapping(text: str) -> None:
    assert problems_of(text) == ["s.yaml:1: (top): a scenario file must be a YAML mapping"]


def test_every_problem_is_reported_in_file_order() -> None:
    text = (
        VALID.replace("name: Test\n", "name: Test\ncolour: blue\n")
        .replace("{type: view, page: /}", "{type: view, page: /, continue: 2}")
        .replace("quantity: 2", "quantity: 0")
    )
    assert problems_of(text) == [
        "s.yaml:2: colour: unknown field",
        "s.yaml:20: journeys[0].steps[0].continue: must be at most 1, got 2",
        "s.yaml:22: journeys[0].steps[2].quantity: must be at least 1, got 0",
    ]


def test_missing_file_and_directory(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(missing)
    assert [str(p) for p in caught.value.problems] == [f"{missing}: no such file"]
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path)
    assert [str(p) for p in caught.value.problems] == [
        f"{tmp_path}: is a directory, not a scenario file"
    ]


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: Caf\xe9\n".encode("latin-1"))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}: not UTF-8 text (invalid continuation byte)"
    ]


# -- nitrox-sim validate -------------------------------------------------------------


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_validate_ok_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, "good.yaml", VALID)
    assert main(["validate", good]) == 0
    out, err = capsys.readouterr()
    assert out == f"{good}: ok (Test: buyer)\n"
    assert err == ""
    assert main(["validate", "--quiet", good]) == 0
    assert capsys.readouterr() == ("", "")


def test_validate_bad_exits_1_with_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path, "good.yaml", VALID)
    bad = write(tmp_path, "bad.yaml", VALID.replace("quantity: 2", "quantity: -1"))
    missing = str(tmp_path / "missing.yaml")
    assert main(["validate", good, bad, missing]) == 1
    out, err = capsys.readouterr()
    assert out == f"{good}: ok (Test: buyer)\n"
    assert err.splitlines() == [
        f"{bad}:21: journeys[0].steps[2].quantity: must be at least 1, got -1",
        f"{missing}: no such file",
    ]
    assert "Traceback" not in err


def test_validate_yaml_error_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path, "bad.yaml", "name: [unclosed\n")
    assert main(["validate", bad]) == 1
    _, err = capsys.readouterr()
    assert len(err.splitlines()) == 1
    assert err.startswith(f"{bad}:2: yaml: ")


def test_validate_without_files_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["validate"])
    assert exited.value.code == 2
    assert "the following arguments are required: FILE" in capsys.readouterr().err


def test_a_deprecated_faker_locale_says_what_to_use(tmp_path: Path) -> None:
    text = (
        "store: {base_url: https://shop.example.com}\n"
        "identities: {locales: [en_IN, fr_QC]}\n"
        "ids: {org_id: 34a3f9a2-5057-431b-bd3f-aa9fdf9ff733}\n"
        "journeys: [{name: j, steps: [{type: view}]}]\n"
    )
    file = tmp_path / "s.yaml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(file)
    assert [str(p) for p in caught.value.problems] == [
        f"{file}:2: identities.locales[1]: Faker deprecates 'fr_QC': use 'fr_CA'"
    ]


NAN = VALID.replace("{type: view, page: /}", "{type: view, page: /, continue: .nan}")


def test_validate_refuses_nan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path, "nan.yaml", NAN)
    assert main(["validate", bad]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"{bad}:19: journeys[0].steps[0].continue: must be a finite number, got nan\n"


# run's options keep it short should the scenario ever be accepted
@pytest.mark.parametrize(
    ("command", "options"), [("funnel", []), ("run", ["--visitors", "1", "--think-scale", "0"])]
)
def test_commands_refuse_nan_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, options: list[str]
) -> None:
    bad = write(tmp_path, "nan.yaml", NAN)
    assert main([command, bad, *options]) == 2
    out, err = capsys.readouterr()
    assert "nan%" not in out
    assert err == (
        f"nitrox-sim {command}: error: "
        f"{bad}:19: journeys[0].steps[0].continue: must be a finite number, got nan\n"
    )
