"""What a run produced, document by document, phase by phase, step by step: the one record the
JSON and JUnit reports, the CLI and the build engine all read."""
from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Statuses, in AWSTOE's words (its onFailure documentation names IgnoredFailure and
# SuccessWithIgnoredFailure; its detailed output writes "success").
SUCCESS = "success"
FAILED = "failed"
SKIPPED = "skipped"
IGNORED_FAILURE = "ignoredFailure"
SUCCESS_WITH_IGNORED_FAILURE = "successWithIgnoredFailure"
CANCELLED = "cancelled"


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass(frozen=True)
class ComponentInput:
    """One document to run: its text, the parameter values the caller gives it, and a name for
    reports. `path` (if it came from a file) anchors relative ExecuteDocument references."""
    name: str
    text: str
    parameters: Mapping[str, str] = field(default_factory=dict)
    path: str | None = None


@dataclass(frozen=True)
class RunEvent:
    """One line for the caller's log: a step's output line, or the runner's own note (stream "info")."""
    time: datetime.datetime
    document: str
    phase: str | None
    step: str | None
    stream: str            # "stdout", "stderr" or "info"
    text: str


@dataclass(frozen=True)
class LoopSummary:
    name: str | None
    iterations: int
    failed_indices: tuple[int, ...]


@dataclass
class StepReport:
    name: str
    action: str
    on_failure: str
    max_attempts: int
    timeout_seconds: int
    status: str = SUCCESS
    failure_message: str = ""
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None
    inputs: list[Any] = field(default_factory=list)          # entries with variables substituted
    outputs: list[dict[str, Any]] = field(default_factory=list)
    loop: LoopSummary | None = None
    attempts: int = 0
    reboots: int = 0
    exit_code: int | None = None
    output: list[str] = field(default_factory=list)         # every line printed, for JUnit
    nested: list[RunReport] = field(default_factory=list)   # ExecuteDocument's runs


@dataclass
class PhaseReport:
    name: str
    status: str = SUCCESS
    failure_message: str = ""
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None
    steps: list[StepReport] = field(default_factory=list)


@dataclass
class DocumentReport:
    name: str
    path: str
    description: str
    status: str = SUCCESS
    failure_message: str = ""
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None
    phases: list[PhaseReport] = field(default_factory=list)


@dataclass
class RunReport:
    execution_id: str
    status: str = SUCCESS
    failure_message: str = ""
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None
    documents: list[DocumentReport] = field(default_factory=list)
    cancelled: bool = False

    @property
    def succeeded(self) -> bool:
        return self.status in (SUCCESS, SUCCESS_WITH_IGNORED_FAILURE)

    def steps(self) -> list[StepReport]:
        return [step for document in self.documents for phase in document.phases for step in phase.steps]

    @property
    def executed_step_count(self) -> int:
        return sum(1 for step in self.steps() if step.status != SKIPPED)

    @property
    def failed_step_count(self) -> int:
        return sum(1 for step in self.steps() if step.status in (FAILED, CANCELLED))

    @property
    def ignored_failed_step_count(self) -> int:
        return sum(1 for step in self.steps() if step.status == IGNORED_FAILURE)


def combined_status(statuses: list[str]) -> str:
    """A phase's status from its steps', a document's from its phases', a run's from its documents'."""
    if CANCELLED in statuses:
        return CANCELLED
    if FAILED in statuses:
        return FAILED
    if IGNORED_FAILURE in statuses or SUCCESS_WITH_IGNORED_FAILURE in statuses:
        return SUCCESS_WITH_IGNORED_FAILURE
    return SUCCESS
