"""``validate`` and ``run`` say, from the core's rule, when a valid setup guarantees bad verdicts."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator_app.cli import main
from simulator_app.core.scenario_file import load_scenario
from simulator_app.core.setup_warnings import setup_warnings
from tests.sender.conftest import write_scenario

FIXED_NITRO = "de8daa44-ac2e-4ba2-8e1c-987a06817353"


def fixed_nitro(folder: Path) -> Path:
    scenario = write_scenario(folder)
    text = scenario.read_text("utf-8")
    scenario.write_text(text.replace("ids:\n", f"ids:\n  nitro_id: {FIXED_NITRO}\n"), "utf-8")
    return scenario


def nitro_line(path: Path) -> int:
    lines = path.read_text("utf-8").splitlines()
    return next(i for i, x in enumerate(lines, 1) if x.strip().startswith("nitro_id:"))


def test_validate_prints_each_warning_with_file_line_and_field_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = fixed_nitro(tmp_path)
    warnings = setup_warnings(load_scenario(scenario))
    assert {w.code for w in warnings} == {"ID_CONFLICT", "CART_VALUE_MISMATCH"}
    assert main(["validate", str(scenario)]) == 0
    captured = capsys.readouterr()
    assert f"{scenario}: ok (" in captured.out
    shown = captured.err.splitlines()
    where = f"{scenario}:{nitro_line(scenario)}: warning: "
    assert shown == [where + w.line() for w in warnings]  # the core's words, one line each
    assert all("ids.nitro_id: " in x and x.endswith("]") for x in shown)
    # -q prints problems only, and a warning is one
    assert main(["validate", "-q", str(scenario)]) == 0
    assert capsys.readouterr().err.splitlines() == shown


def test_validate_says_nothing_more_of_a_setup_without_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(write_scenario(tmp_path))]) == 0
    assert "warning" not in capsys.readouterr().err


@pytest.mark.slow
def test_run_prints_the_warnings_once_before_sending(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = fixed_nitro(tmp_path)
    assert main(["run", str(scenario), "--think-scale", "0"]) == 0
    err = capsys.readouterr().err
    warnings = setup_warnings(load_scenario(scenario))
    for w in warnings:
        assert err.count(w.line()) == 1
    first = err.index("warning: ")
    assert first < err.index("seed ")  # before the run starts
    assert err.count("warning: ") == len(warnings)
