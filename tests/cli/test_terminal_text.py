"""Text from a scenario or a server never reaches the terminal as control codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator_app.cli import main
from simulator_app.cli._terminal import printable

HOSTILE = "\x1b]0;X\x07\x1b[2J"  # retitle the window, clear the screen

SCENARIO = """\
name: "NAME"
store:
  base_url: https://shop.example.com
  catalog:
    categories:
      - name: home
        products:
          - {id: 1, title: Mug, price: 12.00}
ids:
  org_id: 34a3f9a2-5057-431b-bd3f-aa9fdf9ff733
schedule: {visitors: 2, duration: 0, pattern: burst}
journeys:
  - name: "NAME"
    steps:
      - {type: view, page: /}
"""


def test_control_characters_are_written_as_escapes() -> None:
    assert printable(HOSTILE) == "\\x1b]0;X\\x07\\x1b[2J"
    assert printable("a\rb\x7fc\x9bd\u202eé") == "a\\x0db\\x7fc\\x9bd\\u202eé"
    assert printable("line\n\tप्रिया प्रसाद") == "line\n\tप्रिया प्रसाद"  # text stays text


def _yaml(text: str) -> str:
    return text.encode("unicode_escape").decode("ascii").replace('"', '\\"')


def test_validate_escapes_what_the_file_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO.replace("NAME", "x") + f'"{_yaml(HOSTILE)}": 1\n', encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err
    assert err == f"{path}:16: \\x1b]0;X\\x07\\x1b[2J: unknown field\n"


def test_run_escapes_names_in_its_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO.replace("NAME", _yaml(HOSTILE)), encoding="utf-8")
    assert main(["run", str(path), "--think-scale", "0"]) == 0
    out, err = capsys.readouterr()
    assert not any(c in out + err for c in "\x1b\x07")
    assert "\\x1b]0;X\\x07\\x1b[2J: 2" in out  # journeys completed: <name>: 2
