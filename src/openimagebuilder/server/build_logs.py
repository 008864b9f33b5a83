"""Logs over HTTP for `oib logs`:
- GET /_oib/logs?imageBuildVersionArn=<arn>&after=<id>: an image's build log;
- GET /_oib/logs?imagePipelineArn=<arn>&after=<id>: an image pipeline's log (its scheduled runs:
  started, skipped, failed to start; auto-disable), stream = the pipeline ARN.
The account and region come from the ARN itself (the log belongs to the image or pipeline)."""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from sqlalchemy import Engine

from ..domain.arn import parse_arn, partition_of
from ..store.database import transaction
from ..store.executions import ExecutionRepository
from ..store.repository import Repository

LOGS_PATH = "/_oib/logs"
TERMINAL = frozenset({"AVAILABLE", "FAILED", "CANCELLED", "DEPRECATED", "DISABLED", "DELETED"})
_USAGE = "Give imageBuildVersionArn (an image build-version ARN) or imagePipelineArn (an image pipeline ARN)."


def read_logs(engine: Engine, query_string: bytes) -> tuple[int, dict[str, Any]]:
    query = parse_qs(query_string.decode("latin-1"))
    image_text = (query.get("imageBuildVersionArn") or [""])[0]
    pipeline_text = (query.get("imagePipelineArn") or [""])[0]
    if bool(image_text) == bool(pipeline_text):
        return 400, {"message": _USAGE}
    arn_text = image_text or pipeline_text
    arn = parse_arn(arn_text)
    if image_text and (arn is None or arn.resource_type != "image" or arn.build is None):
        return 400, {"message": "imageBuildVersionArn must be an image build-version ARN."}
    if pipeline_text and (arn is None or arn.resource_type != "image-pipeline" or arn.version is not None):
        return 400, {"message": "imagePipelineArn must be an image pipeline ARN."}
    try:
        after = int((query.get("after") or ["0"])[0])
    except ValueError:
        return 400, {"message": "after must be an integer."}
    assert arn is not None  # refused above otherwise, for either parameter
    with transaction(engine, write=False) as connection:
        resource = Repository(connection, arn.owner, arn.region, partition_of(arn.region)).get(arn_text)
        events = ExecutionRepository(connection, arn.owner, arn.region).log_events(arn_text, after)
    if image_text:
        if resource is None:
            return 404, {"message": f"The image '{arn_text}' does not exist."}
        status = resource.document["state"]["status"]
        finished = status in TERMINAL
    elif resource is None:
        if not events and after == 0:
            return 404, {"message": f"The image pipeline '{arn_text}' does not exist."}
        status, finished = "DELETED", True  # a deleted pipeline's log stays readable
    else:
        status, finished = resource.document.get("status", "ENABLED"), False  # a pipeline's log goes on
    return 200, {
        "events": [{"id": id_, "logGroup": group, "timestamp": stamp, "message": message}
                   for id_, group, stamp, message in events],
        "status": status, "finished": finished,
    }
