"""Shared by the toe tests: run documents on this machine in a temporary working directory."""
from __future__ import annotations

import textwrap
import threading
from pathlib import Path

from openimagebuilder.toe.interpreter import run_documents
from openimagebuilder.toe.local import LocalExecutor
from openimagebuilder.toe.modules import RunnerSettings
from openimagebuilder.toe.results import ComponentInput, RunEvent, RunReport


def doc(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


class RebootableLocalExecutor(LocalExecutor):
    """This machine as a target whose reboot is recorded instead of performed."""

    def __init__(self, working_directory: Path) -> None:
        super().__init__(working_directory)
        self.reboots = 0

    def reboot(self, cancel: threading.Event | None = None) -> None:
        self.reboots += 1


def run(tmp_path: Path, *texts: str, phases: list[str] | None = None, parameters: dict[str, str] | None = None,
        dry_run: bool = False, executor: LocalExecutor | None = None,
        cancel: threading.Event | None = None) -> tuple[RunReport, list[RunEvent]]:
    events: list[RunEvent] = []
    documents = []
    for number, text in enumerate(texts):
        path = tmp_path / f"document{number}.yml"
        path.write_text(doc(text))
        documents.append(ComponentInput(name=path.name, text=doc(text), parameters=parameters or {}, path=str(path)))
    report = run_documents(documents, phases, executor or LocalExecutor(tmp_path),
                           RunnerSettings(dry_run=dry_run), on_event=events.append, cancel=cancel)
    return report, events


def statuses(report: RunReport) -> dict[str, str]:
    return {step.name: step.status for step in report.steps()}


def stdout(report: RunReport, step_name: str) -> str:
    (step,) = [step for step in report.steps() if step.name == step_name]
    return step.outputs[0]["stdout"] if step.outputs else ""
