"""Fuzzing scenario files: whatever the text, the validator answers with problems, never a crash.

Three shapes of input: random text from YAML's own punctuation, a valid file
with one value replaced by anything YAML can say (aliases, huge or special
numbers, dates, nested lists, odd keys), and a valid file cut anywhere.
Each must end in a valid scenario or a :class:`ScenarioError` whose every
problem is one line; nothing else may escape.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator_app.core.scenario_file import ScenarioError, parse_scenario

VALID = """\
name: Test
store:
  base_url: https://shop.example.com
  catalog:
    categories:
      - name: fashion
        products:
          - {id: 1, title: Scarf, price: 18.50}
ids:
  org_id: 34a3f9a2-5057-431b-bd3f-aa9fdf9ff733
schedule: {visitors: 10, duration: 5}
journeys:
  - name: buyer
    weight: 2
    steps:
      - {type: view, page: /, think: [1, 2]}
      - {type: updatecart, product: 1, quantity: [1, 3]}
      - {type: checkout, continue: 0.5}
"""

# Every scalar value of VALID, as (start, end) offsets: the places a mutation goes.
_VALUES = [m.span(1) for m in re.finditer(r"(?:: |\[|, )([^,\]\}\n{\[]+)", VALID)]

yaml_scalars = st.one_of(
    st.sampled_from(
        [
            ".nan",
            ".inf",
            "-.inf",
            "~",
            "null",
            "true",
            "no",
            "2024-01-01",
            "12:30:00",
            "0x1F",
            "0o17",
            "1_000",
            "1e308",
            "-1e308",
            "1.7e307",
            "-0",
            "''",
            '""',
            "*undefined",
            "&a x",
            "!!binary aGVsbG8=",
            "!!python/object:os.system",
            "? x",
            "|",
            ">-",
            "%YAML 1.1",
            "---",
            "...",
            "@",
            "`",
            "\t",
        ]
    ),
    st.integers().map(str),
    st.integers(0, 6000).map(lambda n: "9" * n),
    st.floats().map(repr),
    st.text(max_size=30).map(lambda t: '"' + t.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    st.text(max_size=30),
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(st.tuples(inner, inner), max_size=3).map(
            lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}"
        ),
        st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
    ),
    max_leaves=8,
)


def _judged(text: str) -> None:
    try:
        parse_scenario(text, "f.yaml")
    except ScenarioError as exc:
        assert exc.problems
        for problem in exc.problems:
            line = str(problem)
            assert line.startswith("f.yaml")
            assert "\n" not in line
            assert len(line) < 1000


_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(
    text=st.text(alphabet=st.sampled_from(list(":-[]{},&*!?|>'\"#%@` \n\tabc019.~")), max_size=200)
)
def test_any_text_is_judged(text: str) -> None:
    _judged(text)


@_SETTINGS
@given(where=st.sampled_from(_VALUES), value=yaml_values)
def test_any_value_anywhere_is_judged(where: tuple[int, int], value: str) -> None:
    start, end = where
    _judged(VALID[:start] + value + VALID[end:])


@_SETTINGS
@given(cut=st.integers(0, len(VALID)), junk=yaml_scalars)
def test_a_file_cut_anywhere_is_judged(cut: int, junk: str) -> None:
    _judged(VALID[:cut] + junk)
