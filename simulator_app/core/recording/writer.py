"""An imported scenario written as a scenario file, with the model's own writer."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from ruamel.yaml.comments import CommentedMap

from simulator_app.core.model import Scenario, scenario_to_dict
from simulator_app.core.scenario_file import check_document, dump_document


def scenario_text(scenario: Scenario, source: str) -> str:
    """The scenario's YAML, validated first; ValueError when it does not validate.

    Steps and products are written one per line, as the bundled scenarios are.
    """
    data = scenario_to_dict(scenario)
    _, problems = check_document(data, "<imported>")
    if problems:  # the importer keeps to the model's bounds; say so if it did not
        raise ValueError(f"the imported scenario does not validate: {problems[0]}")
    for journey in data["journeys"]:
        journey["steps"] = [_flow(step) for step in journey["steps"]]
    for category in (data["store"].get("catalog") or {}).get("categories", ()):
        category["products"] = [_flow(product) for product in category.get("products", ())]
    document = CommentedMap(data)
    name = "".join(c if c.isprintable() else "?" for c in PurePath(source).name)
    document.yaml_set_start_comment(  # a comment line ends at any line break: none in the name
        f"Imported from {name} by nitrox-sim import-har; every value can be edited."
    )
    return dump_document(document)


def _flow(values: dict[str, Any]) -> CommentedMap:
    mapping = CommentedMap(values)
    mapping.fa.set_flow_style()
    return mapping
