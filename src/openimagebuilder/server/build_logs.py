"""Build logs over HTTP for `oib logs`: GET /_oib/logs?imageBuildVersionArn=<arn>&after=<id>.
The account and region come from the ARN itself (the log belongs to the image)."""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from sqlalchemy import Engine

from ..domain.arn import parse_arn
from ..store.database import transaction
from ..store.executions import ExecutionRepository
from ..store.repository import Repository
from .identity import partition_of

LOGS_PATH = "/_oib/logs"
TERMINAL = frozenset({"AVAILABLE", "FAILED", "CANCELLED", "DEPRECATED", "DISABLED", "DELETED"})


def read_logs(engine: Engine, query_string: bytes) -> tuple[int, dict[str, Any]]:
    query = parse_qs(query_string.decode("latin-1"))
    arn_text = (query.get("imageBuildVersionArn") or [""])[0]
    arn = parse_arn(arn_text)
    if arn is None or arn.resource_type != "image" or arn.build is None:
        return 400, {"message": "imageBuildVersionArn must be an image build-version ARN."}
    try:
        after = int((query.get("after") or ["0"])[0])
    except ValueError:
        return 400, {"message": "after must be an integer."}
    with transaction(engine, write=False) as connection:
        image = Repository(connection, arn.owner, arn.region, partition_of(arn.region)).get(arn_text)
        if image is None:
            return 404, {"message": f"The image '{arn_text}' does not exist."}
        events = ExecutionRepository(connection, arn.owner, arn.region).log_events(arn_text, after)
    status = image.document["state"]["status"]
    return 200, {
        "events": [{"id": id_, "logGroup": group, "timestamp": stamp, "message": message}
                   for id_, group, stamp, message in events],
        "status": status, "finished": status in TERMINAL,
    }
