"""Action modules: one function per AWSTOE action, found by name in `MODULES`. A module gets its
step's inputs with every variable already substituted (parameters, constants, loop values,
chained outputs) and acts on the target only through `call.executor`."""
from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..executor import Executor, OutputSink


@dataclass(frozen=True)
class RunnerSettings:
    """What the whole run shares: where S3 requests go, the target's platform, and how nested
    documents are run (ExecuteDocument)."""
    platform: str = "Linux"                      # the target's: Windows-only modules are refused elsewhere
    s3_endpoint_url: str | None = None           # S3Download / S3Upload; None: those modules fail clearly
    dry_run: bool = False                        # interpret the document, run no command (simulated builds)
    working_directory: str | None = None         # where relative paths and scripts are resolved on the target
    # In a dry run, may decide a step's result before its module sees it (None: the module's dry
    # run decides). The simulated backend fails steps on purpose with it.
    dry_step_result: Callable[[StepCall], ModuleResult | None] | None = None


@dataclass
class StepCall:
    action: str
    inputs: Any                                  # the step's `inputs`, variables substituted
    executor: Executor
    settings: RunnerSettings
    timeout: float | None                        # seconds; None: no limit (timeoutSeconds -1)
    cancel: threading.Event
    on_output: OutputSink                        # each line the step prints, as it prints it
    # Set by the interpreter for ExecuteDocument: runs a nested document and returns its result.
    run_document: Callable[[str, Mapping[str, Any]], ModuleResult] | None = None


@dataclass
class ModuleResult:
    succeeded: bool
    outputs: dict[str, Any] = field(default_factory=dict)   # e.g. {"stdout": ...}: chained as {{ phase.step.outputs.stdout }}
    message: str = ""                            # why it failed, in AWSTOE's words where known
    exit_code: int | None = None
    reboot: bool = False                         # the target must reboot before the run goes on
    rerun: bool = False                          # with reboot: run this same step again afterwards (exit 194)


Module = Callable[[StepCall], ModuleResult]

# Filled by the modules' own files on import (see register); the interpreter imports them all.
MODULES: dict[str, Module] = {}


def register(*actions: str) -> Callable[[Module], Module]:
    def add(module: Module) -> Module:
        for action in actions:
            MODULES[action] = module
        return module
    return add
