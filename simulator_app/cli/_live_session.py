"""One session of ``nitrox-sim live``: the plan, the target, the load run, the summary."""

from __future__ import annotations

import argparse
import math
import os
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

from simulator_app.cli._common import CliError
from simulator_app.interrupts import Interrupts

if TYPE_CHECKING:
    from simulator_app.core.campaign import Campaign, Session
    from simulator_app.core.campaign_plan import CampaignPlan
    from simulator_app.core.journey import JourneyEngine
    from simulator_app.core.model import Scenario


def _plan(campaign: Campaign, scenario: Scenario, engine: JourneyEngine) -> CampaignPlan:
    from simulator_app.core.campaign_plan import campaign_plan
    from simulator_app.core.funnel import expected_orders

    assert engine.clock is not None
    orders = expected_orders(scenario, 2000)
    return campaign_plan(
        campaign,
        engine.clock,
        tuple(c.code for c in engine.population.countries),
        orders.orders_per_visitor,
        orders.revenue_per_visitor,
        engine.population.mobile_share,
    )


def _peak_per_second(campaign: Campaign, engine: JourneyEngine) -> float:
    """Visitors per wall second in the campaign's busiest quarter hour."""
    clock = engine.clock
    assert clock is not None
    busiest = max(sum(w) for w in clock.slot_weights)
    slot_seconds = clock.slot_hours * 3600.0 / campaign.scale
    return clock.visitors * busiest / clock.total / max(slot_seconds, 1e-9)


def _write_plan(plan: CampaignPlan, where: str) -> None:
    from simulator_app.core.atomic import write_atomically

    try:
        write_atomically(where, plan.csv())
    except OSError as exc:
        raise CliError(f"--plan-csv: cannot write {where}: {exc.strerror}") from None


def live_session(
    args: argparse.Namespace,
    campaign: Campaign,
    scenario: Scenario,
    path: str,
    interrupts: Interrupts,
) -> int:
    from simulator_app.cli.run import _confirm, _number
    from simulator_app.core.journey import JourneyEngine
    from simulator_app.core.safety import target_problem
    from simulator_app.core.schedule import SLACK, longest_visit
    from simulator_app.sender.campaign_run import (
        CampaignPlanner,
        CampaignTally,
        day_line,
        mark_killed,
    )
    from simulator_app.sender.runner import LoadRun, RunSettings

    engine = JourneyEngine(campaign.schedule_of(scenario), seed=campaign.seed)
    plan_csv = args.plan_csv or os.path.splitext(path)[0] + ".plan.csv"
    # The plan (a few seconds of planned visitors) is made when asked for and when the
    # campaign starts; a resume reuses it, so a restart loses as little of the clock as it can.
    plan = None
    if args.plan or not campaign.sessions or not os.path.exists(plan_csv):
        plan = _plan(campaign, scenario, engine)
    if args.plan:
        assert plan is not None
        sys.stdout.write(plan.text())
        _write_plan(plan, plan_csv)
        print(f"plan: {plan_csv}")
        return 0
    peak = _peak_per_second(campaign, engine)
    rate = _number(args.rate, "--rate", float, 0, strict=True) or campaign.rate
    if rate is None:
        from simulator_app.core.campaign import ceiling_rate

        sample = 200
        requests = sum(sum(1 for _ in engine.plan(i)) for i in range(sample)) / sample
        rate = campaign.rate = ceiling_rate(peak, requests)  # kept: the same ceiling on resume
    target = campaign.target
    if target is not None:
        problem = target_problem(target)
        if problem:
            raise CliError(f"--target: {problem}")
        _confirm(target, rate, args.yes, interrupts)
    concurrency = _number(args.concurrency, "--concurrency", int, 1, maximum=10_000)
    timeout = _number(args.timeout, "--timeout", float, 0, strict=True)

    remaining = campaign.wall_remaining(time.time())
    killed = mark_killed(campaign)
    block = max(1, min(256, math.ceil(peak)))
    tally = CampaignTally(campaign, path, engine, sys.stdout, block)
    tally.save(force=True)
    if tally.save_error is not None:
        raise CliError(f"campaign file: cannot write {path}: {tally.save_error}")
    if plan is not None:
        _write_plan(plan, plan_csv)
    print(f"campaign: {path} (resume with: nitrox-sim live --resume {path}); plan: {plan_csv}")
    print(
        f"seed {campaign.seed}; {campaign.visitors_per_day:,.0f} visitors a day;"
        f" rate ceiling {rate:g} requests/s"
        + (f"; clock x{campaign.scale:g}" if campaign.scale != 1 else ""),
        flush=True,
    )
    if killed:
        print("the session before did not end cleanly (killed?): resuming past it", flush=True)

    def begun(session: Session) -> None:
        tally.save(force=True)
        if session.skipped:
            print(f"missed: {session.skipped} visitors while nothing ran (not sent)", flush=True)

    collector: Any = None
    stopped_by: int | None = None
    result = None
    try:
        if remaining > 0 and campaign.next_index < engine.scenario.schedule.visitors:
            if target is None:
                from simulator_app.collector import CollectorStartError, EmbeddedCollector

                collector = EmbeddedCollector(
                    host="127.0.0.1",
                    port=0,
                    db=":memory:",
                    full_cart=scenario.tracker.full_cart,
                    client_ip_header=scenario.tracker.ip_header,
                )
                try:
                    target = collector.start()
                except CollectorStartError as exc:
                    raise CliError(f"cannot start the embedded collector: {exc}") from None
                print(f"embedded collector on {target}", file=sys.stderr)
            think = scenario.schedule.think_scale / campaign.scale
            settings = RunSettings(
                target=target,
                concurrency=concurrency or scenario.schedule.concurrency,
                rate=rate,
                think_scale=think,
                time_limit=remaining + longest_visit(scenario) * think + SLACK,
                seed=campaign.seed,
                timeout=timeout,
            )
            planner = CampaignPlanner(engine, campaign, tally.reserve, begun)
            load = LoadRun(engine.scenario, settings, planner=lambda _s, _seed: planner)
            load.on_records = tally
            outcome: list[Any] = []
            failure: list[BaseException] = []
            done = threading.Event()

            def work() -> None:
                try:
                    outcome.append(load.run())
                except BaseException as exc:  # shown by the main thread
                    failure.append(exc)
                finally:
                    done.set()

            if interrupts.first is not None:
                load.stop()
            thread = threading.Thread(target=work, name="nitrox-live")
            thread.start()
            while not done.wait(0.2):
                if interrupts.first is not None and stopped_by is None:
                    stopped_by = interrupts.first
                    load.stop()
                    print("stopping: letting in-flight requests finish...", file=sys.stderr)
            thread.join()
            stopped_by = stopped_by or interrupts.first
            if failure:
                raise failure[0]
            result = outcome[0]
    finally:
        if collector is not None:
            collector.stop()
        if campaign.sessions and campaign.sessions[-1].how == "running":
            campaign.sessions[-1].how = "stopped" if stopped_by is not None else "finished"
        tally.save(force=True)
    if tally.day is not None:
        tally.print_day(tally.day)
    sent = sum(d.visitors for d in campaign.days.values())
    missed = sum(s.skipped for s in campaign.sessions)
    killed = sum(s.how == "killed" for s in campaign.sessions)
    print(
        f"campaign {path}: {sent} visitors sent so far of {campaign.visitors} planned;"
        f" missed {missed} while nothing ran; {len(campaign.sessions)} sessions"
        + (f" ({killed} killed)" if killed else "")
        + ("" if remaining > 0 else "; the campaign's time is over")
    )
    if result is not None:
        print(
            f"this session: {result.requests} requests, {result.failures} failed,"
            f" {result.visitors_done} visitors"
        )
    for name in sorted(campaign.days):
        print("  " + day_line(name, campaign.days[name]))
    if tally.save_error is not None:
        print(f"nitrox-sim live: error: writing {path} failed: {tally.save_error}", file=sys.stderr)
        return 1
    if stopped_by is not None:
        return 128 + stopped_by
    return 0
