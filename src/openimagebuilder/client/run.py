"""`oib run <pipeline> [--wait]`: starts an image pipeline, then (with --wait) shows each workflow
step as it runs and exits with the image's final state: 0 AVAILABLE, 1 anything else."""
from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.live import Live

from .errors import USAGE, CommandError
from .progress import BuildView, changes, observe, render

EXIT_AVAILABLE = 0
EXIT_NOT_AVAILABLE = 1


def pipeline_arn(client: Any, given: str) -> str:
    """An image pipeline ARN as given, or the ARN of the account's pipeline of that name."""
    if given.startswith("arn:"):
        return given
    paginator = client.get_paginator("list_image_pipelines")
    for page in paginator.paginate(filters=[{"name": "name", "values": [given]}]):
        for pipeline in page.get("imagePipelineList", []):
            if pipeline["name"] == given:
                return str(pipeline["arn"])
    raise CommandError(f"no image pipeline named '{given}' in this account and region (`oib pipelines list` "
                       "shows them)", USAGE)


def start(client: Any, arn: str, tags: dict[str, str]) -> str:
    extra = {"tags": tags} if tags else {}
    answer = client.start_image_pipeline_execution(imagePipelineArn=arn, clientToken=str(uuid.uuid4()), **extra)
    return str(answer["imageBuildVersionArn"])


def wait(client: Any, image_arn: str, console: Console, poll_seconds: float) -> BuildView:
    """Until the image reaches a final state: a live table on a terminal, a line per change
    otherwise (CI logs, pipes)."""
    if console.is_terminal:
        view = observe(client, image_arn)
        with Live(render(view, datetime.now(UTC)), console=console, refresh_per_second=8) as live:
            while not view.finished:
                time.sleep(poll_seconds)
                view = observe(client, image_arn)
                live.update(render(view, datetime.now(UTC)))
        return view
    before: BuildView | None = None
    while True:
        view = observe(client, image_arn)
        for line in changes(before, view):
            console.print(f"{datetime.now(UTC):%H:%M:%S} {line}", highlight=False, markup=False, soft_wrap=True)
        if view.finished:
            return view
        before = view
        time.sleep(poll_seconds)


def exit_status(view: BuildView) -> int:
    return EXIT_AVAILABLE if view.status == "AVAILABLE" else EXIT_NOT_AVAILABLE
