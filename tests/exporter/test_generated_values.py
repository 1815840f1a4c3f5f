"""Every value written into a generated Locust file is checked or encoded.

A control character in ``export-locust --host`` (or in any value of the
desktop app's export: users, spawn rate, run time, host) is a one-line
error and nothing is written: it never becomes a new line of settings in
locust.conf, and the URL checked is the URL written.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from simulator_app.core.scenario_file import load_scenario
from simulator_app.exporter.files import ConfSettings, write_export
from simulator_app.exporter.locustfile import (
    ExportError,
    ExportSettings,
    export_locustfile,
    locust_conf,
)

ROOT = Path(__file__).resolve().parents[2]
BUYER = ROOT / "scenarios" / "buyer.yaml"
# Every kind of character that ends or splits a line, or that urlsplit drops silently.
CONTROLS = ["\n", "\r", "\r\n", "\t", "\x0b", "\x0c", "\x00", "\x1f", "\x7f", "\x85", "\u2028", " "]
INJECTED = "allow-remote = true{c}host = http://192.0.2.1"


def export(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator_app", "export-locust", str(BUYER), "-o", "out.py", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


TEMPLATES = [
    "http://127.0.0.1:8787{c}" + INJECTED,
    "http://127.0.0.1:8787/{c}" + INJECTED,
    "http://local{c}host:8787",
    "http://127.0.0.1:8787{c}",
]


def _ids(chars: list[str]) -> list[str]:
    return [f"U+{ord(c[0]):04X}" for c in chars]


@pytest.mark.parametrize("char", CONTROLS, ids=_ids(CONTROLS))
@pytest.mark.parametrize("template", TEMPLATES)
def test_a_control_character_in_host_is_refused_before_anything_is_written(
    tmp_path: Path, char: str, template: str
) -> None:
    host = template.format(c=char)
    for bundle in (False, True):
        with pytest.raises(ExportError) as error:
            write_export(
                load_scenario(BUYER), tmp_path / "out.py", ExportSettings(host=host), bundle=bundle
            )
        assert "host" in str(error.value) and "\n" not in str(error.value)
        assert list(tmp_path.iterdir()) == []


ARGV = [c for c in CONTROLS if c != "\x00"]  # a NUL cannot be in a command line


@pytest.mark.parametrize("char", ARGV, ids=_ids(ARGV))
@pytest.mark.parametrize("template", TEMPLATES[:2])
def test_export_locust_host_with_a_control_character_is_one_line_and_writes_nothing(
    tmp_path: Path, char: str, template: str
) -> None:
    host = template.format(c=char)
    done = export(tmp_path, "--host", host)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nitrox-sim export-locust: error: --host"), lines
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("char", ["\n", "\r", "\u2028", " "])
def test_a_control_character_in_run_time_is_one_line_and_writes_nothing(
    tmp_path: Path, char: str
) -> None:
    done = export(tmp_path, "-t", f"1m{char}allow-remote = true")
    assert done.returncode != 0 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "--run-time" in done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("conf", "settings", "what"),
    [
        (ConfSettings(run_time="1m\nallow-remote = true"), ExportSettings(), "run time"),
        (ConfSettings(run_time="1m\n"), ExportSettings(), "run time"),
        (ConfSettings(users=True), ExportSettings(), "users"),
        (ConfSettings(spawn_rate=float("nan")), ExportSettings(), "spawn rate"),
        (
            ConfSettings(),
            ExportSettings(host="http://127.0.0.1:8787\nallow-remote = true"),
            "host",
        ),
        (ConfSettings(), ExportSettings(host="http://127.0.0.1:8787\t"), "host"),
    ],
)
@pytest.mark.parametrize("bundle", [False, True])
def test_the_app_export_checks_every_value_before_writing(
    tmp_path: Path, conf: ConfSettings, settings: ExportSettings, what: str, bundle: bool
) -> None:
    """write_export is the desktop app's path too: the same checks, nothing half-written."""
    with pytest.raises(ExportError) as error:
        write_export(load_scenario(BUYER), tmp_path / "out.py", settings, conf, bundle=bundle)
    assert what in str(error.value) and "\n" not in str(error.value)
    assert list(tmp_path.iterdir()) == []


def test_a_host_with_a_control_character_never_reaches_the_locustfile() -> None:
    with pytest.raises(ExportError, match="newline"):
        export_locustfile(load_scenario(BUYER), ExportSettings(host="http://127.0.0.1:1/\nx"))


def test_a_good_export_has_one_setting_per_line(tmp_path: Path) -> None:
    done = export(tmp_path, "--host", "http://[::1]:8788/base", "-t", "1h30m", "-u", "3")
    assert done.returncode == 0, done.stderr
    conf = (tmp_path / "locust.conf").read_text(encoding="utf-8")
    settings = [line for line in conf.splitlines() if not line.startswith("#")]
    assert settings == [
        "host = http://[::1]:8788/base",
        "users = 3",
        "spawn-rate = 5",
        "run-time = 1h30m",
        "headless = true",
    ]
    assert conf == locust_conf(3, 5.0, "1h30m", "http://[::1]:8788/base")


def test_a_space_inside_a_host_path_stays_out_of_locust_conf(tmp_path: Path) -> None:
    """`` #`` would start a comment in locust.conf: there the host holds no white space; the
    locustfile (a repr) and the runtime (percent-encoded) take it."""
    done = export(tmp_path, "--host", "http://127.0.0.1:8787/a #b")
    assert done.returncode != 0 and "locust.conf cannot hold (write it as %20)" in done.stderr
    assert list(tmp_path.iterdir()) == []
    done = export(tmp_path, "--host", "http://127.0.0.1:8787/a #b", "--no-conf")
    assert done.returncode == 0, done.stderr
    assert "host = 'http://127.0.0.1:8787/a #b'" in (tmp_path / "out.py").read_text("utf-8")
