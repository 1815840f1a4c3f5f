"""The Locust exporter: writes a self-contained locustfile from a scenario and the journey engine."""
