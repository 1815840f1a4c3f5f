"""How often identities of separate runs meet, and that a campaign's never do: figures.

``python -m simulator_app.bench.identity_merges [SCENARIO] [--runs 50] [--visitors 2000]``

Within one run (or one campaign, which is one run of the engine) e-mails and
phones come from keyed permutations of the visitor's index: they cannot
repeat. Two runs drawn apart (other seeds) are independent, so a visitor of
one and a visitor of the other share an e-mail with probability

    p_email = sum over (name book, pattern, domain) of P(class)^2 / room(pattern)

(the local part is uniform over its pattern's room for a random key) and a
phone with ``p_phone = sum over countries of P(country)^2 / capacity``.
``R`` runs of ``N`` identified visitors expect ``C(R, 2) * N^2 * p`` merges.
This prints both, measures them by simulation (fresh seeds, every visitor's
contact made), and checks a 7-day campaign of 20,000 visitors a day.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections import Counter
from pathlib import Path

from simulator_app.core.campaign import DAY, Campaign
from simulator_app.core.journey import JourneyEngine
from simulator_app.core.scenario_file import load_scenario

DEFAULT_SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "demo_mix.yaml"


def pair_odds(engine: JourneyEngine, sample: int = 20_000) -> tuple[float, float]:
    """(p_email, p_phone): the chance two visitors of two independent runs share one."""
    people = engine.people
    classes: Counter[tuple[int, tuple[str, int], str]] = Counter()
    room: dict[tuple[int, tuple[str, int], str], int] = {}
    countries: Counter[str] = Counter()
    for index in range(sample):
        visitor = engine.visitor(index)
        countries[visitor.country] += 1
        book_index = people.population.styles[visitor.locale].book
        book = people._books[book_index]
        kind, _ = book.patterns[index % 20]
        domain = visitor.email.rpartition("@")[2]
        key = (book_index, kind, domain)
        classes[key] += 1
        room[key] = book._space(kind).size
    email = sum((n / sample) ** 2 / room[k] for k, n in classes.items())
    capacity = {c.code: c.phone.capacity for c in people.population.countries}
    phone = sum((n / sample) ** 2 / capacity[c] for c, n in countries.items())
    return email, phone


def simulate(scenario_path: str, runs: int, visitors: int, seed: int) -> tuple[int, int]:
    """Shared e-mails and phones across ``runs`` runs (fresh seeds) of ``visitors`` each."""
    scenario = load_scenario(scenario_path)
    rng = random.Random(seed)
    emails: Counter[str] = Counter()
    phones: Counter[str] = Counter()
    for _ in range(runs):
        engine = JourneyEngine(scenario, seed=rng.randrange(100_000_000, 1_000_000_000))
        for index in range(visitors):
            _, email, phone = engine.people.contact(engine.visitor(index))
            emails[email] += 1
            phones[phone] += 1
    return sum(n - 1 for n in emails.values()), sum(n - 1 for n in phones.values())


def campaign_duplicates(scenario_path: str, per_day: int, days: int) -> tuple[int, int, int]:
    """(visitors, shared e-mails, shared phones) of one campaign of ``days`` days."""
    scenario = load_scenario(scenario_path)
    campaign = Campaign(
        scenario=scenario_path, seed=29, start=time.time(), length=days * DAY,
        visitors_per_day=per_day,
    )  # fmt: skip
    engine = JourneyEngine(campaign.schedule_of(scenario), seed=campaign.seed)
    emails: set[str] = set()
    phones: set[str] = set()
    total = campaign.visitors
    for index in range(total):
        _, email, phone = engine.people.contact(engine.visitor(index))
        emails.add(email)
        phones.add(phone)
    return total, total - len(emails), total - len(phones)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", default=str(DEFAULT_SCENARIO))
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--visitors", type=int, default=2000, help="identified visitors a run")
    parser.add_argument("--per-day", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=7)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    email, phone = pair_odds(JourneyEngine(scenario, seed=1))
    pairs = math.comb(args.runs, 2) * args.visitors**2
    print(f"scenario: {args.scenario}")
    print(f"two visitors of two runs share an e-mail: p = {email:.3g}; a phone: p = {phone:.3g}")
    print(
        f"{args.runs} runs x {args.visitors} identified visitors: {pairs:.3g} pairs across runs;"
        f" expected shared e-mails {pairs * email:.3g}, phones {pairs * phone:.3g},"
        f" either {pairs * (email + phone):.3g}"
    )
    started = time.monotonic()
    shared_emails, shared_phones = simulate(args.scenario, args.runs, args.visitors, seed=2029)
    print(
        f"simulated ({time.monotonic() - started:.0f} s): {shared_emails} shared e-mails,"
        f" {shared_phones} shared phones across the {args.runs} runs"
    )
    started = time.monotonic()
    total, dup_emails, dup_phones = campaign_duplicates(args.scenario, args.per_day, args.days)
    print(
        f"campaign of {args.days} days x {args.per_day} visitors ({total} visitors,"
        f" {time.monotonic() - started:.0f} s): {dup_emails} shared e-mails, {dup_phones} shared phones"
    )


if __name__ == "__main__":
    main()
