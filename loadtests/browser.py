"""A Locust test of a Nitrox Traffic Simulator scenario (SCENARIO), one User class per journey.

Written by `nitrox-sim export-locust`; the users are simulator_app.locust's (`pip install .` of
the project where Locust runs, workers too; `--bundle` exports for workers with only locust and
Faker). Change the settings and weights here, the journeys in the scenario (then export again).

    locust -f THIS_FILE --config locust.conf      # the run settings beside it
    locust -f THIS_FILE AllJourneys --headless -u 1 -t 1m --visitors 20 --think-scale 0
                                                  # visitors 0..19, as `nitrox-sim run` sends them

Its own options (Locust's web UI lists them, --help does not): --org-id, --seed, --visitors,
--think-scale, --max-fail-ratio, --max-p95-ms, --allow-remote, --allow-host.
"""

from __future__ import annotations

from simulator_app.locust.users import NitroxUser

SCENARIO = {
    'name': 'Browser',
    'description': 'Window shoppers on a generated catalog; nobody adds to the cart.',
    'store': {
        'base_url': 'https://shop.example.com',
        'pages': ['/', '/sale', '/new-arrivals', '/about'],
        'generate': {'products_per_category': 10, 'price_min': 4, 'price_max': 180, 'seed': 3},
    },
    'ids': {'org_id': '34a3f9a2-5057-431b-bd3f-aa9fdf9ff733'},
    'schedule': {'visitors': 50, 'duration': 30, 'pattern': 'poisson'},
    'journeys': [
        {
            'name': 'browser',
            'steps': [
                {'type': 'view', 'page': '/', 'think': [0.5, 2]},
                {'type': 'categoryview', 'continue': 0.8, 'think': [1, 3]},
                {
                    'type': 'productview',
                    'product': 'category',
                    'repeat': [1, 4],
                    'continue': 0.6,
                    'think': [2, 6],
                },
                {'type': 'view', 'page': 'random', 'repeat': [0, 2]},
            ],
        },
    ],
}


class ScenarioUser(NitroxUser):  # what every journey's users share
    abstract = True
    scenario = SCENARIO
    host = 'http://127.0.0.1:8787'  # --host overrides it
    think_scale = 1.0  # every think time × this (0: none); --think-scale


class AllJourneys(ScenarioUser):  # every visitor on the journey it draws; runs when named
    journey = None


class BrowserUser(ScenarioUser):
    journey = 'browser'
    weight = 1
