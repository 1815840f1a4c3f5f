"""Every command's argument mistakes: one line that says what and where, exit 2, no usage dump."""

from __future__ import annotations

import pytest

from simulator_app.cli import main


@pytest.mark.parametrize(
    ("argv", "first_words", "what"),
    [
        (
            ["export-locust", "s.yaml", "-o", "x.py", "--users", "abc"],
            "nitrox-sim export-locust",
            "--users: invalid int value: 'abc'",
        ),
        (
            ["export-locust", "s.yaml", "-o", "x.py", "--think-scale", "Nope"],
            "nitrox-sim export-locust",
            "--think-scale: invalid float value: 'Nope'",
        ),
        (
            ["collector", "--error-rate", "3"],
            "nitrox-sim collector",
            "--error-rate: 3 is not between 0 and 1",
        ),
        (["validate"], "nitrox-sim validate", "the following arguments are required: FILE"),
        (["run", "s.yaml", "--bogus"], "nitrox-sim", "unrecognized arguments: --bogus"),
        (["nope"], "nitrox-sim", "invalid choice: 'nope'"),
    ],
)
def test_argument_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], first_words: str, what: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith(f"{first_words}: error: ")
    assert what in err
    assert err.rstrip().endswith("--help)")  # and how to see the options


def test_every_command_teaches_with_examples(capsys: pytest.CaptureFixture[str]) -> None:
    from simulator_app.cli import _commands

    for module in _commands():
        with pytest.raises(SystemExit):
            main([module.COMMAND, "--help"])
        out = capsys.readouterr().out
        assert "examples:\n  nitrox-sim " + module.COMMAND in out, module.COMMAND
