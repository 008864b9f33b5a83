"""What the file, folder and transfer modules share: reading a step's inputs (one map or a list of
maps) into typed values with AWSTOE's defaults, running a POSIX sh script on the target and turning
its failure into the step's message, and the per-entry loop with dry runs."""
from __future__ import annotations

import posixpath
import re
import shlex
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ..executor import RunOutcome, TargetError
from . import ModuleResult, StepCall


class InputError(Exception):
    """An input is missing or has a value the module cannot use."""


class StepFailure(Exception):
    """The module ran and the operation failed; the message is the step's failure message."""


Entry = TypeVar("Entry")
Outputs = dict[str, str]

# Installed before every script: a failed check prints its reason on stderr and stops the script,
# and that reason becomes the step's failure message.
SCRIPT_PRELUDE = "fail() { printf '%s\\n' \"$*\" >&2; exit 1; }\n"


@dataclass(frozen=True)
class Fields:
    """One input entry of a step, read key by key with the module's own wording in errors."""
    action: str
    entry: Mapping[str, Any]
    working_directory: str | None

    def text(self, key: str, *, required: bool = False, default: str | None = None) -> str | None:
        value = self.entry.get(key)
        if value is None or value == "":
            if required:
                raise InputError(f"Missing required input '{key}' for action {self.action}.")
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (str, int, float)):
            return str(value)
        raise InputError(f"Input '{key}' for action {self.action} must be a string.")

    def required_text(self, key: str) -> str:
        value = self.text(key, required=True)
        assert value is not None
        return value

    def path(self, key: str = "path") -> str:
        return target_path(self.required_text(key), self.working_directory)

    def flag(self, key: str, default: bool) -> bool:
        value = self.entry.get(key)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        # Variables are substituted as text, so "true"/"false" arrive as strings.
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise InputError(f"Input '{key}' for action {self.action} must be true or false.")


def target_path(path: str, working_directory: str | None) -> str:
    """A path as the target's commands get it: relative paths are taken from the run's working
    directory, and a leading '-' cannot be read as an option by cp, rm, chmod and the like."""
    if not path.startswith("/") and working_directory:
        path = posixpath.join(working_directory, path)
    path = posixpath.normpath(path)
    if path.startswith("-"):
        path = "./" + path
    return path


def entries(action: str, inputs: Any) -> list[Mapping[str, Any]]:
    """AWSTOE takes one map or a list of maps for these modules; a single map is a one-entry list."""
    listed = inputs if isinstance(inputs, list) else [inputs]
    if not listed or inputs is None:
        raise InputError(f"Missing required field 'inputs' for action {action}.")
    for entry in listed:
        if not isinstance(entry, Mapping):
            raise InputError(f"Inputs for action {action} must be a map or a list of maps.")
    return listed


class Step:
    """One run of a module: its call, and the deadline all of its scripts and transfers share
    (a module may run several scripts; timeoutSeconds covers them together)."""

    def __init__(self, call: StepCall) -> None:
        self.call = call
        self.executor = call.executor
        self.settings = call.settings
        self.cancel = call.cancel
        self.on_output = call.on_output
        self.action = call.action
        self._deadline = None if call.timeout is None else time.monotonic() + call.timeout

    def remaining(self) -> float | None:
        """Seconds left; StepFailure once the step is cancelled or out of time."""
        if self.cancel.is_set():
            raise StepFailure("The step was cancelled.")
        if self._deadline is None:
            return None
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise self.timed_out()
        return left

    def timed_out(self) -> StepFailure:
        return StepFailure(f"Step timed out after {self.call.timeout:g} seconds.")


@dataclass(frozen=True)
class EntryModule(Generic[Entry]):
    """A module that does the same thing for each input entry, in order, stopping at the first
    failure. `parse` reads an entry (all entries are read before anything runs, so a bad entry
    fails the step untouched); `act` performs it and returns its outputs; `dry` gives the outputs
    a dry run reports without touching the target."""
    parse: Callable[[Fields], Entry]
    act: Callable[[Step, Entry], Outputs | None]
    dry: Callable[[Entry], Outputs] | None = None
    join: str = "\n"            # how the same output of several entries is combined

    def __call__(self, call: StepCall) -> ModuleResult:
        try:
            parsed = [self.parse(Fields(call.action, entry, call.settings.working_directory))
                      for entry in entries(call.action, call.inputs)]
        except InputError as error:
            return ModuleResult(succeeded=False, message=str(error))
        step = Step(call)
        collected: list[Outputs] = []
        for entry in parsed:
            if call.settings.dry_run:
                collected.append(self.dry(entry) if self.dry else {})
                continue
            try:
                collected.append(self.act(step, entry) or {})
            except (StepFailure, InputError) as error:
                return ModuleResult(succeeded=False, message=f"{call.action}: {error}")
            except TargetError as error:
                return ModuleResult(succeeded=False, message=f"{call.action}: {error}")
        return ModuleResult(succeeded=True, outputs=_combine(collected, self.join))


def _combine(collected: list[Outputs], separator: str) -> dict[str, Any]:
    combined: dict[str, list[str]] = {}
    for outputs in collected:
        for key, value in outputs.items():
            combined.setdefault(key, []).append(value)
    return {key: separator.join(values) for key, values in combined.items()}


def run_script(step: Step, script: str) -> RunOutcome:
    """Runs one of our own scripts; a non-zero exit is a StepFailure carrying what it printed."""
    outcome = step.executor.run(SCRIPT_PRELUDE + script, timeout=step.remaining(), cancel=step.cancel)
    if outcome.cancelled:
        raise StepFailure("The step was cancelled.")
    if outcome.timed_out:
        raise step.timed_out()
    if outcome.exit_code != 0:
        reason = outcome.stderr.strip() or outcome.stdout.strip() or f"exit status {outcome.exit_code}"
        raise StepFailure(reason)
    return outcome


def q(value: str) -> str:
    return shlex.quote(value)


def parent(path: str) -> str:
    return posixpath.dirname(path.rstrip("/")) or ("/" if path.startswith("/") else ".")


def base_name(path: str) -> str:
    return posixpath.basename(path.rstrip("/"))


def wildcard_regex(pattern: str) -> re.Pattern[str]:
    """AWSTOE's only wildcard is '*': any run of characters, dot files included (as Go's
    filepath.Match); everything else matches itself."""
    return re.compile("".join(".*" if part == "*" else re.escape(part) for part in re.split(r"(\*)", pattern)) + r"\Z",
                      re.DOTALL)


def nul_separated(text: str) -> list[str]:
    return [item for item in text.split("\0") if item]
