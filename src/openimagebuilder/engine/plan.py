"""The build plan: what a build will do (its stages and components, fixed when it starts) and how
far it has come (stage, results of steps that later steps use). Stored as JSON on the build's job
row; owned by whichever worker holds the job's lease."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import orjson


@dataclass
class Stage:
    status: str                 # the image status while it runs: BUILDING | TESTING | DISTRIBUTING
    workflows: list[str]        # workflow execution ids, in order
    limit: int                  # how many of them run at once (a parallel test group: 5)


@dataclass(frozen=True)
class ComponentRun:
    arn: str
    name: str
    data: str                   # the component document
    type: str                   # BUILD | TEST
    parameters: dict[str, list[str]]


@dataclass
class StepWork:
    """A workflow step whose action is running, or was running when its worker stopped, outside
    any transaction. `handle` is whatever the backend needs to find its work again (a container id,
    a VM process and socket), saved as soon as the work has one."""
    step_id: str
    workflow_id: str
    step_name: str
    action: str
    workflow_type: str          # BUILD | TEST | DISTRIBUTION
    inputs: dict[str, Any]
    timeout_seconds: float | None
    started_at: float           # wall-clock seconds (timeouts count in real time, whatever the service clock)
    worker: str
    handle: dict[str, Any] | None = None
    attempt: int = 1            # > 1 when another worker took the step over


@dataclass
class BuildPlan:
    stages: list[Stage]
    log_group: str
    image_type: str             # AMI | DOCKER
    components: list[ComponentRun]
    distribution_regions: list[str]
    stage: int = 0
    workflow_outputs: dict[str, Any] = field(default_factory=dict)
    image_id: str | None = None                       # the image CreateImage made
    distributed: dict[str, Any] = field(default_factory=dict)  # DistributeImage's outputs
    tests_deadline: float | None = None
    step_errors: int = 0        # consecutive internal errors advancing the build
    work: StepWork | None = None

    def to_json(self) -> str:
        return orjson.dumps(asdict(self)).decode()

    @classmethod
    def from_json(cls, text: str | bytes) -> BuildPlan:
        data = orjson.loads(text)
        if "logGroup" in data:
            data = _from_first_form(data)
        work = data.pop("work", None)
        return cls(**{**data, "stages": [Stage(**stage) for stage in data["stages"]],
                      "components": [ComponentRun(**component) for component in data["components"]],
                      "work": StepWork(**work) if work else None})


def _from_first_form(data: dict[str, Any]) -> dict[str, Any]:
    """Plans written before plans were typed (camel-case keys; builds in progress at an upgrade)."""
    return {
        "stages": data["stages"], "log_group": data["logGroup"], "image_type": data["imageType"],
        "components": [{"type": "BUILD", **component} for component in data["components"]],
        "distribution_regions": data["distributionRegions"], "stage": data.get("stage", 0),
        "workflow_outputs": data.get("workflowOutputs") or {}, "image_id": data.get("imageId"),
        "distributed": {"distributedImages": data.get("distributedImages") or []},
        "tests_deadline": data.get("testsDeadline"),
        # defer_job counts in `step_errors` whatever the plan's form
        "step_errors": int(data.get("step_errors") or data.get("stepErrors") or 0),
    }
