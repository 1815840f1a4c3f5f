"""The exported locustfile: compiles, carries the scenario as exact data, stays up to date.

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
from simulator_app.exporter.inline import InlineError, check_clashes, inline_modules
from simulator_app.exporter.locustfile import (
    CORE_ROOTS,
    ExportError,
    ExportSettings,
    class_name,
    export_locustfile,
    locust_conf,
    scenario_data_of,
    user_weights,
)
from tests.core.scenario_strategies import scenarios

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted((ROOT / "scenarios").glob("*.yaml"))
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
            isinstance(b, ast.Name) and b.id == "NitroxVisitor" for b in node.bases
        ):
            attrs = {
                t.id: ast.literal_eval(stmt.value)
                for stmt in node.body
                if isinstance(stmt, ast.Assign)
                for t in stmt.targets
                if isinstance(t, ast.Name)
            }
            if "journey_name" in attrs:  # AllJourneys runs every journey
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
    assert [c["journey_name"] for c in classes.values()] == [j.name for j in scenario.journeys]
    assert [c["journey"] for c in classes.values()] == list(range(len(scenario.journeys)))
    weights = [c["weight"] for c in classes.values()]
    assert weights == user_weights([j.weight for j in scenario.journeys])
    assert "AllJourneys" in text and "t.makehook.ws" not in text


def test_demo_mix_classes_are_named_and_weighted_as_in_the_scenario() -> None:
    text = export_locustfile(load_scenario(ROOT / "scenarios" / "demo_mix.yaml"))
    classes = _journey_classes(text)
    assert {k: v["weight"] for k, v in classes.items()} == {
        "BrowserUser": 70,
        "CartAbandonerUser": 20,
        "BuyerUser": 10,
    }


def test_the_whole_engine_is_inlined_and_no_package_import_remains() -> None:
    text = export_locustfile(load_scenario(BUNDLED[0]))
    tree = ast.parse(text)
    imported = {
        (n.module if isinstance(n, ast.ImportFrom) else a.name).partition(".")[0]
        for n in ast.walk(tree)
        if isinstance(n, ast.Import | ast.ImportFrom)
        for a in n.names
    }
    assert imported <= {"__future__", "faker", "locust", "gevent"} | set(
        __import__("sys").stdlib_module_names
    )
    defined = {n.name for n in tree.body if isinstance(n, ast.ClassDef | ast.FunctionDef)}
    assert {
        "JourneyEngine",
        "Cart",
        "IdentityFactory",
        "judge_response",
        "scenario_from_dict",
    } <= defined
    assert text.count("from __future__ import annotations") == 1


def test_two_modules_defining_one_name_fail_the_export() -> None:
    check_clashes(
        [("a.py", {"random": ("import", "random")}), ("b.py", {"random": ("import", "random")})]
    )
    with pytest.raises(InlineError, match=r"b\.py and a\.py both define 'money'"):
        check_clashes(
            [("a.py", {"money": ("defined", "a.py")}), ("b.py", {"money": ("defined", "b.py")})]
        )
    with pytest.raises(InlineError, match="'uuid'"):
        check_clashes(
            [("a.py", {"uuid": ("import", "uuid")}), ("b.py", {"uuid": ("defined", "b.py")})]
        )
    modules = inline_modules(CORE_ROOTS)
    assert [m.relpath for m in modules][-2:] == [
        "simulator_app/core/journey.py",
        "simulator_app/core/safety.py",
    ]


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
    assert [c["journey_name"] for c in classes.values()] == [j.name for j in scenario.journeys]
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
    assert [c["journey_name"] for c in classes.values()] == [j.name for j in scenario.journeys[1:]]
    assert [c["journey"] for c in classes.values()] == [1, 2]


def test_user_weights_keep_the_proportions() -> None:
    assert user_weights([70.0, 20.0, 10.0]) == [70, 20, 10]
    assert user_weights([0.5, 1.25]) == [50, 125]


def test_bad_settings_are_refused() -> None:
    scenario = load_scenario(BUNDLED[0])
    with pytest.raises(ExportError, match="user class"):
        export_locustfile(scenario, ExportSettings(user_class="RawUser"))
    with pytest.raises(ExportError, match="think scale"):
        export_locustfile(scenario, ExportSettings(think_scale=-1))


def test_http_user_and_think_scale_are_written_as_settings() -> None:
    text = export_locustfile(
        load_scenario(BUNDLED[0]), ExportSettings(user_class="HttpUser", think_scale=0.0)
    )
    assert "USER_CLASS = 'HttpUser'" in text
    assert "DEFAULT_THINK_SCALE = 0.0" in text


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


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["-o", "x.txt"], "must be a .py file"),
        (["-o", "x.py", "--host", "https://collector.example.invalid"], "must be this machine"),
        (["-o", "x.py", "--host", "ftp://127.0.0.1"], "not an http"),
        (["-o", "x.py", "-t", "soon"], "--run-time 'soon'"),
        (["-o", "x.py", "-u", "0"], "--users 0"),
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
