"""Pipeline schedules end to end through boto3 against a real `oib serve --clock manual`, on both
stores: validation in AWS's wording, dateNextRun (Get and List, time zones, absent when there is no
next run), firing (each due run once and in order, SCHEDULED images with the pipeline's imageTags),
start conditions, the pipeline log, disabled and deleted pipelines, catch-up after the clock jumps,
consecutive failures and auto-disable, and exactly-once firing with two processes on PostgreSQL.

Each test starts at the next UTC midnight of the module's manual clock (which only moves forward)
and deletes its pipelines afterwards, so no test's schedule fires into another's. Builds on a
manual clock take no simulated time; tests that need a build's outcome poll for it.
"""
from __future__ import annotations

import concurrent.futures
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as wall_time
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml
from botocore.exceptions import ClientError

from openimagebuilder.store.clock import StoredClock
from openimagebuilder.store.database import create_store_engine, sqlite_url
from tests.conftest import Server, isolated_server, start_server, unique
from tests.e2e.helpers import PARENT_IMAGE, REGION, UPDATE_LINUX, error_of, infrastructure, wait_until

T = TypeVar("T")

DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
HOUR = 3600
DAY = 24 * HOUR
INVALID = "The value supplied for parameter 'schedule.scheduleExpression' is not valid. Invalid schedule expression. Details: "
NO_TESTS = {"imageTestsEnabled": False}  # fewer steps per build: the suite stays fast
EVERY_HOUR = "cron(0 * * * ? *)"
MATCH_ONLY = "EXPRESSION_MATCH_ONLY"


# -- servers ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def clock_server(server, tmp_path_factory) -> Iterator[Server]:
    """`oib serve --clock manual` on a store of its own, so no system-clock scheduler fires its schedules."""
    with isolated_server(server, tmp_path_factory.mktemp("oib-schedules"), {"OIB_CLOCK": "manual"}) as started:
        yield started


_created: list[tuple[Any, str]] = []


@pytest.fixture(autouse=True)
def _delete_pipelines() -> Iterator[None]:
    """Deletes the test's pipelines afterwards: the clock is shared by the module's tests."""
    yield
    while _created:
        client, arn = _created.pop()
        try:
            client.delete_image_pipeline(imagePipelineArn=arn)
        except ClientError:
            pass


# -- the clock ----------------------------------------------------------------------------------

def parse_date(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def aws_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def move_clock(server: Server, **body: Any) -> dict[str, Any]:
    reply = httpx.post(f"{server.url}/_oib/clock", json=body, timeout=120)
    assert reply.status_code == 200, reply.text
    return reply.json()


def advance(server: Server, seconds: float) -> dict[str, Any]:
    return move_clock(server, advance=seconds)


def clock_now(server: Server) -> datetime:
    reply = httpx.get(f"{server.url}/_oib/clock", timeout=30)
    assert reply.status_code == 200 and reply.json()["mode"] == "manual", reply.text
    return parse_date(reply.json()["now"])


def next_midnight(server: Server) -> datetime:
    """Moves the clock to the next UTC midnight (at least a minute ahead) and returns it."""
    now = clock_now(server)
    midnight = datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)
    move_clock(server, set=aws_date(midnight))
    assert clock_now(server) == midnight
    return midnight


def fired(response: dict[str, Any], *arns: str) -> list[tuple[str, str, str]]:
    """(pipeline, dueAt, outcome) of the firings the clock response reports for these pipelines."""
    return [(item["imagePipelineArn"], item["dueAt"], item["outcome"])
            for item in response["fired"] if item["imagePipelineArn"] in arns]


# -- resources ----------------------------------------------------------------------------------





def component(client, command: str, name: str, version: str) -> str:
    document = {"schemaVersion": 1.0, "phases": [{"name": "build", "steps": [
        {"name": "Run", "action": "ExecuteBash", "inputs": {"commands": [command]}}]}]}
    return client.create_component(name=name, semanticVersion=version, platform="Linux",
                                   data=yaml.safe_dump(document, sort_keys=False))["componentBuildVersionArn"]


def recipe(client, components: list[str] | None = None, parent: str = PARENT_IMAGE, name: str | None = None) -> str:
    return client.create_image_recipe(
        name=name or unique("recipe"), semanticVersion="1.0.0", parentImage=parent,
        components=[{"componentArn": arn} for arn in components or [UPDATE_LINUX]])["imageRecipeArn"]


def make_pipeline(client, schedule: dict[str, Any] | None = None, **overrides: Any) -> str:
    params = {"name": unique("pipeline"), "infrastructureConfigurationArn": infrastructure(client),
              "imageTestsConfiguration": NO_TESTS, **overrides}
    if "imageRecipeArn" not in params:
        params["imageRecipeArn"] = recipe(client)
    if schedule is not None:
        params["schedule"] = schedule
    arn = client.create_image_pipeline(**params)["imagePipelineArn"]
    _created.append((client, arn))
    return arn


def get_pipeline(client, arn: str) -> dict[str, Any]:
    return client.get_image_pipeline(imagePipelineArn=arn)["imagePipeline"]


def update_pipeline(client, arn: str, **changes: Any) -> dict[str, Any]:
    """UpdateImagePipeline replaces the whole configuration: the current one with `changes`."""
    current = get_pipeline(client, arn)
    params = {key: current[key] for key in ("imageRecipeArn", "infrastructureConfigurationArn",
                                            "imageTestsConfiguration", "schedule", "status", "imageTags",
                                            "description") if key in current}
    params.update(changes)
    params = {key: value for key, value in params.items() if value is not None}
    client.update_image_pipeline(imagePipelineArn=arn, **params)
    return get_pipeline(client, arn)


def pipeline_images(client, arn: str) -> list[dict[str, Any]]:
    images: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"imagePipelineArn": arn}
    while True:
        page = client.list_image_pipeline_images(**kwargs)
        images.extend(page["imageSummaryList"])
        if not page.get("nextToken"):
            return sorted(images, key=lambda image: image["dateCreated"])
        kwargs["nextToken"] = page["nextToken"]


def wait_done(client, image_arn: str, timeout: float = 30) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        image = client.get_image(imageBuildVersionArn=image_arn)["image"]
        return image if image["state"]["status"] in ("AVAILABLE", "FAILED", "CANCELLED") else None
    return wait_until(probe, timeout, what=f"{image_arn} to finish")


def image_of(response: dict[str, Any], arn: str) -> str:
    [item] = [item for item in response["fired"] if item["imagePipelineArn"] == arn]
    assert item["outcome"] == "STARTED" and item["imageBuildVersionArn"], item
    return item["imageBuildVersionArn"]


def oib(server: Server, *args: str, status: int = 0) -> str:
    """Runs the `oib` CLI against the server; its output (stdout, or stderr when it fails)."""
    result = subprocess.run([sys.executable, "-m", "openimagebuilder.server.cli", *args, "--endpoint-url", server.url],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == status, (result.stdout, result.stderr)
    return result.stdout if status == 0 else result.stderr


def oib_logs(server: Server, arn: str) -> str:
    return oib(server, "logs", arn)


# -- validation -------------------------------------------------------------------------------

REJECTED = [
    ({"scheduleExpression": "cron(0 0 * * *)"},
     INVALID + "Invalid CRON expression: error at position 9, details: Unexpected end of expression."),
    ({"scheduleExpression": "rate(1 hours)"},
     INVALID + "Invalid RATE expression: error at position 2, details: Unit must be singular ('hour') when the value is 1."),
    ({"scheduleExpression": "rate(5 hour)"},
     INVALID + "Invalid RATE expression: error at position 2, details: Unit must be plural ('hours') when the value is not 1."),
    ({"scheduleExpression": "cron(0 0 * * ? *)", "timezone": "Mars/Olympus"},
     "The value supplied for parameter 'schedule.timezone' is not valid. "
     "The time zone 'Mars/Olympus' is not a valid IANA time zone name."),
]


def test_invalid_schedules_are_rejected_in_aws_wording_on_create_and_update(clock_server):
    client = clock_server.client()
    infra, image_recipe = infrastructure(client), recipe(client)
    kept = make_pipeline(client, {"scheduleExpression": "rate(1 hour)"}, imageRecipeArn=image_recipe,
                         infrastructureConfigurationArn=infra)
    before = get_pipeline(client, kept)
    for schedule, message in REJECTED:
        assert error_of(client.create_image_pipeline, name=unique("pipeline"), imageRecipeArn=image_recipe,
                        infrastructureConfigurationArn=infra, schedule=schedule) == (
            "InvalidParameterValueException", message), schedule
        assert error_of(client.update_image_pipeline, imagePipelineArn=kept, imageRecipeArn=image_recipe,
                        infrastructureConfigurationArn=infra, schedule=schedule) == (
            "InvalidParameterValueException", message), schedule
    # nothing was created, nothing changed
    assert [p["arn"] for p in client.list_image_pipelines()["imagePipelineList"]] == [kept]
    assert get_pipeline(client, kept) == before
    # the singular and plural forms that are right are accepted
    for expression in ("rate(1 minute)", "rate(2 minutes)", "rate(1 day)", "rate(5 hours)"):
        after = update_pipeline(client, kept, schedule={"scheduleExpression": expression})
        assert after["schedule"]["scheduleExpression"] == expression


def test_the_clock_moves_only_on_a_manual_clock(server):
    shown = httpx.get(f"{server.url}/_oib/clock", timeout=30).json()
    assert shown["mode"] == "system" and DATE.match(shown["now"])
    reply = httpx.post(f"{server.url}/_oib/clock", json={"advance": 60}, timeout=30)
    assert reply.status_code == 409 and "--clock manual" in reply.json()["message"]


# -- dateNextRun --------------------------------------------------------------------------------

def test_date_next_run_in_get_and_list(clock_server):
    client = clock_server.client()
    midnight = next_midnight(clock_server)
    los_angeles = ZoneInfo("America/Los_Angeles")
    local = midnight.astimezone(los_angeles)
    nine = next(moment for moment in (datetime.combine(local.date() + timedelta(days=offset), wall_time(9),
                                                       tzinfo=los_angeles) for offset in range(3))
                if moment > midnight)
    expected = {
        make_pipeline(client, {"scheduleExpression": "cron(30 6 * * ? *)"}): midnight + timedelta(hours=6, minutes=30),
        make_pipeline(client, {"scheduleExpression": "cron(0 9 * * ? *)", "timezone": "America/Los_Angeles"}): nine,
        make_pipeline(client, {"scheduleExpression": "rate(1 day)"}): midnight + timedelta(days=1),
        make_pipeline(client, {"scheduleExpression": "rate(90 minutes)"}): midnight + timedelta(minutes=90),
        make_pipeline(client): None,                                                        # no schedule
        make_pipeline(client, {"scheduleExpression": "cron(0 6 * * ? *)"}, status="DISABLED"): None,
        make_pipeline(client, {"scheduleExpression": "cron(0 0 1 1 ? 2020)"}): None,          # years all past
        make_pipeline(client, {"scheduleExpression": "cron(0 0 30 2 ? *)"}): None,            # never matches
    }
    listed = {p["arn"]: p for p in client.list_image_pipelines()["imagePipelineList"]}
    assert set(listed) == set(expected)
    for arn, when in expected.items():
        for document in (get_pipeline(client, arn), listed[arn]):
            if when is None:
                assert "dateNextRun" not in document, document
            else:
                assert DATE.match(document["dateNextRun"]) and document["dateNextRun"] == aws_date(when), (
                    arn, document["dateNextRun"], when)
    # the time zone is kept as given; 09:00 in Los Angeles is 16:00 or 17:00 UTC
    zoned = get_pipeline(client, list(expected)[1])
    assert zoned["schedule"]["timezone"] == "America/Los_Angeles"
    assert parse_date(zoned["dateNextRun"]).astimezone(los_angeles).hour == 9
    assert parse_date(zoned["dateNextRun"]).hour in (16, 17)


def test_updates_recompute_date_next_run(clock_server):
    client = clock_server.client()
    midnight = next_midnight(clock_server)
    arn = make_pipeline(client, {"scheduleExpression": "cron(0 6 * * ? *)"})
    assert get_pipeline(client, arn)["dateNextRun"] == aws_date(midnight + timedelta(hours=6))
    assert update_pipeline(client, arn, schedule={"scheduleExpression": "cron(0 12 * * ? *)"})[
        "dateNextRun"] == aws_date(midnight + timedelta(hours=12))
    zoned = update_pipeline(client, arn, schedule={"scheduleExpression": "cron(0 12 * * ? *)", "timezone": "Asia/Tokyo"})
    assert zoned["dateNextRun"] == aws_date(midnight + timedelta(hours=3))  # 12:00 in Tokyo is 03:00 UTC
    assert "dateNextRun" not in update_pipeline(client, arn, status="DISABLED")
    assert update_pipeline(client, arn, status="ENABLED")["dateNextRun"] == aws_date(midnight + timedelta(hours=3))
    unscheduled = update_pipeline(client, arn, schedule=None)
    assert "schedule" not in unscheduled and "dateNextRun" not in unscheduled
    # rate() counts from the update that set it
    assert fired(advance(clock_server, 1800), arn) == []
    assert update_pipeline(client, arn, schedule={"scheduleExpression": "rate(2 hours)"})[
        "dateNextRun"] == aws_date(midnight + timedelta(minutes=150))
    # an update that keeps the schedule keeps its rate() anchor
    assert fired(advance(clock_server, 1800), arn) == []
    assert update_pipeline(client, arn, description="same schedule")["dateNextRun"] == aws_date(
        midnight + timedelta(minutes=150))
    assert update_pipeline(client, arn, schedule={"scheduleExpression": "cron(0 0 1 1 ? 2020)"}).get(
        "dateNextRun") is None
    assert fired(advance(clock_server, 3 * HOUR), arn) == []


# -- firing -------------------------------------------------------------------------------------

def test_advance_fires_each_due_run_once_in_order(clock_server):
    client = clock_server.client()
    midnight = next_midnight(clock_server)
    every_3h = make_pipeline(client, {"scheduleExpression": "cron(0 */3 * * ? *)",
                                      "pipelineExecutionStartCondition": MATCH_ONLY},
                             imageTags={"team": "build", "cadence": "3h"})
    every_8h = make_pipeline(client, {"scheduleExpression": "cron(30 */8 * * ? *)",
                                      "pipelineExecutionStartCondition": MATCH_ONLY})
    response = advance(clock_server, DAY)
    assert response["now"] == aws_date(midnight + timedelta(days=1))
    due_3h = [midnight + timedelta(hours=h) for h in range(3, 25, 3)]        # 03:00 ... 24:00 (the target itself)
    due_8h = [midnight + timedelta(hours=h, minutes=30) for h in (0, 8, 16)]
    expected = sorted([(every_3h, aws_date(d), "STARTED") for d in due_3h]
                      + [(every_8h, aws_date(d), "STARTED") for d in due_8h], key=lambda item: item[1])
    assert fired(response, every_3h, every_8h) == expected

    for arn, due, tags in ((every_3h, due_3h, {"team": "build", "cadence": "3h"}), (every_8h, due_8h, {})):
        images = pipeline_images(client, arn)
        assert [image["dateCreated"] for image in images] == [aws_date(d) for d in due]  # each run at its due time
        assert {image["buildType"] for image in images} == {"SCHEDULED"}
        for image in images:
            full = client.get_image(imageBuildVersionArn=image["arn"])["image"]
            assert full["buildType"] == "SCHEDULED" and full["tags"] == tags
            assert full["sourcePipelineArn"] == arn
    reported = {item["imageBuildVersionArn"] for item in response["fired"] if item["imagePipelineArn"] == every_3h}
    assert reported == {image["arn"] for image in pipeline_images(client, every_3h)}

    # nothing fires twice; the next runs are after now
    assert fired(advance(clock_server, 0), every_3h, every_8h) == []
    assert fired(move_clock(clock_server, set=aws_date(midnight + timedelta(days=1))), every_3h, every_8h) == []
    assert get_pipeline(client, every_3h)["dateNextRun"] == aws_date(midnight + timedelta(hours=27))
    assert get_pipeline(client, every_8h)["dateNextRun"] == aws_date(midnight + timedelta(hours=24, minutes=30))
    assert get_pipeline(client, every_3h)["dateLastRun"] == aws_date(due_3h[-1])
    log = oib_logs(clock_server, every_8h)
    for due in due_8h:
        assert f"Scheduled run due {aws_date(due)}: STARTED" in log
    for image in pipeline_images(client, every_3h) + pipeline_images(client, every_8h):
        assert wait_done(client, image["arn"])["state"]["status"] == "AVAILABLE"


def test_default_start_condition_builds_only_when_dependencies_change(clock_server):
    client = clock_server.client()
    account = client._request_signer._credentials.access_key
    midnight = next_midnight(clock_server)
    name = unique("comp")
    component(client, "echo one", name, "1.0.0")
    wildcard = f"arn:aws:imagebuilder:{REGION}:{account}:component/{name}/1.x.x"
    parent_recipe = recipe(client, [wildcard])
    arn = make_pipeline(client, {"scheduleExpression": EVERY_HOUR}, imageRecipeArn=parent_recipe)
    assert get_pipeline(client, arn)["schedule"]["pipelineExecutionStartCondition"] == \
        "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE"

    def run_hour() -> tuple[str, str | None]:
        response = advance(clock_server, HOUR)
        [item] = [item for item in response["fired"] if item["imagePipelineArn"] == arn]
        return item["outcome"], item["imageBuildVersionArn"]

    outcome, first = run_hour()                      # no image yet: builds
    assert outcome == "STARTED"
    assert run_hour() == ("SKIPPED_NO_DEPENDENCY_UPDATES", None)
    assert run_hour() == ("SKIPPED_NO_DEPENDENCY_UPDATES", None)
    newer = component(client, "echo two", name, "1.1.0")  # matches 1.x.x: a dependency update
    outcome, second = run_hour()
    assert outcome == "STARTED"
    used = client.get_image(imageBuildVersionArn=second)["image"]["imageRecipe"]["components"]
    assert [item["componentArn"] for item in used] == [newer]
    assert run_hour() == ("SKIPPED_NO_DEPENDENCY_UPDATES", None)
    component(client, "echo three", name, "2.0.0")     # outside 1.x.x: not an update for this recipe
    assert run_hour() == ("SKIPPED_NO_DEPENDENCY_UPDATES", None)
    assert [image["arn"] for image in pipeline_images(client, arn)] == [first, second]
    for image in (first, second):
        assert wait_done(client, image)["state"]["status"] == "AVAILABLE"
    # the skipped runs are in the pipeline's log
    log = oib_logs(clock_server, arn)
    assert f"Scheduled run due {aws_date(midnight + timedelta(hours=2))}: SKIPPED_NO_DEPENDENCY_UPDATES" in log
    assert log.count("SKIPPED_NO_DEPENDENCY_UPDATES") == 4 and log.count(": STARTED") == 2
    missing = arn.rsplit("/", 1)[0] + "/no-such-pipeline"
    assert "does not exist" in oib(clock_server, "logs", missing, status=1)

    # a recipe whose parent image is this pipeline's output, by wildcard: a new build of the parent
    # is a dependency update for the child
    parent_image = first.rsplit("/", 2)[0] + "/x.x.x"
    child = make_pipeline(client, {"scheduleExpression": EVERY_HOUR}, imageRecipeArn=recipe(client, parent=parent_image))
    response = advance(clock_server, HOUR)
    child_first = image_of(response, child)
    assert client.get_image(imageBuildVersionArn=child_first)["image"]["imageRecipe"]["parentImage"] == second
    assert fired(advance(clock_server, HOUR), child) == [
        (child, aws_date(midnight + timedelta(hours=8)), "SKIPPED_NO_DEPENDENCY_UPDATES")]
    rebuilt = client.start_image_pipeline_execution(imagePipelineArn=arn)["imageBuildVersionArn"]
    assert wait_done(client, rebuilt)["state"]["status"] == "AVAILABLE"
    child_second = image_of(advance(clock_server, HOUR), child)
    assert client.get_image(imageBuildVersionArn=child_second)["image"]["imageRecipe"]["parentImage"] == rebuilt
    for image in (child_first, child_second):
        assert wait_done(client, image)["state"]["status"] == "AVAILABLE"


def test_disabled_and_deleted_pipelines_do_not_fire(clock_server):
    client = clock_server.client()
    midnight = next_midnight(clock_server)
    schedule = {"scheduleExpression": EVERY_HOUR, "pipelineExecutionStartCondition": MATCH_ONLY}
    disabled = make_pipeline(client, schedule, status="DISABLED")
    toggled = make_pipeline(client, schedule)
    name = unique("pipeline")
    deleted = make_pipeline(client, schedule, name=name)
    client.delete_image_pipeline(imagePipelineArn=deleted)
    update_pipeline(client, toggled, status="DISABLED")
    assert fired(advance(clock_server, 3 * HOUR), disabled, toggled, deleted) == []
    for arn in (disabled, toggled, deleted):
        assert pipeline_images(client, arn) == []
    # re-enabled: the next run is the first one after now, no catch-up for the runs it missed
    assert update_pipeline(client, toggled, status="ENABLED")["dateNextRun"] == aws_date(midnight + timedelta(hours=4))
    # the same name again is a new pipeline with a new schedule
    again = make_pipeline(client, schedule, name=name)
    assert again == deleted and get_pipeline(client, again)["dateNextRun"] == aws_date(midnight + timedelta(hours=4))
    # `oib clock advance` prints the new time, then one line per firing: due time, pipeline, outcome, image
    lines = oib(clock_server, "clock", "advance", "1h").splitlines()
    assert lines[0] == aws_date(midnight + timedelta(hours=4))
    runs = [line.split() for line in lines[1:] if line.split()[1] in (disabled, toggled, again)]
    assert sorted((arn, due, outcome) for due, arn, outcome, _ in runs) == sorted(
        [(toggled, aws_date(midnight + timedelta(hours=4)), "STARTED"),
         (again, aws_date(midnight + timedelta(hours=4)), "STARTED")])
    for _, _, _, image in runs:
        assert wait_done(client, image)["state"]["status"] == "AVAILABLE"


def test_set_jumps_with_one_catch_up_run_per_pipeline(clock_server):
    client = clock_server.client()
    midnight = next_midnight(clock_server)
    hourly = make_pipeline(client, {"scheduleExpression": EVERY_HOUR, "pipelineExecutionStartCondition": MATCH_ONLY})
    rate = make_pipeline(client, {"scheduleExpression": "rate(1 hour)", "pipelineExecutionStartCondition": MATCH_ONLY})
    daily = make_pipeline(client, {"scheduleExpression": "cron(0 0 * * ? *)", "pipelineExecutionStartCondition": MATCH_ONLY})
    jumped = midnight + timedelta(days=3, minutes=30)
    response = move_clock(clock_server, set=aws_date(jumped))
    assert response["now"] == aws_date(jumped)
    # one catch-up run each, for the first run missed; made at the new now
    assert sorted(fired(response, hourly, rate, daily)) == sorted([
        (hourly, aws_date(midnight + timedelta(hours=1)), "STARTED"),
        (rate, aws_date(midnight + timedelta(hours=1)), "STARTED"),
        (daily, aws_date(midnight + timedelta(days=1)), "STARTED")])
    for arn, following in ((hourly, jumped + timedelta(minutes=30)), (rate, jumped + timedelta(minutes=30)),
                           (daily, midnight + timedelta(days=4))):
        pipeline = get_pipeline(client, arn)
        assert pipeline["dateNextRun"] == aws_date(following)
        assert pipeline["dateLastRun"] == aws_date(jumped)
        images = pipeline_images(client, arn)
        assert [image["dateCreated"] for image in images] == [aws_date(jumped)]
        assert wait_done(client, images[0]["arn"])["state"]["status"] == "AVAILABLE"
    assert fired(advance(clock_server, 0), hourly, rate, daily) == []
    # the clock only moves forward
    reply = httpx.post(f"{clock_server.url}/_oib/clock", json={"set": aws_date(midnight)}, timeout=30)
    assert reply.status_code == 400 and "only moves forward" in reply.json()["message"]
    assert httpx.post(f"{clock_server.url}/_oib/clock", json={"advance": -60}, timeout=30).status_code == 400
    assert httpx.post(f"{clock_server.url}/_oib/clock", json={"advance": "soon"}, timeout=30).status_code == 400
    assert clock_now(clock_server) == jumped


def test_runs_missed_while_the_service_was_down_make_one_catch_up_run(clock_server):
    """The scheduler thread itself, at start-up: the clock was moved while the service was stopped."""
    client = clock_server.client()
    midnight = next_midnight(clock_server)
    hourly = make_pipeline(client, {"scheduleExpression": EVERY_HOUR, "pipelineExecutionStartCondition": MATCH_ONLY})
    daily = make_pipeline(client, {"scheduleExpression": "cron(0 0 * * ? *)", "pipelineExecutionStartCondition": MATCH_ONLY})
    clock_server.stop()
    back = midnight + timedelta(days=3, minutes=30)
    engine = create_store_engine(clock_server.database_url or sqlite_url(clock_server.env["OIB_DATA_DIR"]), pool_size=1)
    stored = StoredClock(engine)
    stored.set(back)
    stored.close()
    engine.dispose()
    clock_server.restart()
    images = wait_until(lambda: (found := [pipeline_images(client, arn) for arn in (hourly, daily)])
                        and all(found) and found, what="the catch-up runs")
    assert [[image["dateCreated"] for image in found] for found in images] == [[aws_date(back)]] * 2
    assert get_pipeline(client, hourly)["dateNextRun"] == aws_date(back + timedelta(minutes=30))
    assert get_pipeline(client, daily)["dateNextRun"] == aws_date(midnight + timedelta(days=4))
    assert fired(advance(clock_server, 0), hourly, daily) == []
    assert "Scheduled run due " + aws_date(midnight + timedelta(hours=1)) + ": STARTED" in oib_logs(clock_server, hourly)
    for found in images:
        assert wait_done(client, found[0]["arn"])["state"]["status"] == "AVAILABLE"
    assert [len(pipeline_images(client, arn)) for arn in (hourly, daily)] == [1, 1]


# -- consecutive failures ------------------------------------------------------------------------

def test_consecutive_failures_and_auto_disable(clock_server):
    client = clock_server.client()
    account = client._request_signer._credentials.access_key
    midnight = next_midnight(clock_server)
    name = unique("comp")
    component(client, "echo oib:fail", name, "1.0.0")
    wildcard = f"arn:aws:imagebuilder:{REGION}:{account}:component/{name}/1.x.x"
    arn = make_pipeline(client, {"scheduleExpression": EVERY_HOUR, "pipelineExecutionStartCondition": MATCH_ONLY,
                                 "autoDisablePolicy": {"failureCount": 2}}, imageRecipeArn=recipe(client, [wildcard]))

    def scheduled_run() -> dict[str, Any]:
        return wait_done(client, image_of(advance(clock_server, HOUR), arn))

    def failures() -> int:
        return get_pipeline(client, arn).get("consecutiveFailures", 0)

    assert scheduled_run()["state"]["status"] == "FAILED"
    pipeline = get_pipeline(client, arn)
    assert (pipeline["consecutiveFailures"], pipeline["status"]) == (1, "ENABLED")
    assert pipeline["lastRunStatus"] == "FAILED"
    # a failed manual run does not count
    manual = client.start_image_pipeline_execution(imagePipelineArn=arn)["imageBuildVersionArn"]
    assert wait_done(client, manual)["state"]["status"] == "FAILED"
    assert failures() == 1 and get_pipeline(client, arn)["status"] == "ENABLED"
    # a successful scheduled run resets the count
    component(client, "echo fixed", name, "1.0.1")
    assert scheduled_run()["state"]["status"] == "AVAILABLE"
    assert failures() == 0
    component(client, "echo oib:fail again", name, "1.0.2")
    assert scheduled_run()["state"]["status"] == "FAILED"
    assert failures() == 1 and get_pipeline(client, arn)["status"] == "ENABLED"
    assert scheduled_run()["state"]["status"] == "FAILED"
    # the second consecutive failure disables the pipeline: no next run, nothing fires
    pipeline = get_pipeline(client, arn)
    assert (pipeline["consecutiveFailures"], pipeline["status"]) == (2, "DISABLED") and "dateNextRun" not in pipeline
    assert pipeline["dateLastRun"] == aws_date(midnight + timedelta(hours=4))
    assert fired(advance(clock_server, 3 * HOUR), arn) == []
    assert len(pipeline_images(client, arn)) == 5
    assert "disabled after 2 consecutive failed scheduled runs" in oib_logs(clock_server, arn)
    # re-enabling (an update) resets the count and schedules the next run
    enabled = update_pipeline(client, arn, status="ENABLED")
    assert enabled.get("consecutiveFailures", 0) == 0
    assert enabled["dateNextRun"] == aws_date(midnight + timedelta(hours=8))


def test_default_auto_disable_policy_is_five_failures(clock_server):
    client = clock_server.client()
    next_midnight(clock_server)
    failing = recipe(client, [component(client, "echo oib:fail", unique("comp"), "1.0.0")])
    arn = make_pipeline(client, {"scheduleExpression": EVERY_HOUR, "pipelineExecutionStartCondition": MATCH_ONLY},
                        imageRecipeArn=failing)
    for count in range(1, 6):
        assert wait_done(client, image_of(advance(clock_server, HOUR), arn))["state"]["status"] == "FAILED"
        pipeline = get_pipeline(client, arn)  # recorded with the image's final state, in one transaction
        assert (pipeline["consecutiveFailures"], pipeline["status"]) == (count, "DISABLED" if count == 5 else "ENABLED")
    assert "dateNextRun" not in get_pipeline(client, arn)
    assert fired(advance(clock_server, HOUR), arn) == []


# -- several processes ---------------------------------------------------------------------------

@pytest.fixture
def second_process(clock_server, tmp_path) -> Iterator[Server]:
    if clock_server.store != "postgresql":
        pytest.skip("several processes share PostgreSQL; SQLite is one process's embedded store")
    started = start_server(clock_server.store, clock_server.database_url, tmp_path, {"OIB_CLOCK": "manual"})
    yield started
    started.stop()


def test_two_processes_fire_each_due_time_once(clock_server, second_process):
    client = clock_server.client()
    account = client._request_signer._credentials.access_key
    midnight = next_midnight(clock_server)
    assert clock_now(second_process) == midnight  # one clock in the store
    schedule = {"scheduleExpression": EVERY_HOUR, "pipelineExecutionStartCondition": MATCH_ONLY}
    arns = [make_pipeline(client, schedule) for _ in range(3)]
    hours = 8

    # While the first process walks the clock forward, the second one's scheduler thread runs and
    # the second process is asked to fire whatever is due, again and again.
    stop = threading.Event()
    second_fired: list[dict[str, Any]] = []

    def poke() -> None:
        while not stop.is_set():
            second_fired.extend(advance(second_process, 0)["fired"])

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        pokers = [pool.submit(poke) for _ in range(2)]
        try:
            response = advance(clock_server, hours * HOUR)
        finally:
            stop.set()
        for poker in pokers:
            poker.result()
    due = [aws_date(midnight + timedelta(hours=h)) for h in range(1, hours + 1)]
    reported = [(item["imagePipelineArn"], item["dueAt"])
                for item in response["fired"] + second_fired if item["imagePipelineArn"] in arns]
    assert len(reported) == len(set(reported)) <= len(arns) * hours  # no due time reported twice
    other = second_process.client(account)
    for arn in arns:
        images = pipeline_images(other, arn)
        assert [image["dateCreated"] for image in images] == due, arn  # one image per due time, at that time
        assert get_pipeline(client, arn)["dateNextRun"] == aws_date(midnight + timedelta(hours=hours + 1))
    last = [pipeline_images(client, arn)[-1]["arn"] for arn in arns]
    assert [wait_done(client, image)["state"]["status"] for image in last] == ["AVAILABLE"] * len(arns)
