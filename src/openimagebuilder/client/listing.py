"""`oib pipelines list` and `oib images list`: what the account has, one table each."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.table import Table

from .styles import status_text, when


def _pages(client: Any, operation: str, member: str, **params: Any) -> Iterator[dict[str, Any]]:
    for page in client.get_paginator(operation).paginate(**params):
        yield from page.get(member, [])


def pipelines_table(client: Any) -> Table:
    table = Table(title="Image pipelines", title_justify="left", expand=False)
    for column in ("Name", "Status", "Schedule", "Next run", "Last run", "Last run status", "ARN"):
        table.add_column(column, overflow="fold")
    pipelines = sorted(_pages(client, "list_image_pipelines", "imagePipelineList"), key=lambda p: p["name"])
    for pipeline in pipelines:
        schedule = (pipeline.get("schedule") or {}).get("scheduleExpression") or "manual"
        table.add_row(pipeline["name"], status_text(pipeline.get("status", "")), schedule,
                      when(pipeline.get("dateNextRun")), when(pipeline.get("dateLastRun")),
                      status_text(pipeline.get("lastRunStatus") or ""), pipeline["arn"])
    return table


def images_table(client: Any) -> Table:
    """Every build of every image version the account owns, oldest first."""
    table = Table(title="Images", title_justify="left", expand=False)
    for column in ("Name", "Version", "Type", "Status", "Created", "ARN"):
        table.add_column(column, overflow="fold")
    builds = [build for version in _pages(client, "list_images", "imageVersionList", owner="Self")
              for build in _pages(client, "list_image_build_versions", "imageSummaryList",
                                  imageVersionArn=version["arn"])]
    for build in sorted(builds, key=lambda image: (image.get("dateCreated", ""), image["arn"])):
        version = build["arn"].rsplit("/", 2)
        table.add_row(build["name"], f"{version[-2]}/{version[-1]}", build.get("type", ""),
                      status_text((build.get("state") or {}).get("status", "")), when(build.get("dateCreated")),
                      build["arn"])
    return table


def print_table(console: Console, table: Table) -> None:
    if table.row_count == 0:
        console.print(f"{table.title}: none")
        return
    console.print(table)
