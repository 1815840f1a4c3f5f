"""A value written into a generated YAML file stays one value on its own line.

The writer is ``scenario_file.dump_document`` (the app's save, import-har's
output); the import also writes the HAR file's name into its first comment.
A control character, a lone CR, U+0085, U+2028 or a bidi override in a value
or a name must never start a line of its own or a new key, for any reader:
ruamel.yaml, and anything that splits lines as Python's ``str.splitlines`` does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ruamel.yaml.comments import CommentedMap

from simulator_app.core.recording.har_reader import read_har_file
from simulator_app.core.recording.importer import import_recording
from simulator_app.core.scenario_file import dump_document, load_scenario, parse_document
from tests.har.helpers import CHROME, run_cli

BREAKERS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\x00\x1b\x7f\u202e\u200b\ufeff\xad\xa0"
hostile = st.text(st.sampled_from([*BREAKERS, "a", ":", "-", "#", " ", "'", '"', "{"]), max_size=12)


def _one_line_each(text: str) -> None:
    assert len(text.splitlines()) == text.count("\n"), repr(text)
    assert all(line.isprintable() for line in text.split("\n")), repr(text)


@given(st.dictionaries(hostile, st.one_of(hostile, st.lists(hostile, max_size=3)), max_size=4))
def test_any_text_is_written_as_one_escaped_value(data: dict[str, object]) -> None:
    document = CommentedMap({"name": "x", **{"k" + key: value for key, value in data.items()}})
    text = dump_document(document)
    _one_line_each(text)
    assert parse_document(text, "s.yaml") == document


def test_a_value_stays_readable_when_it_needs_no_escape() -> None:
    text = dump_document(CommentedMap({"name": "अनन्या शर्मा", "title": "Café"}))
    assert text == "name: अनन्या शर्मा\ntitle: Café\n"


@pytest.mark.parametrize("breaker", ["\r", "\u2028", "\x85", "\r\n"])
def test_import_har_writes_hostile_names_and_texts_as_values(
    breaker: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(CHROME.read_text(encoding="utf-8"))
    escaped = json.dumps(breaker)[1:-1]  # as a JSON body carries it
    for entry in document["log"]["entries"]:
        post = entry["request"].get("postData")
        if isinstance(post, dict) and post.get("text"):
            body = post["text"].replace("Fashion", f"Fashion{escaped}allow_remote: true")
            post["text"] = body.replace("Silk Scarf", f"Silk{escaped}- injected: 1")
    har = tmp_path / f"s{breaker}name: injected.har"
    har.write_text(json.dumps(document), encoding="utf-8")
    out = tmp_path / "s.yaml"
    code, _, err = run_cli(capsys, "import-har", str(har), "-o", str(out))
    assert code == 0, err
    text = out.read_text(encoding="utf-8")
    _one_line_each(text)
    loaded = load_scenario(out)  # no new key: the file still validates
    assert loaded == import_recording(read_har_file(str(har))).scenario
    assert loaded.store.catalog is not None
    assert loaded.store.catalog.categories[0].name == f"Fashion{breaker}allow_remote: true"
