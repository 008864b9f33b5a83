"""What a handler knows about its request: who is calling, where, and its transaction."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..domain.arn import Arn
from ..domain.clock import Clock, format_date
from ..store.executions import ExecutionRepository
from ..store.repository import Repository
from ..store.schedules import ScheduleRepository
from .s3_inputs import S3Inputs


@dataclass
class Context:
    account_id: str
    region: str
    partition: str
    request_id: str
    operation: str
    repo: Repository
    clock: Clock
    secret: bytes  # signs pagination tokens
    executions: ExecutionRepository
    schedules: ScheduleRepository
    # Documents of images this request deleted: after the commit, what they own outside the store
    # (container images in the registry) is removed off the request path.
    deleted_images: list[dict] = field(default_factory=list)
    # S3 objects the request names (a document's `uri`, a Dockerfile template), read before its
    # transaction.
    inputs: S3Inputs = field(default_factory=S3Inputs)
    _now: str | None = field(default=None, init=False, repr=False)

    def epoch(self) -> float:
        return self.clock.now().timestamp()

    def now(self) -> str:
        """The request's time in AWS's format: one moment for all it writes (dateCreated and
        dateUpdated of a new resource are equal, as in AWS)."""
        if self._now is None:
            self._now = format_date(self.clock.now())
        return self._now

    def arn(self, resource_type: str, resource_id: str, version: str | None = None,
            build: int | None = None, workflow_type: str | None = None) -> Arn:
        return Arn(self.partition, self.region, self.account_id, resource_type, resource_id,
                   version, build, workflow_type)
