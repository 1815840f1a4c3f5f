"""Every input the CLI reads has its size cap, regular file or not, and a one-line error.

The inputs: the HAR of ``import-har`` and of ``run --replay``, and the scenario
file of ``validate``, ``run``, ``run --exact``, ``funnel`` and ``export-locust``
(all read through ``core.inputs.read_bounded``). Each is tried as a device
(``/dev/zero``: endless bytes), a FIFO nobody writes to, a FIFO fed past the
cap, and a sparse file far past it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator_app.cli import main
from simulator_app.core import scenario_file
from simulator_app.core.inputs import InputError, read_bounded
from simulator_app.core.recording import har_reader
from tests.conftest import SCENARIOS
from tests.har.helpers import CHROME

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")

# Every command that reads a HAR or a scenario: the input is the last argument.
HAR_COMMANDS = [["import-har"], ["run", "--replay"]]
SCENARIO_COMMANDS = [["validate"], ["run"], ["run", "--exact"], ["funnel"],
                     ["export-locust", "-o", "{tmp}/x.py"]]  # fmt: skip
COMMANDS = HAR_COMMANDS + SCENARIO_COMMANDS


def _args(command: list[str], tmp_path: Path, path: Path | str) -> list[str]:
    return [a.replace("{tmp}", str(tmp_path)) for a in command] + [str(path)]


def _one_line_error(capsys: pytest.CaptureFixture[str], code: int, where: str, what: str) -> None:
    err = capsys.readouterr().err
    assert code in (1, 2), err
    lines = [x for x in err.splitlines() if x.strip()]
    assert "Traceback" not in err
    assert len(lines) == 1, err
    assert where in lines[0] and what in lines[0], lines[0]


@pytest.fixture
def feeding(tmp_path: Path) -> Iterator[tuple[Path, threading.Event]]:
    """A FIFO whose writer sends ``b"x" * 64 KiB`` until the reader goes (or 64 MiB)."""
    fifo = tmp_path / "fed.fifo"
    os.mkfifo(fifo)
    stop = threading.Event()

    def write() -> None:
        try:
            with open(fifo, "wb") as out:
                for _ in range(1024):
                    if stop.is_set():
                        break
                    out.write(b"x" * 65536)
        except (BrokenPipeError, OSError):
            pass

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    yield fifo, stop
    stop.set()
    try:  # a reader that never opened it leaves the writer waiting: open it once to free it
        handle = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        os.close(handle)
    except OSError:
        pass
    writer.join(10)
    assert not writer.is_alive()


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_device_is_refused_in_one_line(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(_args(command, tmp_path, "/dev/zero"))
    _one_line_error(capsys, code, "/dev/zero", "is a device, not a")


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_fifo_fed_past_the_cap_is_read_only_to_the_cap(
    command: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    feeding: tuple[Path, threading.Event],
) -> None:
    monkeypatch.setattr(har_reader, "MAX_HAR_BYTES", 1 << 20)
    monkeypatch.setattr(scenario_file, "MAX_FILE_BYTES", 1 << 20)
    fifo, _ = feeding
    code = main(_args(command, tmp_path, fifo))
    _one_line_error(capsys, code, str(fifo), "is more than 1,048,576 bytes")


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_sparse_file_past_the_cap_is_refused_before_it_is_read(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = tmp_path / "huge.input"
    with huge.open("wb") as out:
        out.truncate(har_reader.MAX_HAR_BYTES + 1)  # past both caps, no disk used
    code = main(_args(command, tmp_path, huge))
    _one_line_error(capsys, code, str(huge), f"is {har_reader.MAX_HAR_BYTES + 1:,} bytes")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("command", [["import-har"], ["validate"]], ids=" ".join)
def test_a_fifo_nobody_writes_to_does_not_hang_the_command(
    command: list[str], tmp_path: Path
) -> None:
    fifo = tmp_path / "silent.fifo"
    os.mkfifo(fifo)
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from simulator_app.cli import main; "
         "sys.exit(main(sys.argv[1:]))", *command, str(fifo)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode in (1, 2), done.stderr
    assert "Traceback" not in done.stderr
    assert str(fifo) in done.stderr


def test_a_scenario_through_a_pipe_within_the_cap_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "scenario.fifo"
    os.mkfifo(fifo)
    text = (SCENARIOS / "buyer.yaml").read_bytes()

    def write() -> None:
        with open(fifo, "wb") as out:
            out.write(text)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    handle = os.open(fifo, os.O_RDONLY)  # the writer is there once this returns
    try:
        assert main(["validate", f"/dev/fd/{handle}"]) == 0, capsys.readouterr().err
    finally:
        os.close(handle)
        writer.join(10)


def test_read_bounded_reads_exactly_up_to_its_cap(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"y" * 1000)
    assert read_bounded(path, 1000) == b"y" * 1000
    with pytest.raises(InputError, match="is 1,000 bytes; a file has at most 999"):
        read_bounded(path, 999)
    with pytest.raises(InputError, match="is a directory, not a HAR file"):
        read_bounded(tmp_path, 10, "HAR file")
    with pytest.raises(FileNotFoundError):
        read_bounded(tmp_path / "missing", 10)


@pytest.mark.timeout(120)
def test_export_locust_does_not_read_a_fifo_or_device_named_locust_conf(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.mkfifo(tmp_path / "locust.conf")
    code = main(["export-locust", str(SCENARIOS / "buyer.yaml"), "-o", str(tmp_path / "x.py")])
    _one_line_error(capsys, code, "locust.conf", "was not written by nitrox-sim")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "locust.conf").symlink_to("/dev/zero")
    code = main(["export-locust", str(SCENARIOS / "buyer.yaml"), "-o", str(tmp_path / "d/x.py")])
    _one_line_error(capsys, code, "locust.conf", "was not written by nitrox-sim")


def test_a_har_of_millions_of_empty_objects_is_refused_before_it_is_parsed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(har_reader, "MAX_OBJECTS", 10_000)
    har = tmp_path / "many.har"
    har.write_text('{"log": {"entries": [' + ",".join(["{}"] * 10_001) + "]}}")
    code = main(["import-har", str(har)])
    _one_line_error(capsys, code, str(har), "holds 10,003 objects; at most 10,000 are read")


def test_unreadable_entries_are_counted_all_and_kept_few(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    har = tmp_path / "broken.har"
    entries = ["[]"] * 5000
    har.write_text('{"log": {"entries": [' + ",".join(entries) + "]}}")
    recording = har_reader.read_har_file(str(har))
    assert recording.problem_count == 5000
    assert len(recording.problems) == har_reader.MAX_PROBLEMS
    document = json.loads(CHROME.read_text(encoding="utf-8"))
    document["log"]["entries"] += [[]] * 5000
    har.write_text(json.dumps(document))
    assert main(["import-har", str(har)]) == 0
    assert "... and 4,980 more unreadable entries" in capsys.readouterr().err
