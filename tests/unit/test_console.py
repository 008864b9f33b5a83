"""The console's parts that need no server: the step timeline, sessions under --auth sigv4, the
same-origin rule for actions, and its layering (it reaches the store only through the API)."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from openimagebuilder.console.http import Request
from openimagebuilder.console.http import same_origin as same_origin_rule
from openimagebuilder.console.session import SESSION_SECONDS, Choice, LoginError, Sessions
from openimagebuilder.console.timeline import WIDTH, build_timeline
from openimagebuilder.server.auth.credentials import Credential
from openimagebuilder.server.settings import Settings
from tests.unit.test_layering import PACKAGE, _imported_packages

NOW = datetime(2026, 12, 3, 8, 0, 10, tzinfo=UTC)


def _step(name: str, status: str, start: str | None, end: str | None) -> dict:
    return {"stepExecutionId": f"step-{name}", "name": name, "action": "RunCommand", "status": status,
            "startTime": start, "endTime": end}


def test_timeline_places_steps_and_names_where_the_build_failed():
    workflows = [{"workflowExecutionId": "wf-1", "type": "BUILD", "status": "FAILED",
                  "startTime": "2026-12-03T08:00:00.000Z", "endTime": "2026-12-03T08:00:04.000Z"}]
    steps = {"wf-1": [_step("Launch", "COMPLETED", "2026-12-03T08:00:00.000Z", "2026-12-03T08:00:01.000Z"),
                      _step("Run", "FAILED", "2026-12-03T08:00:01.000Z", "2026-12-03T08:00:04.000Z"),
                      _step("Cleanup", "FAILED", None, None)]}
    timeline = build_timeline(workflows, steps, NOW)
    launch, run, cleanup = timeline.workflows[0].steps
    assert timeline.span_seconds == 4 and timeline.failed_step == "BUILD / Run"
    assert (launch.offset_seconds, launch.duration_seconds) == (0, 1)
    assert launch.bar is not None and (launch.bar.x, launch.bar.width) == (0, WIDTH / 4)
    assert run.bar is not None and (run.bar.x, run.bar.width) == (WIDTH / 4, 3 * WIDTH / 4)
    assert run.failed_here and not cleanup.failed_here  # the first failure only
    assert cleanup.bar is None and cleanup.duration_seconds is None


def test_a_running_step_lasts_until_now_and_nothing_started_is_empty():
    workflows = [{"workflowExecutionId": "wf-1", "status": "RUNNING", "startTime": "2026-12-03T08:00:00Z"}]
    timeline = build_timeline(workflows, {"wf-1": [_step("Wait", "RUNNING", "2026-12-03T08:00:05Z", None)]}, NOW)
    assert timeline.span_seconds == 10 and timeline.workflows[0].steps[0].duration_seconds == 5
    assert build_timeline([], {}, NOW).workflows == []
    pending = build_timeline([{"workflowExecutionId": "wf-2", "status": "PENDING"}], {}, NOW)
    assert pending.origin is None and pending.workflows[0].bar is None


def _sessions(credential: Credential) -> Sessions:
    identity = SimpleNamespace(
        verifier=object(), settings=Settings(auth="sigv4"), regions={"us-east-1", "eu-west-1"},
        credentials=SimpleNamespace(lookup=lambda key: credential if key == credential.access_key_id else None))
    return Sessions(identity, b"service-secret")  # type: ignore[arg-type]


def test_a_session_is_the_credential_and_ends_with_it():
    credential = Credential("AKIAEXAMPLE", "s3cret", "111111111111", admin=False)
    sessions = _sessions(credential)
    cookie = sessions.sign_in("AKIAEXAMPLE", "s3cret", "us-east-1", now=1000)
    principal = sessions.signed_in(cookie, now=1001)
    assert principal is not None
    assert (principal.account, principal.region, principal.admin, principal.secret_access_key) == (
        "111111111111", "us-east-1", False, "s3cret")
    assert sessions.signed_in(cookie, region="eu-west-1", now=1001).region == "eu-west-1"
    assert sessions.signed_in(cookie, now=1000 + SESSION_SECONDS + 1) is None  # expired
    assert sessions.signed_in(cookie[:-1] + ("0" if cookie[-1] != "0" else "1"), now=1001) is None  # tampered
    assert sessions.signed_in("garbage", now=1001) is None
    # The same key id with a new secret: the old sessions end.
    assert _sessions(Credential("AKIAEXAMPLE", "other", "111111111111")).signed_in(cookie, now=1001) is None
    for key, secret in (("AKIAEXAMPLE", "wrong"), ("AKIAUNKNOWN", "s3cret")):
        try:
            sessions.sign_in(key, secret, "us-east-1")
        except LoginError as refused:
            assert "do not match" in str(refused)
        else:
            raise AssertionError("signed in with a wrong credential")


def test_choices_of_account_and_region_are_checked():
    sessions = _sessions(Credential("AKIAEXAMPLE", "s3cret", "111111111111"))
    assert sessions.check_choice(Choice("12345", None)) == "An account id is 12 digits."
    assert sessions.check_choice(Choice(None, "mars-1")) == "Unknown region 'mars-1'."
    assert sessions.check_choice(Choice("222222222222", "eu-west-1")) is None


def _post(headers: dict[str, str]) -> Request:
    return Request("POST", "/console/pipeline/start", {}, {}, {}, {"host": "127.0.0.1:4010", **headers}, False)


def test_actions_come_from_the_console_s_own_origin():
    assert same_origin_rule(_post({"origin": "http://127.0.0.1:4010", "sec-fetch-site": "same-origin"}))
    assert same_origin_rule(_post({}))  # not a browser: no forgery possible
    assert not same_origin_rule(_post({"origin": "https://elsewhere.example"}))
    assert not same_origin_rule(_post({"sec-fetch-site": "cross-site"}))
    assert not same_origin_rule(_post({"origin": "https://127.0.0.1:4010"}))  # another scheme is another origin


def test_the_console_reaches_the_store_only_through_the_api():
    offenders = {str(path.relative_to(PACKAGE)): sorted(_imported_packages(path) & {"store", "engine", "scheduler"})
                 for path in (PACKAGE / "console").rglob("*.py")}
    assert {path: found for path, found in offenders.items() if found} == {}
    assert Path(PACKAGE / "console" / "templates" / "base.html").is_file()
