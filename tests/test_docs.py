"""The docs stay true: every command they show is one a reader can type, and it works.

Commands are read from the fenced ``sh`` blocks of README.md and docs/*.md
(``text`` blocks are output) and from inline code that starts with
``nitrox-sim`` or ``.venv/bin/nitrox-sim``. Each ``nitrox-sim`` command is
parsed by the real argument parser; the quick ones (validate, schema,
funnel, export-locust, and runs without think times against the embedded
collector) are run, in a copy of the project's scenarios, with a time limit.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import io
import itertools
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from simulator_app.bench.docs_table import BEGIN, END, render, tables
from simulator_app.bench.docs_table import main as docs_table_main
from simulator_app.cli import build_parser
from simulator_app.cli import main as cli_main
from simulator_app.core.scenario_file import ScenarioError, parse_scenario

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_BLOCKS = {"sh", "bash", "shell", "console"}
NITROX = ("nitrox-sim", ".venv/bin/nitrox-sim")
# What a shell line may start with: the project's venv, or tools a fresh machine has or installs.
TYPABLE = (".venv/bin/", "python3", "curl", "docker", "kubectl", "sudo", "brew", "mkdir", "echo")
OPERATORS = {"&&", "||", "|", ";", "&"}
FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w-]*)")
INLINE = re.compile(r"(?<!`)`([^`]+)`(?!`)")
PRINTED = re.compile(r"^\S*nitrox-sim [\w-]+:")  # `nitrox-sim run: error: ...` is output
BLOCK_KINDS = {*SHELL_BLOCKS, "text", "yaml", "json", "python"}
ENV_ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=")
QUICK = {"validate", "schema", "funnel", "export-locust", "run"}
RUN_LIMIT_S = 120


@dataclass(frozen=True)
class Command:
    """One simple command as a page shows it: where, and its words."""

    page: Path
    line: int
    words: tuple[str, ...]
    in_shell_block: bool

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}: {shlex.join(self.words)}"

    def __str__(self) -> str:
        return self.where

    @property
    def is_nitrox(self) -> bool:
        return bool(self.words) and self.words[0] in NITROX


def _split(text: str) -> list[list[str]]:
    """The simple commands of one shell line: words, without env assignments or ``time``."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    commands: list[list[str]] = [[]]
    for token in lexer:
        if token in OPERATORS:
            commands.append([])
        else:
            commands[-1].append(token)
    out = []
    for words in commands:
        while words and (ENV_ASSIGNMENT.match(words[0]) or words[0] == "time"):
            words = words[1:]
        if words:
            out.append(words)
    return out


def _shell_lines(lines: list[str], start: int) -> list[tuple[int, str]]:
    """A block's lines joined at trailing backslashes, each with its first line number."""
    joined: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for offset, line in enumerate(lines):
        number = start + offset
        if pending is not None:
            number, line = pending[0], pending[1] + " " + line.strip()
            pending = None
        if line.rstrip().endswith("\\"):
            pending = (number, line.rstrip()[:-1])
            continue
        joined.append((number, line))
    if pending is not None:
        joined.append(pending)
    return joined


@dataclass(frozen=True)
class Block:
    """A fenced code block: its info string, first line number and lines."""

    page: Path
    info: str
    line: int
    lines: tuple[str, ...]


def blocks_and_prose(page: Path) -> tuple[list[Block], list[tuple[int, str]]]:
    """A page's fenced blocks, and its paragraphs outside them (first line number, text)."""
    blocks: list[Block] = []
    paragraphs: list[tuple[int, str]] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    fence: str | None = None
    info, body, start = "", list[str](), 0
    paragraph: list[tuple[int, str]] = []

    def end_paragraph() -> None:
        if paragraph:
            paragraphs.append((paragraph[0][0], "\n".join(text for _, text in paragraph)))
            paragraph.clear()

    for number, line in enumerate(lines, start=1):
        match = FENCE.match(line)
        if fence is None and match:
            end_paragraph()
            fence, info, body, start = match.group(2), match.group(3), [], number + 1
        elif fence is not None:
            if line.strip().startswith(fence):
                blocks.append(Block(page, info, start, tuple(body)))
                fence = None
            else:
                body.append(line)
        elif line.strip():
            paragraph.append((number, line))
        else:
            end_paragraph()
    end_paragraph()
    assert fence is None, f"{page.relative_to(ROOT)}:{start - 1}: a code block is not closed"
    return blocks, paragraphs


def commands_of(page: Path) -> list[Command]:
    """Every command of a page: sh blocks line by line, and inline nitrox-sim code."""
    found: list[Command] = []
    blocks, paragraphs = blocks_and_prose(page)
    for block in blocks:
        if block.info in SHELL_BLOCKS:
            for start, text in _shell_lines(list(block.lines), block.line):
                found += [Command(page, start, tuple(w), True) for w in _split(text)]
    for first, text in paragraphs:
        for match in INLINE.finditer(text):
            span = " ".join(match.group(1).split())
            if span.split(" ", 1)[0] in NITROX and not PRINTED.match(span):
                number = first + text.count("\n", 0, match.start())
                found += [Command(page, number, tuple(w), False) for w in _split(span)]
    return found


ALL = [command for page in PAGES for command in commands_of(page)]
NITROX_COMMANDS = [c for c in ALL if c.is_nitrox]


def _parse(words: tuple[str, ...]) -> str | None:
    """None when the real parser takes ``words`` (after the program name), else its error."""
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            build_parser().parse_args(list(words[1:]))
    except SystemExit as exc:
        if exc.code == 0 and ("-h" in words or "--help" in words):
            return None
        return err.getvalue().strip() or f"exit {exc.code}"
    return None


def _is_name_only(command: Command) -> bool:
    """Inline `nitrox-sim run` names a command in prose; it need not be complete."""
    return not command.in_shell_block and len(command.words) <= 2


def _quick(command: Command) -> bool:
    words = command.words
    if not command.in_shell_block or len(words) < 2 or words[1] not in QUICK:
        return False
    if words[1] != "run":
        return True
    # a run is quick when it waits for nothing and sends to the embedded collector
    no_wait = "--think-scale" in words and words[words.index("--think-scale") + 1] == "0"
    return no_wait and "--target" not in words and "--yes" not in words


def test_the_pages_have_commands() -> None:
    """The extraction finds what the README shows (so the tests below check something)."""
    readme = [c for c in NITROX_COMMANDS if c.page.name == "README.md"]
    assert {c.words[1] for c in readme if len(c.words) > 1} >= {
        "gui",
        "run",
        "validate",
        "funnel",
        "collector",
        "export-locust",
        "bench",
        "schema",
    }
    assert [c for c in NITROX_COMMANDS if _quick(c) and c.words[1] == "run"]


def test_every_shell_line_can_be_typed_as_written() -> None:
    """No bare nitrox-sim, locust, python or pytest: they are not found without the venv."""
    wrong = [
        c.where for c in ALL if c.in_shell_block and c.words and not c.words[0].startswith(TYPABLE)
    ]
    assert not wrong, "commands a fresh shell cannot find (write .venv/bin/...):\n" + "\n".join(
        wrong
    )


def test_every_nitrox_sim_command_parses() -> None:
    problems = []
    for command in NITROX_COMMANDS:
        if _is_name_only(command):
            if len(command.words) == 2 and _parse((*command.words, "--help")) is not None:
                problems.append(f"{command.where}: no such command")
            continue
        error = _parse(command.words)
        if error is not None:
            problems.append(f"{command.where}: {error}")
    assert not problems, "\n".join(problems)


def test_every_code_block_says_what_it_is() -> None:
    """An unmarked block would escape the checks: say sh for commands, text for output."""
    unmarked = [
        f"{block.page.relative_to(ROOT)}:{block.line - 1}: ```{block.info}"
        for page in PAGES
        for block in blocks_and_prose(page)[0]
        if block.info not in BLOCK_KINDS
    ]
    assert not unmarked, "blocks of no known kind:\n" + "\n".join(unmarked)


def test_every_scenario_example_is_valid() -> None:
    examples = [
        block
        for page in PAGES
        for block in blocks_and_prose(page)[0]
        if block.info == "yaml" and any(line.startswith("journeys:") for line in block.lines)
    ]
    assert examples, "docs/scenarios.md shows a whole scenario"
    for block in examples:
        where = f"{block.page.relative_to(ROOT)}:{block.line}"
        try:
            parse_scenario("\n".join(block.lines), file=where)
        except ScenarioError as exc:
            pytest.fail(f"{where}: the example is not a valid scenario: {exc}")


def test_the_bench_figures_are_those_of_the_saved_run() -> None:
    """docs/performance.md's tables are what docs_table makes of docs/bench.json."""
    page = ROOT / "docs" / "performance.md"
    wanted = render(ROOT / "docs" / "bench.json", page)
    assert page.read_text(encoding="utf-8") == wanted, (
        "rerun: .venv/bin/python -m simulator_app.bench.docs_table docs/bench.json"
        " docs/performance.md"
    )


def test_the_parse_check_can_fail() -> None:
    assert _parse(("nitrox-sim", "run", "scenarios/demo_mix.yaml", "--no-such-flag")) is not None
    assert _parse(("nitrox-sim", "collector", "--port", "8787")) is None


def _once(commands: Iterable[Command]) -> list[Command]:
    """The first of each command the pages show more than once."""
    seen: dict[tuple[str, ...], Command] = {}
    for command in commands:
        seen.setdefault(command.words, command)
    return list(seen.values())


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder laid out like the project for the files the commands read and write."""
    folder = tmp_path_factory.mktemp("docs")
    for name in ("scenarios", "loadtests"):
        shutil.copytree(ROOT / name, folder / name)
    return folder


def _program() -> list[str]:
    script = Path(sys.executable).parent / "nitrox-sim"
    return [str(script)] if script.exists() else [sys.executable, "-m", "simulator_app"]


@pytest.mark.slow
@pytest.mark.timeout(RUN_LIMIT_S * 2)
@pytest.mark.parametrize("command", _once(c for c in NITROX_COMMANDS if _quick(c)), ids=str)
def test_the_quick_commands_run(command: Command, sandbox: Path) -> None:
    args: list[str] = []
    for word in command.words[1:]:
        matches = sorted(glob.glob(word, root_dir=sandbox)) if glob.has_magic(word) else []
        args += matches or [word]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [*_program(), *args],
        cwd=sandbox,
        capture_output=True,
        text=True,
        timeout=RUN_LIMIT_S,
        env=env,
        check=False,
    )
    assert done.returncode == 0, f"{command.where}: exit {done.returncode}\n{done.stderr[-2000:]}"


def test_the_figures_table_reads_what_a_bench_json_has() -> None:
    """Missing figures, unknown keys, nulls and no goals: a table, never a traceback."""
    document = {
        "bare_server_rps": 1234.5,
        "sender_rps_c10": None,
        "new_figure_rps": 99.0,
        "gui_max_stall_ms": 12.34,
        "ratios": {"sender_c10_vs_bare_server": None},
        "goals": {
            "sender_c10_vs_bare_server": {"label": "sender c10 / bare server", "target": ">= 0.70"},
            "gui_stall": {"label": "GUI longest stall", "target": "< 50 ms", "result": "PASS"},
        },
        "notes": {"sender_rps_c10": "too many open files"},
        "settings": {"quick": True, "seconds": 4, "rounds": 1},
        "references": {
            "server_c200_vs_c10": {"label": "wrk c200 / c10 (worst round)", "value": 0.8123},
            "sender_c200_vs_wrk_c200": {"label": "sender c200 / wrk c200", "value": None},
        },
    }
    text = tables(document)
    assert (
        "| bare server (uvicorn + raw ASGI) under wrk | `bare_server_rps` | 1,234 req/s |" in text
    )
    assert "| nitrox-sim run's sender, concurrency 10 | `sender_rps_c10` | not measured |" in text
    assert "| new_figure_rps | `new_figure_rps` | 99 req/s |" in text
    assert "| sender c10 / bare server | - | >= 0.70 | not measured |" in text
    assert "| GUI longest stall | 12.3 ms | < 50 ms | PASS |" in text
    assert "| wrk against the sink (no goal) | measured |" in text
    assert "| wrk c200 / c10 (worst round) | 0.81 |" in text
    assert "sender c200 / wrk c200" not in text  # not measured: not shown
    assert "- `sender_rps_c10`: too many open files" in text
    assert "(`--quick`; 4 s per measurement; best of 1)" in text
    assert "sender_rps_c5000" not in text  # not in the file: not shown
    assert tables({}).startswith("From [`bench.json`](bench.json):")
    stolen = tables({"settings": {"quick": False}, "steal_share": 0.123})
    assert stolen.startswith("From [`bench.json`](bench.json) (full; the host took 12% of the CPU")


def test_the_figures_command_writes_checks_and_refuses(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(f"# Figures\n\n{BEGIN}\nold\n{END}\n\nafter\n", encoding="utf-8")
    saved = tmp_path / "bench.json"
    saved.write_text('{"exported_rps": 3000}', encoding="utf-8")
    assert docs_table_main(["--check", str(saved), str(page)]) == 1
    assert docs_table_main([str(saved), str(page)]) == 0
    assert "| `exported_rps` | 3,000 req/s |" in page.read_text(encoding="utf-8")
    assert page.read_text(encoding="utf-8").endswith(f"{END}\n\nafter\n")
    assert docs_table_main(["--check", str(saved), str(page)]) == 0
    saved.write_text("[1, 2]", encoding="utf-8")
    assert docs_table_main([str(saved), str(page)]) == 2
    (tmp_path / "plain.md").write_text("no markers\n", encoding="utf-8")
    saved.write_text("{}", encoding="utf-8")
    assert docs_table_main([str(saved), str(tmp_path / "plain.md")]) == 2


def test_export_locust_says_to_start_the_collector_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The printed hint starts what the file targets before Locust sends to it."""
    out = tmp_path / "demo.py"
    assert (
        cli_main(["export-locust", str(ROOT / "scenarios" / "demo_mix.yaml"), "-o", str(out)]) == 0
    )
    lines = capsys.readouterr().out.splitlines()
    first = next(line for line in lines if line.startswith("start the collector first"))
    then = next(line for line in lines if line.startswith("then run it:"))
    assert lines.index(first) < lines.index(then)
    command = first.split(": ", 1)[1].split()
    assert command[0].endswith("nitrox-sim") and command[1:] == ["collector", "--port", "8787"]
    assert _parse(("nitrox-sim", *command[1:])) is None
    assert then.split(": ", 1)[1].split()[0].endswith("locust")


def _help_examples() -> list[tuple[str, tuple[str, ...]]]:
    """The ``nitrox-sim ...`` example lines of every --help (the text after 2+ spaces is a note)."""
    parser = build_parser()
    texts = [("nitrox-sim", parser.epilog or "")]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            texts += [(name, sub.epilog or "") for name, sub in action.choices.items()]
    found = []
    for name, text in texts:
        for line in text.splitlines():
            example = re.split(r"\s{2,}", line.strip())[0]
            if example.startswith("nitrox-sim "):
                found += [(f"{name} --help: {example}", tuple(w)) for w in _split(example)]
    return found


def test_every_help_example_parses() -> None:
    examples = _help_examples()
    assert len({words[1] for _, words in examples if words[0] == "nitrox-sim"}) >= 8
    problems = [
        f"{where}: {error}"
        for where, words in examples
        if words[0] == "nitrox-sim" and (error := _parse(words)) is not None
    ]
    assert not problems, "\n".join(problems)


OUTPUT_FLAGS = {"-o", "--report", "--har", "--log", "--json", "--html", "--csv"}


def _outputs(words: Iterable[str]) -> list[str]:
    """The files a command writes (the word after an output flag), placeholders left out."""
    words = list(words)
    named = [after for flag, after in itertools.pairwise(words) if flag in OUTPUT_FLAGS]
    return [w for w in named if w != "-" and not re.search(r"\b(FILE|X)\b", w)]


def test_every_file_the_examples_write_is_tracked_or_ignored() -> None:
    """Trying the docs' and --help's examples leaves ``git status`` clean of their outputs."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    commands = [(c.where, c.words) for c in ALL] + _help_examples()
    written = {path: where for where, words in commands for path in _outputs(words)}
    assert {"run.html", "run.har", "scenarios/session.yaml"} <= written.keys()
    loose = []
    for path, where in sorted(written.items()):
        ignored = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT, check=False)
        tracked = subprocess.run(
            ["git", "ls-files", "--error-unmatch", path], cwd=ROOT, capture_output=True, check=False
        )
        if ignored.returncode != 0 and tracked.returncode != 0:
            loose.append(f"{path} (written by {where})")
    assert not loose, "neither tracked nor in .gitignore:\n" + "\n".join(loose)
