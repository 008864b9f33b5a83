"""How many next-run computations per second the schedule evaluator does for typical pipelines.

    python bench/schedule_bench.py [seconds]

Each computation is what the scheduler does per pipeline: next_run(expression, after, zone), with
the expression text looked up in the parse cache, over a spread of `after` moments.
"""
from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta

from openimagebuilder.domain.schedule import next_run

EXPRESSIONS = [
    "cron(0 0 * * ? *)",
    "cron(*/15 9-17 ? * MON-FRI *)",
    "cron(30 2 ? * SUN *)",
    "cron(0 8 1 * ? *)",
    "cron(0 0 ? * 6L *)",
    "rate(1 hour)",
]
ZONES = ["UTC", "America/Los_Angeles"]
ANCHOR = datetime(2024, 1, 1, 0, 7, tzinfo=UTC)


def workload(count: int = 2000) -> list[tuple[str, datetime, str]]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return [(EXPRESSIONS[index % len(EXPRESSIONS)], start + timedelta(minutes=37 * index + 13), zone)
            for index in range(count) for zone in ZONES]


def measure(seconds: float = 2.0) -> float:
    cases = workload()
    for expression, after, zone in cases:  # warm the parse and zone caches
        next_run(expression, after, zone, ANCHOR)
    done = 0
    began = time.perf_counter()
    while time.perf_counter() - began < seconds:
        for expression, after, zone in cases:
            next_run(expression, after, zone, ANCHOR)
        done += len(cases)
    return done / (time.perf_counter() - began)


if __name__ == "__main__":
    rate = measure(float(sys.argv[1]) if len(sys.argv) > 1 else 2.0)
    print(f"{rate:,.0f} expressions/s ({len(EXPRESSIONS)} expressions x {len(ZONES)} zones)")
