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
    'name': 'Demo mix',
    'description': 'Browsers, cart abandoners and buyers in the proportions of a typical shop.',
    'store': {
        'base_url': 'https://shop.example.com',
        'pages': ['/', '/sale', '/new-arrivals', '/gift-cards'],
        'generate': {'categories': 8, 'products_per_category': 12, 'price_max': 250, 'seed': 2026},
    },
    'identities': {
        'locales': ['en_IN', 'hi_IN', 'en_US', 'en_GB'],
        'countries': {'IN': 60, 'US': 25, 'GB': 15},
        'returning': {'share': 0.2, 'sessions': [1, 2], 'after': [5, 20]},
    },
    'ids': {'org_id': '34a3f9a2-5057-431b-bd3f-aa9fdf9ff733'},
    'schedule': {'visitors': 200, 'pattern': 'poisson', 'concurrency': 200},
    'journeys': [
        {
            'name': 'browser',
            'weight': 70,
            'steps': [
                {'type': 'view', 'page': 'random', 'think': [0.5, 3]},
                {'type': 'categoryview', 'continue': 0.75, 'think': [1, 4]},
                {
                    'type': 'productview',
                    'product': 'category',
                    'repeat': [1, 3],
                    'continue': 0.5,
                    'think': [2, 8],
                },
                {'type': 'view', 'page': 'random'},
            ],
        },
        {
            'name': 'cart abandoner',
            'weight': 20,
            'steps': [
                {'type': 'view', 'page': '/'},
                {'type': 'categoryview', 'think': [1, 3]},
                {'type': 'productview', 'product': 'category', 'repeat': [1, 2], 'think': [2, 6]},
                {'type': 'updatecart', 'product': 'viewed', 'quantity': [1, 2], 'continue': 0.8},
                {'type': 'updatecart', 'product': 'category', 'repeat': [0, 2]},
                {'type': 'removefromcart', 'product': 'cart', 'continue': 0.5},
                {'type': 'view', 'page': '/cart'},
            ],
        },
        {
            'name': 'buyer',
            'weight': 10,
            'steps': [
                {'type': 'view', 'page': '/'},
                {'type': 'categoryview', 'continue': 0.9, 'think': [1, 3]},
                {
                    'type': 'productview',
                    'product': 'category',
                    'repeat': [1, 3],
                    'continue': 0.8,
                    'think': [2, 6],
                },
                {'type': 'updatecart', 'product': 'viewed', 'quantity': [1, 2], 'continue': 0.6},
                {'type': 'productview', 'product': 'random', 'repeat': [0, 2], 'think': [2, 6]},
                {'type': 'updatecart', 'product': 'viewed', 'repeat': [0, 1], 'think': [1, 3]},
                {'type': 'updatecart', 'product': 'category', 'repeat': [0, 1]},
                {'type': 'checkout', 'continue': 0.8, 'think': [5, 20]},
                {'type': 'identify', 'source': 'checkout'},
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


class BrowserUser(ScenarioUser):
    journey = 'browser'
    weight = 70


class CartAbandonerUser(ScenarioUser):
    journey = 'cart abandoner'
    weight = 20


class BuyerUser(ScenarioUser):
    journey = 'buyer'
    weight = 10
