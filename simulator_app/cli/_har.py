"""HAR recordings on the command line: ``import-har``, and ``run --replay`` / ``run --exact``.

The recorded requests are judged with the collector's own checker, in this
process (:mod:`simulator_app.collector.recordings`).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from simulator_app.cli._common import CliError
from simulator_app.core.words import plural

if TYPE_CHECKING:
    from simulator_app.core.model import Scenario
    from simulator_app.core.recording.har_reader import Recording
    from simulator_app.core.recording.importer import Imported
    from simulator_app.core.recording.judge import Judged
    from simulator_app.core.recording.replay import Planner
    from simulator_app.sender.runner import RunSettings

EXTRA_TIME = 60.0  # seconds a replay may run past its recorded length before the time limit


def read_recording(path: str) -> Recording:
    """The file's recording; :class:`CliError` (one line) when it is not a HAR file."""
    from simulator_app.core.recording.har_reader import HarError, read_har_file

    try:
        return read_har_file(path)
    except HarError as exc:
        raise CliError(f"{path}: {exc}") from None


def import_har_file(
    path: str, name: str | None = None, keep_identities: bool = False
) -> tuple[Recording, Imported, list[Judged]]:
    """Read, import and judge a HAR file; :class:`CliError` when there is nothing to import."""
    from simulator_app.collector.recordings import import_and_judge

    recording = read_recording(path)
    try:
        imported, verdicts = import_and_judge(recording, name, keep_identities)
    except ValueError as exc:
        for line in recording.problems[:20]:
            print(f"{path}: {line}", file=sys.stderr)
        raise CliError(f"{path}: {exc}") from None
    return recording, imported, verdicts


def judged_lines(verdicts: list[Judged]) -> list[str]:
    """One line per message of the requests the checker did not judge good."""
    return [line for v in verdicts if v.verdict != "good" for line in v.lines()]


def scenario_text(scenario: Scenario, source: str) -> str:
    """The imported scenario as a file; :class:`CliError` if it does not validate."""
    from simulator_app.core.recording.writer import scenario_text as text_of

    try:
        return text_of(scenario, source)
    except ValueError as exc:
        raise CliError(str(exc)) from None


@dataclass
class Replay:
    """What ``run --replay`` / ``run --exact`` sends: the scenario and the plan that replaces its draws."""

    scenario: Scenario
    planner: Callable[[Scenario, int], Planner]
    visitors: int
    length: float  # seconds the recorded session lasted (think times included)
    time_scale: float = 1.0  # the run's think scale, which scales the arrivals too

    def settle(self, settings: RunSettings) -> None:
        """Every recorded visitor once, and a time limit that fits the recording."""
        settings.visitors = self.visitors
        self.time_scale = settings.think_scale
        if settings.time_limit is None:
            settings.time_limit = self.length * settings.think_scale + EXTRA_TIME


def replay_plan(args: argparse.Namespace) -> Replay | None:
    """The replay ``run`` was asked for (None: a normal run); :class:`CliError` on bad options."""
    replay_file: str | None = getattr(args, "replay", None)
    exact: bool = getattr(args, "exact", False)
    if replay_file is None and not exact:
        if args.scenario is None:
            raise CliError("give a SCENARIO file, or --replay FILE.har")
        return None
    for option in ("visitors", "duration"):
        if getattr(args, option, None) is not None:
            raise CliError(f"--{option}: a replay sends every recorded visitor once, as recorded")
    if replay_file is not None:
        if exact or args.scenario is not None:
            raise CliError("--replay FILE.har takes no SCENARIO and no --exact")
        return _recording_replay(replay_file)
    if args.scenario is None:
        raise CliError("--exact: give the imported SCENARIO file")
    return _exact(args.scenario)


def _recording_replay(path: str) -> Replay:
    from simulator_app.core.journey import JourneyEngine
    from simulator_app.core.recording.gaps import MAX_GAP
    from simulator_app.core.recording.importer import import_recording, removed_line
    from simulator_app.core.recording.replay import RecordingReplay, replay_timing

    recording = read_recording(path)
    for line in recording.problems[:20]:
        print(f"{path}: {line} (not replayed)", file=sys.stderr)
    try:
        scenario = import_recording(recording).scenario
    except ValueError as exc:
        raise CliError(f"{path}: {exc}") from None
    timing = replay_timing(recording)
    visitors, length = len(recording.visitors()), timing.length
    print(
        f"replaying {path}: {plural(visitors, 'visitor')}, {plural(len(recording.requests), 'request')} "
        f"over {length:.1f} s, fresh visitor IDs",
        file=sys.stderr,
    )
    if timing.capped:
        print(
            f"{path}: {plural(timing.capped, 'recorded gap')} longer than {MAX_GAP:,.0f} s "
            f"replayed as {MAX_GAP:,.0f} s",
            file=sys.stderr,
        )
    if recording.removed:
        print(f"{path}: {removed_line(recording)}; not replayed", file=sys.stderr)

    def planner(effective: Scenario, seed: int) -> Planner:
        engine = JourneyEngine(effective, seed=seed)
        return RecordingReplay(recording, engine, replay.time_scale)

    replay = Replay(scenario, planner, visitors, length)
    return replay


def _exact(path: str) -> Replay:
    from simulator_app.core.journey import JourneyEngine
    from simulator_app.core.recording.replay import ExactPlan
    from simulator_app.core.scenario_file import ScenarioError, load_scenario

    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        for each in exc.problems[1:]:
            print(each, file=sys.stderr)
        raise CliError(str(exc.problems[0])) from None
    journeys = scenario.journeys
    scenario = dataclasses.replace(
        scenario,
        schedule=dataclasses.replace(scenario.schedule, visitors=len(journeys)),
        identities=dataclasses.replace(
            scenario.identities,
            returning=dataclasses.replace(scenario.identities.returning, share=0.0),
        ),
    )
    longest = max(sum(s.think.high * s.repeat.high for s in j.steps) for j in journeys)

    def planner(effective: Scenario, seed: int) -> Planner:
        return ExactPlan(JourneyEngine(effective, seed=seed), replay.time_scale)

    print(
        f"{path} exactly: {plural(len(journeys), 'visitor')}, journey i for visitor i",
        file=sys.stderr,
    )
    replay = Replay(scenario, planner, len(journeys), scenario.schedule.duration + longest)
    return replay
