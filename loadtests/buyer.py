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
    'name': 'Buyer',
    'description': 'Every visitor buys. Use it to check the full funnel end to end.',
    'store': {
        'base_url': 'https://shop.example.com',
        'pages': ['/', '/sale', '/new-arrivals'],
        'catalog': {
            'categories': [
                {
                    'name': 'fashion',
                    'products': [
                        {'id': 1234567, 'title': 'Black Box', 'price': 24, 'variant_id': '987654'},
                        {'id': 1234568, 'title': 'Silk Scarf', 'price': 18.5},
                        {'id': 1234569, 'title': 'Kurta, "festive" edition', 'price': 42},
                    ],
                },
                {
                    'name': 'home',
                    'products': [
                        {'id': 2234567, 'title': 'Ceramic Mug', 'price': 12},
                        {'id': 2234568, 'title': 'Table Lamp', 'price': 36.99},
                    ],
                },
            ],
        },
    },
    'identities': {'locales': ['en_IN', 'hi_IN']},
    'ids': {'org_id': '34a3f9a2-5057-431b-bd3f-aa9fdf9ff733'},
    'schedule': {'visitors': 20, 'duration': 10},
    'journeys': [
        {
            'name': 'buyer',
            'steps': [
                {'type': 'view', 'page': '/'},
                {'type': 'categoryview', 'category': 'random', 'think': [0.2, 1]},
                {'type': 'productview', 'product': 'category', 'repeat': [1, 3], 'think': [0.5, 2]},
                {'type': 'updatecart', 'product': 'viewed', 'quantity': [1, 3]},
                {'type': 'productview', 'product': 'random'},
                {'type': 'updatecart', 'product': 'viewed'},
                {'type': 'checkout', 'think': 1},
                {'type': 'identify', 'source': 'checkout form'},
                {'type': 'buy'},
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


class BuyerUser(ScenarioUser):
    journey = 'buyer'
    weight = 1
