"""The manual clock over HTTP (for `oib clock` and tests): GET /_oib/clock shows it; POST
{"set": "<ISO-8601>"} or {"advance": <seconds>} moves it, forward only.

- advance walks through every scheduled run due on the way, in order, firing each at its own due
  time: "advance 24 hours" fires exactly the runs that were due, each once.
- set jumps: like a service that was down until then, each pipeline that missed runs gets one
  catch-up run, and its next run is the first one after the new time.

The response lists the firings made (in this process: another process on the same store may fire
some of them first).
"""
from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from ..domain.clock import Clock, format_date
from ..scheduler.service import PipelineScheduler
from ..store.clock import StoredClock
from ..store.database import transaction
from ..store.schedules import earliest_run

CLOCK_PATH = "/_oib/clock"


def clock_request(clock: Clock, scheduler: PipelineScheduler, method: str, body: bytes) -> tuple[int, dict[str, Any]]:
    if method == "GET":
        return 200, {"now": format_date(clock.now()), "mode": "manual" if isinstance(clock, StoredClock) else "system"}
    if not isinstance(clock, StoredClock):
        return 409, {"message": "The clock is the system clock; start `oib serve --clock manual` to drive it."}
    try:
        request = orjson.loads(body or b"{}")
        if not isinstance(request, dict):
            raise TypeError
        walk = "set" not in request
        if not walk:
            target = datetime.fromisoformat(str(request["set"]).replace("Z", "+00:00"))
            if target.tzinfo is None:
                target = target.replace(tzinfo=UTC)
            target = target.astimezone(UTC)
        else:
            seconds = float(request["advance"])
            if not math.isfinite(seconds):
                raise ValueError
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, OverflowError):
        return 400, {"message": 'Send {"set": "<ISO-8601 time>"} or {"advance": <seconds>}.'}
    fired = []
    with scheduler.firing:  # the scheduler thread waits; this request fires (and reports) the runs
        now = clock.now()
        if walk:
            try:
                target = now + timedelta(seconds=seconds)
            except OverflowError:
                return 400, {"message": "The clock cannot move that far."}
        if target < now:
            return 400, {"message": f"The manual clock only moves forward: it is {format_date(now)}."}
        while walk:
            with transaction(scheduler.database, write=False) as connection:
                earliest = earliest_run(connection)
            if earliest is None or earliest > target.timestamp():
                break
            clock.set(max(clock.now(), datetime.fromtimestamp(earliest, UTC)))
            fired.extend(scheduler.fire_due())
        clock.set(target)
        fired.extend(scheduler.fire_due())
    return 200, {"now": format_date(clock.now()), "fired": [
        {"imagePipelineArn": f.pipeline_arn, "dueAt": format_date(f.due_at), "outcome": f.outcome,
         "imageBuildVersionArn": f.image_arn} for f in fired]}
