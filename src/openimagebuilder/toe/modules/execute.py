"""The general execution and system modules: ExecuteBash, ExecuteBinary, ExecuteDocument, Reboot,
UpdateOS and Assert."""
from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..conditions import ConditionError, evaluate, parse_expression
from ..executor import RunOutcome
from ..probe import DryRunProbe, ExecutorProbe
from ..variables import value_text
from . import ModuleResult, StepCall, register

# AWS: on Linux, exit code 194 from ExecuteBash or ExecuteBinary means "reboot, then run this
# step again" (3010 is Windows' code).
REBOOT_EXIT_CODE = 194


def _inputs_map(call: StepCall) -> Mapping[str, Any] | None:
    """These modules take one map; a one-entry list of it is accepted too."""
    inputs = call.inputs
    if isinstance(inputs, list) and len(inputs) == 1:
        inputs = inputs[0]
    return inputs if isinstance(inputs, Mapping) else None


def _invalid(call: StepCall, problem: str) -> ModuleResult:
    return ModuleResult(False, message=f"{call.action}: {problem}")


def _run_command(call: StepCall, script: str) -> ModuleResult:
    """Runs a user's command and maps its end to the step's result: exit 0 succeeds, 194 asks for
    a reboot and a re-run, anything else fails. `stdout` is the output (trailing newline removed)."""
    if call.settings.dry_run:
        return ModuleResult(True, outputs={"stdout": ""}, exit_code=0)
    outcome: RunOutcome = call.executor.run(script, timeout=call.timeout, on_output=call.on_output,
                                            cancel=call.cancel, cwd=call.settings.working_directory)
    outputs = {"stdout": outcome.stdout.rstrip("\n")}
    if outcome.cancelled:
        return ModuleResult(False, outputs, "The step was cancelled.", outcome.exit_code)
    if outcome.timed_out:
        return ModuleResult(False, outputs, f"Step timed out after {call.timeout:g} seconds.", outcome.exit_code)
    if outcome.exit_code == REBOOT_EXIT_CODE:
        return ModuleResult(True, outputs, exit_code=outcome.exit_code, reboot=True, rerun=True)
    if outcome.exit_code != 0:
        return ModuleResult(False, outputs, f"Command execution failed with exit code {outcome.exit_code}.",
                            outcome.exit_code)
    return ModuleResult(True, outputs, exit_code=0)


@register("ExecuteBash")
def execute_bash(call: StepCall) -> ModuleResult:
    inputs = _inputs_map(call)
    commands = inputs.get("commands") if inputs is not None else None
    if not isinstance(commands, list) or not commands:
        return _invalid(call, "input 'commands' must be a non-empty list.")
    script = "\n".join(value_text(command) for command in commands) + "\n"
    # AWSTOE runs the commands with bash; a target without bash (busybox) runs them in the POSIX
    # shell this launcher already runs in.
    launcher = (f"oib_script={shlex.quote(script)}\n"
                "if command -v bash >/dev/null 2>&1; then exec bash -c \"$oib_script\" ExecuteBash; fi\n"
                "eval \"$oib_script\"\n")
    return _run_command(call, launcher)


@register("ExecuteBinary")
def execute_binary(call: StepCall) -> ModuleResult:
    inputs = _inputs_map(call)
    path = inputs.get("path") if inputs is not None else None
    if inputs is None or path is None or isinstance(path, (list, dict)) or value_text(path) == "":
        return _invalid(call, "input 'path' is required.")
    arguments = inputs.get("arguments") or []
    if not isinstance(arguments, list) or any(isinstance(argument, (list, dict)) for argument in arguments):
        return _invalid(call, "input 'arguments' must be a list of strings.")
    # Each argument is one argv entry, exactly as written: no shell splitting or expansion.
    argv = " ".join(shlex.quote(value_text(part)) for part in [path, *arguments])
    return _run_command(call, f"exec {argv}\n")


@dataclass(frozen=True)
class NestedDocumentRequest:
    document: str
    phases: tuple[str, ...] | None
    parameters: dict[str, str]


def _nested_request(inputs: Mapping[str, Any]) -> NestedDocumentRequest | str:
    document = inputs.get("document")
    if document is None or isinstance(document, (list, dict)) or value_text(document) == "":
        return "input 'document' is required."
    phases_text = inputs.get("phases")
    phases = None
    if phases_text not in (None, ""):
        phases = tuple(name.strip() for name in value_text(phases_text).split(",") if name.strip())
    parameters: dict[str, str] = {}
    for entry in inputs.get("parameters") or []:
        if not isinstance(entry, Mapping) or entry.get("name") is None or entry.get("value") is None:
            return "each entry of 'parameters' needs 'name' and 'value'."
        parameters[value_text(entry["name"])] = value_text(entry["value"])
    return NestedDocumentRequest(value_text(document), phases, parameters)


@register("ExecuteDocument")
def execute_document(call: StepCall) -> ModuleResult:
    inputs = _inputs_map(call)
    if inputs is None:
        return _invalid(call, "inputs must be a map with 'document'.")
    request = _nested_request(inputs)
    if isinstance(request, str):
        return _invalid(call, request)
    if call.run_document is None:
        return _invalid(call, "nested documents cannot be run here.")
    return call.run_document(request.document, {"phases": request.phases, "parameters": request.parameters})


@register("Reboot")
def reboot(call: StepCall) -> ModuleResult:
    inputs = _inputs_map(call) or {}
    delay_value = inputs.get("delaySeconds", 0)
    try:
        delay = int(value_text(delay_value)) if delay_value not in (None, "") else 0
    except ValueError:
        return _invalid(call, "input 'delaySeconds' must be an integer.")
    if delay < 0:
        return _invalid(call, "input 'delaySeconds' must not be negative.")
    if delay and not call.settings.dry_run and call.cancel.wait(delay):
        return ModuleResult(False, message="The step was cancelled.")
    # The interpreter reboots the target and goes on with the next step.
    return ModuleResult(True, reboot=True, rerun=False)


@register("Assert")
def assert_condition(call: StepCall) -> ModuleResult:
    """Inputs: one conditional expression (the comparison and logical operators of `if`); the
    step fails when it is false."""
    inputs = call.inputs[0] if isinstance(call.inputs, list) and len(call.inputs) == 1 else call.inputs
    try:
        expression = parse_expression(inputs)
    except ConditionError as error:
        return _invalid(call, str(error))
    probe = DryRunProbe() if call.settings.dry_run else ExecutorProbe(call.executor, call.cancel,
                                                                      call.settings.working_directory)
    try:
        if call.settings.dry_run or evaluate(expression, probe):
            return ModuleResult(True)
    except ConditionError as error:
        return _invalid(call, str(error))
    return ModuleResult(False, message=f"Assertion failed: {value_text(inputs)}")


def _names(call: StepCall, inputs: Mapping[str, Any], key: str) -> list[str] | str:
    value = inputs.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or any(isinstance(item, (list, dict)) for item in value):
        return f"input '{key}' must be a list of package names."
    return [value_text(item) for item in value]


# Detects the target's package manager and updates it. $INCLUDE and $EXCLUDE are space-separated
# package names; AWS: with both, only packages in include and not in exclude are updated.
UPDATE_OS_SCRIPT = r"""
set -f
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; fi
if command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update || exit 1
  if [ -n "$INCLUDE" ]; then
    $SUDO apt-get install -y --only-upgrade $INCLUDE
  else
    held=""
    for package in $EXCLUDE; do
      if $SUDO apt-mark hold "$package" >/dev/null 2>&1; then held="$held $package"; fi
    done
    $SUDO apt-get upgrade -y; status=$?
    for package in $held; do $SUDO apt-mark unhold "$package" >/dev/null 2>&1; done
    exit $status
  fi
elif command -v dnf >/dev/null 2>&1 || command -v yum >/dev/null 2>&1; then
  manager=dnf; command -v dnf >/dev/null 2>&1 || manager=yum
  excludes=""
  for package in $EXCLUDE; do excludes="$excludes --exclude=$package"; done
  $SUDO $manager -y $excludes upgrade $INCLUDE
elif command -v zypper >/dev/null 2>&1; then
  $SUDO zypper --non-interactive refresh || exit 1
  locked=""
  for package in $EXCLUDE; do
    if $SUDO zypper --non-interactive addlock "$package" >/dev/null 2>&1; then locked="$locked $package"; fi
  done
  $SUDO zypper --non-interactive update $INCLUDE; status=$?
  for package in $locked; do $SUDO zypper --non-interactive removelock "$package" >/dev/null 2>&1; done
  exit $status
elif command -v apk >/dev/null 2>&1; then
  if [ -n "$EXCLUDE" ] && [ -z "$INCLUDE" ]; then
    echo "UpdateOS: 'exclude' without 'include' is not supported with apk" >&2; exit 1
  fi
  $SUDO apk update || exit 1
  $SUDO apk upgrade $INCLUDE
else
  echo "UpdateOS: no supported package manager found on the target (apt-get, dnf, yum, zypper, apk)" >&2
  exit 1
fi
"""


@register("UpdateOS")
def update_os(call: StepCall) -> ModuleResult:
    inputs = _inputs_map(call) or {}
    include = _names(call, inputs, "include")
    exclude = _names(call, inputs, "exclude")
    for names in (include, exclude):
        if isinstance(names, str):
            return _invalid(call, names)
    assert isinstance(include, list) and isinstance(exclude, list)
    if include:
        include = [name for name in include if name not in exclude]
        if not include:
            return ModuleResult(True)   # everything asked for is excluded: nothing to update
    script = (f"INCLUDE={shlex.quote(' '.join(include))}\nEXCLUDE={shlex.quote(' '.join(exclude))}\n"
              + UPDATE_OS_SCRIPT)
    if call.settings.dry_run:
        return ModuleResult(True)
    outcome = call.executor.run(script, timeout=call.timeout, on_output=call.on_output, cancel=call.cancel,
                                cwd=call.settings.working_directory)
    if outcome.cancelled:
        return ModuleResult(False, message="The step was cancelled.")
    if outcome.timed_out:
        return ModuleResult(False, message=f"Step timed out after {call.timeout:g} seconds.")
    if outcome.exit_code != 0:
        reason = outcome.stderr.strip().splitlines()[-1:] or [f"exit code {outcome.exit_code}"]
        return ModuleResult(False, message=f"UpdateOS failed: {reason[0]}", exit_code=outcome.exit_code)
    return ModuleResult(True, exit_code=0)
