"""Every file the command line writes: never a trap, never an input, never silently short.

- an output that exists and is not a regular file (FIFO, device, folder,
  socket, a link to one) is refused in one line before anything is sent, and
  is still there afterwards; a link to a regular file is written through
  (the link stays, its target gets the text);
- an output that is the scenario, the recording replayed or another output
  of the same run (by inode: hard links, links, ``./x``) is refused before
  anything is sent, and the input keeps its bytes;
- a write that fails on a real full disk keeps the summary, names the file
  and what it lacks in one line, and exits 1 (never 70).
"""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from simulator_app.cli import main
from simulator_app.collector import EmbeddedCollector
from simulator_app.core.atomic import write_atomically
from simulator_app.core.outputs import OutputError
from tests.full_disk import fill, small_disk

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "buyer.yaml"
RUN_OUTPUTS = ("--log", "--har", "--report")


@pytest.fixture
def collector() -> Iterator[EmbeddedCollector]:
    """A target whose counts say whether anything was sent."""
    with EmbeddedCollector() as running:
        yield running


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["run", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    return code, out, err


def quick(scenario: Path | str, target: str, *more: str) -> list[str]:
    return [str(scenario), "--visitors", "3", "--think-scale", "0", "--target", target, *more]


def make_fifo(path: Path) -> None:
    os.mkfifo(path)


def make_folder(path: Path) -> None:
    path.mkdir()


def make_socket(path: Path) -> None:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()  # the socket file stays


def make_device(path: Path) -> None:
    if os.geteuid() == 0:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a /dev/null of our own
    else:
        path.symlink_to("/dev/null")


def make_link_to_fifo(path: Path) -> None:
    target = path.parent / f"{path.name}.fifo"
    os.mkfifo(target)
    path.symlink_to(target)


def make_dangling_link(path: Path) -> None:
    path.symlink_to(path.parent / "no-such-folder" / "x")


SPECIAL: dict[str, Callable[[Path], None]] = {
    "fifo": make_fifo,
    "folder": make_folder,
    "socket": make_socket,
    "device": make_device,
    "link to a fifo": make_link_to_fifo,
    "link to nowhere": make_dangling_link,
}


def kind(path: Path) -> int:
    return stat.S_IFMT(os.lstat(path).st_mode)


@pytest.mark.parametrize("option", RUN_OUTPUTS)
@pytest.mark.parametrize("special", list(SPECIAL))
def test_an_output_that_is_not_a_regular_file_is_refused_before_anything_is_sent(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    collector: EmbeddedCollector,
    option: str,
    special: str,
) -> None:
    path = tmp_path / "out"
    SPECIAL[special](path)
    before = kind(path)
    code, out, err = run(capsys, *quick(SCENARIO, collector.url, option, str(path)))
    assert code == 2, (out, err)
    assert err.count("\n") == 1 and option in err and str(path) in err, err
    assert "not a regular file" in err or "points nowhere" in err, err
    assert collector.summary()["total"] == 0  # nothing was sent
    assert kind(path) == before  # still the FIFO, folder, device, socket or link it was


@pytest.mark.parametrize("option", RUN_OUTPUTS)
def test_a_link_to_a_regular_file_is_written_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], collector: EmbeddedCollector, option: str
) -> None:
    target = tmp_path / "real" / "file.out"
    target.parent.mkdir()
    target.write_text("old", "utf-8")
    link = tmp_path / "link.out"
    link.symlink_to(target)
    code, _, err = run(capsys, *quick(SCENARIO, collector.url, option, str(link)))
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(target)  # the link is kept
    text = target.read_text("utf-8")
    assert text != "old" and len(text) > 100  # and its target holds the output
    assert [p.name for p in target.parent.iterdir()] == ["file.out"]  # no temporary left


def same_as(original: Path, how: str) -> Path:
    """Another name for ``original``'s file."""
    if how == "same string":
        return original
    if how == "./ and ..":
        return original.parent / "." / ".." / original.parent.name / original.name
    if how == "hard link":
        other = original.parent / "hard"
        os.link(original, other)
        return other
    other = original.parent / "soft"
    other.symlink_to(original)
    return other


HOW = ["same string", "./ and ..", "hard link", "symlink"]


@pytest.mark.parametrize("option", RUN_OUTPUTS)
@pytest.mark.parametrize("how", HOW)
def test_an_output_that_is_the_scenario_is_refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    collector: EmbeddedCollector,
    option: str,
    how: str,
) -> None:
    scenario = tmp_path / "mine.yaml"
    scenario.write_bytes(SCENARIO.read_bytes())
    output = same_as(scenario, how)
    code, _, err = run(capsys, *quick(scenario, collector.url, option, str(output)))
    assert code == 2 and err.count("\n") == 1 and "is the scenario" in err, err
    assert scenario.read_bytes() == SCENARIO.read_bytes()
    assert collector.summary()["total"] == 0


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("pair", [("--log", "--har"), ("--har", "--report"), ("--log", "--report")])
def test_two_outputs_of_one_run_cannot_be_one_file(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    collector: EmbeddedCollector,
    how: str,
    pair: tuple[str, str],
) -> None:
    first = tmp_path / "out.txt"
    first.write_text("kept", "utf-8")
    second = same_as(first, how)
    args = quick(SCENARIO, collector.url, pair[0], str(first), pair[1], str(second))
    code, _, err = run(capsys, *args)
    assert code == 2 and err.count("\n") == 1 and "give each its own file" in err, err
    assert collector.summary()["total"] == 0
    assert first.read_text("utf-8") == "kept"


@pytest.mark.parametrize("option", RUN_OUTPUTS)
def test_an_output_that_is_the_recording_replayed_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], collector: EmbeddedCollector, option: str
) -> None:
    har = tmp_path / "session.har"
    code, _, err = run(capsys, *quick(SCENARIO, collector.url, "--har", str(har)))
    assert code == 0, err
    recorded = har.read_bytes()
    sent = collector.summary()["total"]
    link = tmp_path / "again.har"
    os.link(har, link)
    args = [
        "--replay",
        str(har),
        "--think-scale",
        "0",
        "--target",
        collector.url,
        option,
        str(link),
    ]
    code, _, err = run(capsys, *args)
    assert code == 2 and "is the recording replayed" in err.splitlines()[-1], err
    assert har.read_bytes() == recorded
    assert collector.summary()["total"] == sent


@pytest.mark.parametrize("option", RUN_OUTPUTS)
def test_an_output_in_a_missing_folder_is_refused_before_anything_is_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], collector: EmbeddedCollector, option: str
) -> None:
    path = tmp_path / "missing" / "out"
    code, _, err = run(capsys, *quick(SCENARIO, collector.url, option, str(path)))
    assert code == 2 and err.count("\n") == 1 and "no folder" in err, err
    assert collector.summary()["total"] == 0


# -- a real full disk ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "lacks"),
    [
        ("--log", "requests whole"),
        ("--har", "not a valid HAR file"),
        ("--report", "no report was written"),
    ],
)
@pytest.mark.parametrize("free_kib", [0, 8])
def test_a_full_disk_keeps_the_summary_names_the_file_and_exits_1(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    option: str,
    lacks: str,
    free_kib: int,
) -> None:
    with small_disk(tmp_path / "disk", 256) as disk:
        output = disk / "out"
        fill(disk, leave=free_kib * 1024)
        args = [str(SCENARIO), "--visitors", "30", "--think-scale", "0", option, str(output)]
        code, out, err = run(capsys, *args)
    assert code == 1, (out, err)
    assert out.startswith("run finished"), out  # the summary is kept
    assert "collector:" in out
    lines = [line for line in err.splitlines() if "error:" in line]
    assert len(lines) == 1, err
    assert option in lines[0] and str(output) in lines[0] and lacks in lines[0], lines
    assert "No space left on device" in lines[0]


def test_every_output_on_a_full_disk_is_named_and_the_summary_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with small_disk(tmp_path / "disk", 256) as disk:
        fill(disk)
        outputs = [a for o in RUN_OUTPUTS for a in (o, str(disk / o.strip("-")))]
        code, out, err = run(
            capsys, str(SCENARIO), "--visitors", "5", "--think-scale", "0", *outputs
        )
    assert code == 1 and out.startswith("run finished")
    errors = [line for line in err.splitlines() if "error:" in line]
    assert [line.split("error: ")[1].split(":")[0] for line in errors] == list(RUN_OUTPUTS)


# -- the other commands' outputs, and the atomic write -------------------------------


@pytest.mark.parametrize("special", list(SPECIAL))
def test_the_atomic_write_never_replaces_what_is_not_a_regular_file(
    tmp_path: Path, special: str
) -> None:
    path = tmp_path / "out"
    SPECIAL[special](path)
    before = kind(path)
    with pytest.raises(OutputError) as caught:
        write_atomically(path, "text")
    assert "\n" not in str(caught.value)
    assert kind(path) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_the_atomic_write_replaces_a_links_target_and_keeps_the_link(tmp_path: Path) -> None:
    target = tmp_path / "target.yaml"
    target.write_text("old", "utf-8")
    link = tmp_path / "link.yaml"
    link.symlink_to(target)
    write_atomically(link, "new")
    assert link.is_symlink() and target.read_text("utf-8") == "new"


@pytest.mark.parametrize("special", ["fifo", "folder", "device", "link to a fifo"])
def test_the_other_commands_refuse_the_same_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], special: str
) -> None:
    har = tmp_path / "session.har"
    assert (
        main(["run", str(SCENARIO), "--visitors", "2", "--think-scale", "0", "--har", str(har)])
        == 0
    )
    commands = {
        "schema": lambda out: ["schema", "-o", out],
        "import-har": lambda out: ["import-har", str(har), "-o", out],
        "export-locust": lambda out: ["export-locust", str(SCENARIO), "-o", out, "--no-conf"],
    }
    for name, arguments in commands.items():
        path = tmp_path / f"{name}.py"
        SPECIAL[special](path)
        before = kind(path)
        capsys.readouterr()
        code = main(arguments(str(path)))
        err = capsys.readouterr().err
        assert code in (1, 2), (name, err)
        assert "Traceback" not in err and "internal error" not in err, (name, err)
        error_lines = [line for line in err.splitlines() if "error" in line]
        assert len(error_lines) == 1 and str(path) in error_lines[0], (name, err)
        assert kind(path) == before, name


def test_import_har_will_not_write_over_the_recording(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    har = tmp_path / "session.har"
    assert (
        main(["run", str(SCENARIO), "--visitors", "2", "--think-scale", "0", "--har", str(har)])
        == 0
    )
    recorded = har.read_bytes()
    for output in (har, same_as(har, "hard link")):
        capsys.readouterr()
        assert main(["import-har", str(har), "-o", str(output)]) == 2
        assert "is the recording" in capsys.readouterr().err
        assert har.read_bytes() == recorded
