"""The file's own options and thresholds, read and judged without Locust running."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from simulator_app.locust.options import (
    NitroxOptions,
    OptionError,
    add_options,
    host_problem,
    read_options,
)
from simulator_app.locust.thresholds import broken_thresholds, exit_code


def parse(*args: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_options(parser)  # type: ignore[arg-type]
    return parser.parse_args(list(args))


def test_the_pure_modules_import_no_locust() -> None:
    code = (
        "import sys, simulator_app.locust.pool, simulator_app.locust.options,"
        " simulator_app.locust.thresholds;"
        " print(sorted(m for m in sys.modules if m.split('.')[0] in ('locust', 'gevent')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"


def test_defaults_leave_the_file_in_charge() -> None:
    assert read_options(parse()) == NitroxOptions()
    assert read_options(None) == NitroxOptions()


def test_command_line_values_are_read() -> None:
    options = read_options(
        parse(
            *("--org-id", "0b6c1d56-3f43-4c5e-9a55-2f1f2a0f6a11", "--seed", "7"),
            *("--visitors", "20", "--think-scale", "0", "--max-fail-ratio", "0.01"),
            *("--max-p95-ms", "250", "--allow-remote"),
        )
    )
    assert options == NitroxOptions(
        org_id="0b6c1d56-3f43-4c5e-9a55-2f1f2a0f6a11",
        seed=7,
        visitors=20,
        think_scale=0.0,
        max_fail_ratio=0.01,
        max_p95_ms=250.0,
        allow_remote=True,
    )


def test_text_from_the_web_ui_or_a_master_is_read_as_numbers() -> None:
    namespace = argparse.Namespace(seed=" 9 ", visitors="", think_scale="0.5", allow_remote="true")
    assert read_options(namespace) == NitroxOptions(seed=9, think_scale=0.5, allow_remote=True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--org-id", "nope"], "--org-id 'nope': must be a UUID"),
        (["--seed", "1.5"], "--seed '1.5': not a whole number"),
        (["--visitors", "-1"], "--visitors -1: must be 0 (no limit) or more"),
        (["--think-scale", "-1"], "--think-scale -1.0: must be 0 or more"),
        (["--think-scale", "nan"], "--think-scale 'nan': must be a finite number"),
        (["--max-fail-ratio", "2"], "--max-fail-ratio 2.0: must be between 0 and 1"),
        (["--max-p95-ms", "fast"], "--max-p95-ms 'fast': not a number"),
    ],
)
def test_bad_values_are_one_line(args: list[str], message: str) -> None:
    with pytest.raises(OptionError) as caught:
        read_options(parse(*args))
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_only_this_machine_without_allow_remote() -> None:
    local = NitroxOptions()
    remote = NitroxOptions(allow_remote=True)
    assert host_problem("http://127.0.0.1:8787", local) is None
    assert host_problem("http://[::1]:8787/base", local) is None
    assert "not this machine; pass --allow-remote" in str(host_problem("http://192.0.2.1", local))
    assert host_problem("http://192.0.2.1", remote) is None
    assert "not an http" in str(host_problem("ftp://127.0.0.1", remote))
    assert "no target" in str(host_problem(None, local))


def test_allow_host_allows_that_name_only() -> None:
    options = read_options(parse("--allow-host", "Collector", "--allow-host", "sink"))
    assert options.allow_hosts == ("collector", "sink")
    assert host_problem("http://collector:8787", options) is None
    assert host_problem("http://sink", options) is None
    assert "not this machine" in str(host_problem("http://collector.evil:8787", options))
    assert "not this machine" in str(host_problem("http://192.0.2.1:8787", options))
    from_ui = read_options(argparse.Namespace(allow_host="collector, sink"))
    assert from_ui.allow_hosts == ("collector", "sink")


def test_thresholds_pass_fail_and_decide_the_exit_code() -> None:
    none = NitroxOptions()
    assert broken_thresholds(none, 0, 1.0, 9e9) == []
    assert exit_code(none, [], errors_in_code=False) is None
    ratio = NitroxOptions(max_fail_ratio=0.1)
    assert broken_thresholds(ratio, 100, 0.05, 10) == []
    assert exit_code(ratio, [], errors_in_code=False) == 0  # failures within the ratio pass
    assert exit_code(ratio, [], errors_in_code=True) is None  # the file's errors still count
    assert broken_thresholds(ratio, 100, 0.2, 10) == ["failure ratio 0.2000 > 0.1"]
    assert exit_code(ratio, ["x"], errors_in_code=False) == 1
    assert broken_thresholds(ratio, 0, 0.0, 0) == ["no request was made"]
    p95 = NitroxOptions(max_p95_ms=100)
    assert broken_thresholds(p95, 10, 0.5, 150) == ["p95 150 ms > 100 ms"]
    assert exit_code(p95, [], errors_in_code=False) is None  # failures: Locust's own rule
