"""The exported locustfile: short, compiles, carries the scenario as exact data, stays up to date.

Nothing here imports locust (it would monkey-patch this process with gevent):
the generated files are compiled and their data literal read with ``ast``;
running them is the job of test_locust_runs.py, in subprocesses.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator_app.cli import main
from simulator_app.core.model import Journey, Scenario, scenario_from_dict, scenario_to_dict
from simulator_app.core.scenario_file import load_scenario
from simulator_app.exporter.bundle import bundle_locustfile, bundled_sources
from simulator_app.exporter.locustfile import (
    ExportError,
    ExportSettings,
    class_name,
    export_locustfile,
    locust_conf,
    python_literal,
    scenario_data_of,
    user_weights,
)
from tests.core.scenario_strategies import scenarios
from tests.factory import BUNDLED

ROOT = Path(__file__).resolve().parents[2]
BUNDLED_EXPORTS = [ROOT / "loadtests" / f"{p.stem}.py" for p in BUNDLED]
HOSTILE = [
    "'''",
    '"""',
    "\\",
    "a\"b'c",
    "line\nbreak\r\n",
    "\\n not a newline",
    "}{%s{0}",
    "# not a comment",
    "\x00\x1b[31m",
    "\u2028\u2029",
    "\ud800",
    "मराठी नाव",
    "名前",
    "عربى",
    "class X: pass",
    "__import__('os')",
]
hostile_text = st.sampled_from(HOSTILE) | st.text(min_size=1, max_size=12)


def _journey_classes(text: str) -> dict[str, dict[str, object]]:
    """Name -> class attributes of every per-journey class."""
    found = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.ClassDef) and any(
            isinstance(b, ast.Name) and b.id == "ScenarioUser" for b in node.bases
        ):
            attrs = {
                t.id: ast.literal_eval(stmt.value)
                for stmt in node.body
                if isinstance(stmt, ast.Assign)
                for t in stmt.targets
                if isinstance(t, ast.Name)
            }
            if attrs.get("journey") is not None:  # AllJourneys runs every journey
                found[node.name] = attrs
    return found


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_loadtests_are_up_to_date(path: Path) -> None:
    exported = ROOT / "loadtests" / (path.stem + ".py")
    assert exported.exists(), (
        f"run: nitrox-sim export-locust {path.relative_to(ROOT)} -o loadtests/{path.stem}.py"
    )
    assert exported.read_text(encoding="utf-8") == export_locustfile(load_scenario(path)), (
        f"loadtests/{exported.name} is out of date with the exporter: run "
        f"nitrox-sim export-locust scenarios/{path.name} -o loadtests/{exported.name}"
    )


def test_loadtests_conf_is_up_to_date() -> None:
    assert (ROOT / "loadtests" / "locust.conf").read_text(encoding="utf-8") == locust_conf()


def test_loadtests_read_like_hand_written_locustfiles() -> None:
    """Short: the demo mix under 120 lines, the whole folder under 600; nothing pasted in."""
    lines = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in BUNDLED_EXPORTS}
    assert lines["demo_mix.py"] < 120, lines
    assert sum(lines.values()) < 600, lines
    for path in BUNDLED_EXPORTS:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
        assert [ast.unparse(n) for n in imports] == [
            "from __future__ import annotations",
            "from simulator_app.locust.users import NitroxUser",
        ]
        defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
        assert "JourneyEngine" not in defined and "VisitorPool" not in defined


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_export_embeds_the_scenario_and_one_class_per_journey(path: Path) -> None:
    scenario = load_scenario(path)
    text = export_locustfile(scenario)
    assert text == export_locustfile(scenario), "the export is not deterministic"
    compile(text, path.name, "exec")
    data = scenario_data_of(text)
    assert data == scenario_to_dict(scenario)
    assert scenario_from_dict(data) == scenario
    classes = _journey_classes(text)
    assert [c["journey"] for c in classes.values()] == [j.name for j in scenario.journeys]
    weights = [c["weight"] for c in classes.values()]
    assert weights == user_weights([j.weight for j in scenario.journeys])
    assert "class AllJourneys(ScenarioUser)" in text and "t.makehook.ws" not in text


def test_demo_mix_classes_are_named_and_weighted_as_in_the_scenario() -> None:
    text = export_locustfile(load_scenario(ROOT / "scenarios" / "demo_mix.yaml"))
    classes = _journey_classes(text)
    assert {k: v["weight"] for k, v in classes.items()} == {
        "BrowserUser": 70,
        "CartAbandonerUser": 20,
        "BuyerUser": 10,
    }


def test_the_bundle_is_the_thin_file_after_the_runtime_sources() -> None:
    scenario = load_scenario(BUNDLED[0])
    thin = export_locustfile(scenario)
    bundled = bundle_locustfile(scenario)
    assert bundled == bundle_locustfile(scenario), "the bundle is not deterministic"
    body = thin.partition("from __future__ import annotations\n\n")[2]
    tables = bundled.index("\n\n# The visitors' countries, devices and names")
    assert bundled[:tables].endswith("\n" + body)
    # and then the tables the data sets give, so the worker needs none of them
    assert "ScenarioUser.population = _json.loads(" in bundled[tables:]
    tree = ast.parse(bundled)
    sources = next(
        ast.literal_eval(n.value)
        for n in tree.body
        if isinstance(n, ast.Assign) and ast.unparse(n.targets[0]) == "_SOURCES"
    )
    # the package's own files, unchanged: nothing rewritten
    assert sources == bundled_sources()
    for name, text in sources.items():
        relative = Path(*name.split(".")[1:])
        path = ROOT / "simulator_app" / relative / "__init__.py"
        path = path if path.exists() else (ROOT / "simulator_app" / relative).with_suffix(".py")
        assert text == path.read_text(encoding="utf-8"), name
    assert {"simulator_app.core.journey", "simulator_app.locust.users"} <= set(sources)
    assert not any(n.startswith(("simulator_app.sender", "simulator_app.gui")) for n in sources)
    futures = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "__future__"]
    assert len(futures) == 1


def test_a_runtime_module_a_worker_lacks_refuses_the_bundle(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A module the runtime loads that imports what a locust-and-Faker worker lacks: one line."""
    import simulator_app.exporter.bundle as bundle

    package = tmp_path / "simulator_app"
    (package / "locust").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "locust" / "__init__.py").write_text("", encoding="utf-8")
    (package / "locust" / "users.py").write_text(
        "import json, jsonschema\n\ndef later():\n    import httpx\n", encoding="utf-8"
    )
    monkeypatch.setattr(bundle, "_PACKAGE_DIR", package)
    with pytest.raises(ExportError) as caught:
        bundle.bundled_sources()
    assert str(caught.value) == (
        "--bundle: simulator_app/locust/users.py:1 imports jsonschema,"
        " which a worker with only locust and Faker does not have"
    )
    (package / "locust" / "users.py").write_text(
        "from . import pool\n\ndef later():\n    import httpx\n", encoding="utf-8"
    )
    (package / "locust" / "pool.py").write_text("import faker\n", encoding="utf-8")
    assert list(bundle.bundled_sources()) == [
        "simulator_app",
        "simulator_app.locust",
        "simulator_app.locust.pool",
        "simulator_app.locust.users",
    ]


def test_the_scenario_is_laid_out_as_ruff_would() -> None:
    data = {"name": "x", "steps": [{"type": "view", "page": "/sale"}, {"type": "buy"}]}
    text = python_literal(data, 0, len("SCENARIO = "), 50)
    assert ast.literal_eval(text) == data
    assert text.splitlines() == [
        "{",
        "    'name': 'x',",
        "    'steps': [",
        "        {'type': 'view', 'page': '/sale'},",
        "        {'type': 'buy'},",
        "    ],",
        "}",
    ]
    assert python_literal({"a": [1, 2]}, 0, 0, 50) == "{'a': [1, 2]}"
    long = {"page": "/" * 60}
    assert python_literal(long, 0, 0, 50) == "{\n    'page': " + repr("/" * 60) + ",\n}"


@st.composite
def hostile_scenarios(draw: st.DrawFn) -> Scenario:
    scenario = draw(scenarios())
    names = draw(
        st.lists(
            hostile_text,
            min_size=len(scenario.journeys),
            max_size=len(scenario.journeys),
            unique=True,
        )
    )
    journeys = tuple(
        Journey(name=n, weight=j.weight, steps=j.steps)
        for n, j in zip(names, scenario.journeys, strict=True)
    )
    return dataclasses.replace(
        scenario,
        name=draw(hostile_text),
        description=draw(hostile_text),
        journeys=journeys,
    )


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=hostile_scenarios())
def test_any_scenario_text_lands_in_the_file_as_data(scenario: Scenario) -> None:
    if scenario_from_dict(scenario_to_dict(scenario)) != scenario:
        # a model round-trip defect: the export must refuse rather than differ from `run`
        with pytest.raises(ExportError, match="does not read back equal"):
            export_locustfile(scenario)
        return
    text = export_locustfile(scenario)
    compile(text, "hostile.py", "exec")
    data = scenario_data_of(text)
    assert data == scenario_to_dict(scenario)
    assert scenario_from_dict(data) == scenario
    classes = _journey_classes(text)
    names = [j.name for j in scenario.journeys]
    assert [c["journey"] for c in classes.values()] == [
        n if names.count(n) == 1 else i for i, n in enumerate(names)
    ]
    assert all(name.isidentifier() for name in classes)


def test_class_names_are_identifiers_and_unique() -> None:
    taken: set[str] = set()
    names = [class_name(n, taken) for n in ["buyer", "Buyer", "1 class", "नाम", "for", "x\ny"]]
    assert names == [
        "BuyerUser",
        "BuyerUser2",
        "Journey1ClassUser",
        "JourneyUser",
        "ForUser",
        "XYUser",
    ]


def test_a_journey_of_weight_zero_gets_no_class() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "demo_mix.yaml")
    first = scenario.journeys[0]
    zeroed = dataclasses.replace(
        scenario, journeys=(dataclasses.replace(first, weight=0.0), *scenario.journeys[1:])
    )
    classes = _journey_classes(export_locustfile(zeroed))
    assert [c["journey"] for c in classes.values()] == [j.name for j in scenario.journeys[1:]]


def test_journeys_that_share_a_name_are_named_by_number() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "demo_mix.yaml")
    first, second, third = scenario.journeys
    twins = dataclasses.replace(
        scenario, journeys=(first, dataclasses.replace(second, name=first.name), third)
    )
    classes = _journey_classes(export_locustfile(twins))
    assert [c["journey"] for c in classes.values()] == [0, 1, "buyer"]


def test_user_weights_keep_the_proportions() -> None:
    assert user_weights([70.0, 20.0, 10.0]) == [70, 20, 10]
    assert user_weights([0.5, 1.25]) == [50, 125]


def test_bad_settings_are_refused() -> None:
    scenario = load_scenario(BUNDLED[0])
    with pytest.raises(ExportError, match="think scale"):
        export_locustfile(scenario, ExportSettings(think_scale=-1))
    with pytest.raises(ExportError, match="think scale"):
        bundle_locustfile(scenario, ExportSettings(think_scale=float("nan")))


def test_host_and_think_scale_are_written_as_settings() -> None:
    text = export_locustfile(
        load_scenario(BUNDLED[0]), ExportSettings(think_scale=0.0, host="http://localhost:9000")
    )
    base = next(
        n for n in ast.parse(text).body if isinstance(n, ast.ClassDef) and n.name == "ScenarioUser"
    )
    settings = {
        ast.unparse(s.targets[0]): ast.literal_eval(s.value)
        for s in base.body
        if isinstance(s, ast.Assign) and ast.unparse(s.targets[0]) != "scenario"
    }
    assert settings == {"abstract": True, "host": "http://localhost:9000", "think_scale": 0.0}


# -- the command ---------------------------------------------------------------


def test_command_writes_the_file_and_conf(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "lt" / "buyer.py"
    scenario = ROOT / "scenarios" / "buyer.yaml"
    code = main(["export-locust", str(scenario), "-o", str(out), "-u", "3", "-r", "2", "-t", "20s"])
    assert code == 0
    assert out.read_text(encoding="utf-8") == export_locustfile(load_scenario(scenario))
    conf = (tmp_path / "lt" / "locust.conf").read_text(encoding="utf-8")
    assert "users = 3\n" in conf and "spawn-rate = 2\n" in conf and "run-time = 20s\n" in conf
    assert "host = http://127.0.0.1:8787\n" in conf
    assert f"wrote {out}" in capsys.readouterr().out


def test_command_writes_the_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo.py"
    scenario = ROOT / "scenarios" / "demo_mix.yaml"
    assert main(["export-locust", str(scenario), "-o", str(out), "--bundle", "--no-conf"]) == 0
    assert out.read_text(encoding="utf-8") == bundle_locustfile(load_scenario(scenario))
    assert "(3 journey classes, bundled)" in capsys.readouterr().out
    assert not (tmp_path / "locust.conf").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["-o", "x.txt"], "must be a .py file"),
        (["-o", "x.py", "--host", "https://collector.example.invalid"], "must be this machine"),
        (["-o", "x.py", "--host", "ftp://127.0.0.1"], "not an http"),
        (["-o", "x.py", "-t", "soon"], "--run-time 'soon'"),
        (["-o", "x.py", "-u", "0"], "--users 0"),
        (["-o", "x.py", "--think-scale", "-2"], "think scale -2.0: must be 0 or more"),
    ],
)
def test_command_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    extra = [str(tmp_path / e) if e.startswith("x.") else e for e in extra]
    assert main(["export-locust", str(ROOT / "scenarios" / "buyer.yaml"), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not list(tmp_path.iterdir())


def test_command_reports_a_bad_scenario_where_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\njourneys: 3\n", encoding="utf-8")
    assert main(["export-locust", str(bad), "-o", str(tmp_path / "x.py")]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and err.count("\n") == 1


def test_command_keeps_a_foreign_locust_conf(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "locust.conf").write_text("host = http://127.0.0.1:9000\n", encoding="utf-8")
    assert (
        main(
            ["export-locust", str(ROOT / "scenarios" / "buyer.yaml"), "-o", str(tmp_path / "b.py")]
        )
        == 2
    )
    assert "not written by nitrox-sim" in capsys.readouterr().err
    assert (tmp_path / "locust.conf").read_text(
        encoding="utf-8"
    ) == "host = http://127.0.0.1:9000\n"
    assert (
        main(
            [
                "export-locust",
                str(ROOT / "scenarios" / "buyer.yaml"),
                "-o",
                str(tmp_path / "b.py"),
                "--no-conf",
            ]
        )
        == 0
    )
