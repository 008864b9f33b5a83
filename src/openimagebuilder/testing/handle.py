"""What a test holds: a service, an account of its own on it, and the helpers tests need most —
boto3 clients, the manual clock, waiting for an image, tags that inject failures, build logs."""
from __future__ import annotations

import random
import time
import urllib.parse
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from ..client.durations import seconds
from ..client.endpoint import call_service
from ..engine.simulated import BLOCK_SECONDS_TAG, FAIL_MARKER, FAIL_STEP_TAG, STEP_SECONDS_TAG

FINAL_STATES = frozenset({"AVAILABLE", "FAILED", "CANCELLED", "DEPRECATED", "DISABLED", "DELETED"})
# A component step with this among its commands fails (simulated backend).
FAILING_COMMAND = f"echo {FAIL_MARKER}"


class ImageTimeout(AssertionError):
    """An image did not reach a final state in time; the message ends with its build log."""


def build_tags(fail_steps: Iterable[str] = (), step_seconds: float | None = None,
               block_seconds: float | None = None) -> dict[str, str]:
    """Image tags that steer one simulated build: fail the named workflow steps, make each step
    take `step_seconds` (to cancel a build in flight, say), or block each backend call as long."""
    tags = {}
    if fail_steps:
        tags[FAIL_STEP_TAG] = ",".join(fail_steps)
    if step_seconds is not None:
        tags[STEP_SECONDS_TAG] = str(step_seconds)
    if block_seconds is not None:
        tags[BLOCK_SECONDS_TAG] = str(block_seconds)
    return tags


def new_account_id() -> str:
    """A random 12-digit id: as an access key, the service takes it as the caller's account."""
    return f"{random.randrange(10**11, 10**12):012d}"


class Clock:
    """The service's manual clock (a service started with clock="manual")."""

    def __init__(self, url: str) -> None:
        self.url = url

    def now(self) -> datetime:
        return _date(call_service(self.url, "/_oib/clock")["now"])

    def advance(self, by: float | str | timedelta) -> list[dict[str, Any]]:
        """Moves the clock forward by seconds, a duration ("90s", "15m", "24h", "2d") or a
        timedelta, firing every scheduled run due on the way, each at its own time; the runs
        fired (imagePipelineArn, dueAt, outcome, imageBuildVersionArn)."""
        amount = by.total_seconds() if isinstance(by, timedelta) else seconds(by) if isinstance(by, str) else by
        return list(call_service(self.url, "/_oib/clock", {"advance": amount}, timeout=300)["fired"])

    def set(self, to: datetime | str) -> list[dict[str, Any]]:
        """Jumps forward to a time (as after an outage: one catch-up run per pipeline that
        missed runs); the runs fired."""
        text = to.isoformat() if isinstance(to, datetime) else to
        return list(call_service(self.url, "/_oib/clock", {"set": text}, timeout=300)["fired"])


class Oib:
    """A running service seen from one account: `imagebuilder` (a boto3 client), `client(...)`
    for others, `clock`, `wait_for_image`, `build_log`, `environ` for code that makes its own
    clients."""

    def __init__(self, url: str, account_id: str | None = None, region: str = "us-east-1") -> None:
        self.url = url
        self.account_id = account_id or new_account_id()
        self.region = region
        self.clock = Clock(url)

    def client(self, service: str = "imagebuilder", region: str | None = None, account_id: str | None = None) -> Any:
        """A boto3 client bound to the service, as this account (or another one); no retries."""
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            service, endpoint_url=self.url, region_name=region or self.region,
            aws_access_key_id=account_id or self.account_id, aws_secret_access_key="test",
            config=Config(retries={"total_max_attempts": 1}))

    @cached_property
    def imagebuilder(self) -> Any:
        return self.client()

    @property
    def environ(self) -> dict[str, str]:
        """Variables that point boto3, the AWS CLI and the AWS SDKs at the service as this
        account: for code under test that makes its own clients (monkeypatch.setenv each)."""
        return {"AWS_ENDPOINT_URL_IMAGEBUILDER": self.url, "AWS_ACCESS_KEY_ID": self.account_id,
                "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": self.region, "AWS_REGION": self.region,
                "OIB_ENDPOINT_URL": self.url}

    def wait_for_image(self, image_arn: str, timeout: float = 60, poll_seconds: float = 0.05) -> dict[str, Any]:
        """The image (GetImage's `image`) once it is in a final state, AVAILABLE or not; ImageTimeout,
        with the build log, if it is not within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            image: dict[str, Any] = self.imagebuilder.get_image(imageBuildVersionArn=image_arn)["image"]
            if image["state"]["status"] in FINAL_STATES:
                return image
            if time.monotonic() > deadline:
                log = "\n".join(self.build_log(image_arn)[-40:])
                raise ImageTimeout(f"{image_arn} is still {image['state']['status']} after {timeout} s; "
                                   f"its build log:\n{log}")
            time.sleep(poll_seconds)

    def build_log(self, image_arn: str) -> list[str]:
        """An image's build log (what `oib logs` prints), one message per line."""
        lines: list[str] = []
        after = 0
        while True:  # the service answers a long log a part at a time
            query = urllib.parse.urlencode({"imageBuildVersionArn": image_arn, "after": after})
            events = call_service(self.url, f"/_oib/logs?{query}")["events"]
            if not events:
                return lines
            lines.extend(event["message"] for event in events)
            after = events[-1]["id"]


def _date(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
