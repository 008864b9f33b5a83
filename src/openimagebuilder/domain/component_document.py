"""Validation of AWSTOE component documents (the `data` member of CreateComponent).

Sources: AWS's "Use component documents in AWSTOE", "Action modules supported by AWSTOE",
"Define and reference variables in AWSTOE", "Use looping constructs in AWSTOE", "Use conditional
constructs in AWSTOE" (component_conditions.py) and "Create a YAML component document" pages; the
action list matches the AWS CDK's `ComponentAction` enum. Messages
quoted from the live service are marked as such; the others follow their style.

The checks are deliberately static: anything AWSTOE only learns at run time (files, S3 objects,
chaining targets, parameter values) is not judged here.
"""
from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .component_conditions import ConditionError, parse_condition
from .documents import DocumentSyntaxError, load_document


class ComponentDocumentError(ValueError):
    """message = the detail text that follows "The value supplied for parameter 'data' is not valid. " """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ComponentParameter:
    name: str
    type: str  # "string" (AWSTOE's only parameter type today)
    default: list[str] | None  # the default as a list of strings, None if no default
    description: str | None


@dataclass(frozen=True)
class ComponentDocument:
    name: str | None
    description: str | None
    schema_version: str
    phases: tuple[str, ...]
    parameters: tuple[ComponentParameter, ...]
    component_type: str  # "BUILD" or "TEST"


@dataclass(frozen=True)
class StepLoop:
    """A step's `loop`: `for` (start, end, update_by) or `forEach` (items, or a delimited string)."""
    name: str | None
    start: int | None = None
    end: int | None = None
    update_by: int | None = None
    items: tuple[str, ...] | None = None
    delimited: str | None = None             # forEach {list, delimiter}; variables resolved at run time
    delimiter: str = ","


@dataclass(frozen=True)
class StepDefinition:
    name: str
    action: str
    inputs: Any                              # as written; variables are substituted when the step runs
    on_failure: str                          # Abort, Continue or Ignore
    max_attempts: int
    timeout_seconds: int                     # -1: no limit
    condition: Any                           # the step's `if`, as written (None: always run)
    loop: StepLoop | None


@dataclass(frozen=True)
class PhaseDefinition:
    name: str
    steps: tuple[StepDefinition, ...]


@dataclass(frozen=True)
class ComponentDefinition:
    summary: ComponentDocument
    phases: tuple[PhaseDefinition, ...]
    constants: Mapping[str, str]


SCHEMA_VERSION = "1.0"
DEFAULT_TIMEOUT_SECONDS = 7200
# container-host-test is documented for container builds, so it is a phase name like the others.
PHASE_NAMES = ("build", "validate", "test", "container-host-test")
ON_FAILURE_VALUES = ("Abort", "Continue", "Ignore")
PARAMETER_TYPES = ("string",)
LOOP_DELIMITERS = frozenset(".,;:\n\t -_")

_STEP_NAME = re.compile(r"^[0-9A-Za-z_-]+$")
_VARIABLE_NAME = re.compile(r"^[0-9A-Za-z_-]{3,128}$")


@dataclass(frozen=True)
class _ActionSpec:
    required: tuple[str, ...] = ()  # input keys every input entry must carry
    exactly_one_of: tuple[str, ...] = ()  # e.g. ExecutePowerShell's commands/file
    lists: tuple[str, ...] = ()  # input keys whose value must be a YAML list


_PATH = _ActionSpec(required=("path",))
_SOURCE_DESTINATION = _ActionSpec(required=("source", "destination"))

# Required inputs come from each module's "Input" table. Modules whose inputs are all optional
# (Reboot, UpdateOS) or whose schema AWS documents elsewhere (Assert) get an empty spec, and
# their inputs are not inspected.
ACTIONS: Mapping[str, _ActionSpec] = MappingProxyType({
    "AppendFile": _PATH,
    "Assert": _ActionSpec(),
    "CopyFile": _SOURCE_DESTINATION,
    "CopyFolder": _SOURCE_DESTINATION,
    "CreateFile": _PATH,
    "CreateFolder": _PATH,
    "CreateSymlink": _ActionSpec(required=("path", "target")),
    "DeleteFile": _PATH,
    "DeleteFolder": _PATH,
    "ExecuteBash": _ActionSpec(required=("commands",), lists=("commands",)),
    "ExecuteBinary": _ActionSpec(required=("path",), lists=("arguments",)),
    "ExecuteDocument": _ActionSpec(required=("document",)),
    "ExecutePowerShell": _ActionSpec(exactly_one_of=("commands", "file"), lists=("commands",)),
    "InstallMSI": _PATH,
    "ListFiles": _PATH,
    "MoveFile": _SOURCE_DESTINATION,
    "MoveFolder": _SOURCE_DESTINATION,
    "ReadFile": _PATH,
    "Reboot": _ActionSpec(),
    "S3Download": _SOURCE_DESTINATION,
    "S3Upload": _SOURCE_DESTINATION,
    "SetFileEncoding": _PATH,
    "SetFileOwner": _ActionSpec(required=("path", "owner")),
    "SetFilePermissions": _ActionSpec(required=("path", "permissions")),
    "SetFolderOwner": _ActionSpec(required=("path", "owner")),
    "SetFolderPermissions": _ActionSpec(required=("path", "permissions")),
    "SetRegistry": _ActionSpec(required=("path", "name", "value", "type")),
    "UninstallMSI": _PATH,
    "UpdateOS": _ActionSpec(),
    "WebDownload": _SOURCE_DESTINATION,
})


def parse_component_document(text: str, *, platform: str | None = None) -> ComponentDocument:
    """Validate `text` and summarise it; raises ComponentDocumentError on the first fault.

    `platform` (Linux, Windows, macOS) only completes the wording of AWS's unsupported-action
    message; which modules run on which platform is left to AWSTOE at run time.
    """
    return _summarise(_load(text), platform)


def load_component_definition(text: str, *, platform: str | None = None) -> ComponentDefinition:
    """Validates `text` exactly as parse_component_document does (same loader, same rules) and
    returns the typed model the AWSTOE runner interprets: phases, steps with their options filled
    with AWSTOE's defaults, loops, parameters and constants."""
    document = _load(text)
    summary = _summarise(document, platform)
    constants = {name: _text(definition["value"]) or ""
                 for name, definition in _named_entries(document.get("constants"), "constants")}
    phases = tuple(
        PhaseDefinition(name=phase["name"], steps=tuple(_step_definition(step) for step in phase["steps"]))
        for phase in document["phases"])
    return ComponentDefinition(summary=summary, phases=phases, constants=MappingProxyType(constants))


def _step_definition(step: dict[Any, Any]) -> StepDefinition:
    action = step["action"]
    # ExecuteDocument runs once with no timeout (AWS); every other step defaults to 7,200 seconds.
    default_timeout = -1 if action == "ExecuteDocument" else DEFAULT_TIMEOUT_SECONDS
    return StepDefinition(
        name=_text(step["name"]) or "",
        action=action,
        inputs=step.get("inputs"),
        on_failure=step.get("onFailure") or "Abort",
        max_attempts=step.get("maxAttempts") or 1,
        timeout_seconds=step.get("timeoutSeconds") or default_timeout,
        condition=step.get("if"),
        loop=_loop_definition(step["loop"]) if step.get("loop") is not None else None,
    )


def _loop_definition(loop: dict[Any, Any]) -> StepLoop:
    name = _text(loop["name"]) if loop.get("name") is not None else None
    if loop.get("for") is not None:
        bounds = loop["for"]
        return StepLoop(name=name, start=bounds["start"], end=bounds["end"], update_by=bounds["updateBy"])
    items = loop["forEach"]
    if isinstance(items, list):
        return StepLoop(name=name, items=tuple(_text(item) or "" for item in items))
    return StepLoop(name=name, delimited=_text(items["list"]) or "", delimiter=items.get("delimiter") or ",")


def _summarise(document: dict[Any, Any], platform: str | None) -> ComponentDocument:
    schema_version = _schema_version(document.get("schemaVersion"))
    parameters = _parameters(document.get("parameters"))
    _constants(document.get("constants"), {parameter.name for parameter in parameters})
    phases = _phases(document.get("phases"), platform)
    return ComponentDocument(
        name=_optional_text(document, "name"),
        description=_optional_text(document, "description"),
        schema_version=schema_version,
        phases=phases,
        parameters=parameters,
        # AWS: a test component's document has exactly one phase, named test; all else is BUILD.
        component_type="TEST" if phases == ("test",) else "BUILD",
    )


def _load(text: str) -> dict[Any, Any]:
    try:
        loaded = load_document(text)
    except DocumentSyntaxError as error:
        where = f" (line {error.line}, column {error.column})" if error.line is not None else ""
        raise ComponentDocumentError(f"The document is not valid YAML or JSON{where}.") from None
    if not isinstance(loaded, dict):
        raise ComponentDocumentError("The document must be a YAML or JSON mapping.")
    return loaded


def _schema_version(value: Any) -> str:
    # AWS's own examples write both `schemaVersion: 1.0` (a YAML float) and `schemaVersion: 1`.
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == 1:
        return SCHEMA_VERSION
    if value in ("1", "1.0"):
        return SCHEMA_VERSION
    # Quoted from the live service; it is also what a missing schemaVersion gets.
    raise ComponentDocumentError("Invalid schema version. Supported versions include: 1.0.")


def _text(value: Any) -> str | None:
    """A YAML scalar as the string a Go decoder would see; None for maps, lists and null."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return None


def _optional_text(document: dict[Any, Any], field: str) -> str | None:
    value = document.get(field)
    if value is None:
        return None
    text = _text(value)
    if text is None:
        raise ComponentDocumentError(f"Field '{field}' must be a string.")
    return text


def _named_entries(value: Any, section: str) -> list[tuple[str, dict[Any, Any]]]:
    """`parameters`/`constants`: a list of single-key maps, `- Name: {type: ..., ...}`."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ComponentDocumentError(f"Field '{section}' must be a list.")
    entries: list[tuple[str, dict[Any, Any]]] = []
    for index, entry in enumerate(value):
        if not isinstance(entry, dict) or len(entry) != 1:
            raise ComponentDocumentError(
                f"Entry at index {index} in '{section}' must be a map with a single name as its key.")
        ((name, definition),) = entry.items()
        # AWS: "The name must be specified as a YAML string", so no scalar coercion here.
        if not isinstance(name, str) or not _VARIABLE_NAME.match(name):
            raise ComponentDocumentError(
                f"Invalid name '{name}' in '{section}'. Names must be between 3 and 128 characters"
                " long, and allowed characters are combinations of numbers [0-9], english letters"
                " [a-z,A-Z] and special characters [-_].")
        if definition is None:
            definition = {}
        if not isinstance(definition, dict):
            raise ComponentDocumentError(f"The definition of '{name}' in '{section}' must be a map.")
        declared_type = definition.get("type")
        if declared_type is None:
            raise ComponentDocumentError(f"Missing required field 'type' for '{name}' in '{section}'.")
        if declared_type not in PARAMETER_TYPES:
            raise ComponentDocumentError(
                f"Invalid type '{declared_type}' for '{name}' in '{section}'."
                f" Supported types include: {', '.join(PARAMETER_TYPES)}.")
        entries.append((name, definition))
    return entries


def _parameters(value: Any) -> tuple[ComponentParameter, ...]:
    parameters: list[ComponentParameter] = []
    for name, definition in _named_entries(value, "parameters"):
        if any(parameter.name == name for parameter in parameters):
            raise ComponentDocumentError(f"Duplicate parameter name '{name}'.")
        default = definition.get("default")
        default_text = None if default is None else _text(default)
        if default is not None and default_text is None:
            raise ComponentDocumentError(f"The default value of parameter '{name}' must be a string.")
        description = definition.get("description")
        description_text = None if description is None else _text(description)
        if description is not None and description_text is None:
            raise ComponentDocumentError(f"The description of parameter '{name}' must be a string.")
        parameters.append(ComponentParameter(
            name=name,
            type=definition["type"],
            # The API reports defaults as a list of strings (ComponentParameterDetail.defaultValue).
            default=None if default_text is None else [default_text],
            description=description_text,
        ))
    return tuple(parameters)


def _constants(value: Any, parameter_names: set[str]) -> None:
    seen = set(parameter_names)
    for name, definition in _named_entries(value, "constants"):
        # AWS: a name "must not be the same as any other parameter names or constants".
        if name in seen:
            raise ComponentDocumentError(f"Duplicate constant name '{name}'.")
        seen.add(name)
        if definition.get("value") is None:
            raise ComponentDocumentError(f"Missing required field 'value' for constant '{name}'.")
        if _text(definition["value"]) is None:
            raise ComponentDocumentError(f"The value of constant '{name}' must be a string.")


def _phases(value: Any, platform: str | None) -> tuple[str, ...]:
    if value is None or value == []:
        raise ComponentDocumentError("The document must contain at least one phase.")
    if not isinstance(value, list):
        raise ComponentDocumentError("Field 'phases' must be a list.")
    names: list[str] = []
    for index, phase in enumerate(value):
        if not isinstance(phase, dict):
            raise ComponentDocumentError(f"Phase at index {index} must be a map.")
        name = phase.get("name")
        if name is None:
            raise ComponentDocumentError(f"Missing required field 'name' for phase at index {index}.")
        if name not in PHASE_NAMES:
            raise ComponentDocumentError(
                f"Invalid phase name '{name}'. Supported phases include: {', '.join(PHASE_NAMES)}.")
        if name in names:
            raise ComponentDocumentError(
                f"Duplicate phase name '{name}'. Each phase name must be unique within a document.")
        names.append(name)
        _steps(name, phase.get("steps"), platform)
    return tuple(names)


def _steps(phase: str, value: Any, platform: str | None) -> None:
    if value is None or value == []:
        raise ComponentDocumentError(f"Phase '{phase}' must contain at least one step.")
    if not isinstance(value, list):
        raise ComponentDocumentError(f"Field 'steps' in phase '{phase}' must be a list.")
    step_names: set[str] = set()
    loop_names: set[str] = set()
    for index, step in enumerate(value):
        if not isinstance(step, dict):
            raise ComponentDocumentError(f"Step at index {index} in phase '{phase}' must be a map.")
        if step.get("name") is None:
            raise ComponentDocumentError(
                f"Missing required field 'name' for step at index {index} in phase '{phase}'.")
        name = _text(step["name"])
        if name is None or not _STEP_NAME.match(name):
            # Quoted from the live service.
            raise ComponentDocumentError(
                f"Invalid step name '{step['name']}' in phase '{phase}'. Allowed characters are"
                " combinations of numbers [0-9], english letters [a-z,A-Z] and special characters [-_].")
        if name in step_names:
            raise ComponentDocumentError(
                f"Duplicate step name '{name}' in phase '{phase}'. Step names must be unique within a phase.")
        step_names.add(name)
        problem = _step_problem(step, phase, loop_names, platform)
        if problem is not None:
            # The "Parsing step ... failed. Error: ..." frame is the live service's.
            raise ComponentDocumentError(f"Parsing step '{name}' in phase '{phase}' failed. Error: {problem}")


def _step_problem(step: dict[Any, Any], phase: str, loop_names: set[str],
                  platform: str | None) -> str | None:
    action = step.get("action")
    if action is None:
        return "Missing required field 'action'."
    spec = ACTIONS.get(action) if isinstance(action, str) else None
    if spec is None:
        # Quoted from the live service, which names the component's platform in lower case.
        suffix = f" for os platform {platform.lower()}" if platform else ""
        return f"Unsupported action {action}{suffix}."
    on_failure = step.get("onFailure")
    if on_failure is not None and on_failure not in ON_FAILURE_VALUES:
        return (f"Invalid value '{on_failure}' for 'onFailure'."
                f" Allowed values are {', '.join(ON_FAILURE_VALUES)}.")
    timeout = step.get("timeoutSeconds")
    if timeout is not None and (not _is_int(timeout) or timeout == 0 or timeout < -1):
        return "Invalid value for 'timeoutSeconds'. It must be a positive integer, or -1 for no timeout."
    attempts = step.get("maxAttempts")
    if attempts is not None and (not _is_int(attempts) or attempts < 1):
        return "Invalid value for 'maxAttempts'. It must be a positive integer."
    if action == "ExecuteDocument":
        # AWS: ExecuteDocument "returns an error if you try to change" these two.
        if timeout not in (None, -1):
            return "Action ExecuteDocument does not support 'timeoutSeconds'; it is always -1."
        if attempts not in (None, 1):
            return "Action ExecuteDocument does not support 'maxAttempts'; it is always 1."
    if step.get("loop") is not None:
        problem = _loop_problem(step["loop"], phase, loop_names)
        if problem is not None:
            return problem
    if step.get("if") is not None:
        try:
            parse_condition(step["if"])
        except ConditionError as error:
            return f"Invalid 'if': {error}"
    return _inputs_problem(action, spec, step.get("inputs"))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _inputs_problem(action: str, spec: _ActionSpec, inputs: Any) -> str | None:
    if not spec.required and not spec.exactly_one_of:
        return None
    if inputs is None or inputs == [] or inputs == {}:
        return f"Missing required field 'inputs' for action {action}."
    # Modules take either one map or a list of maps (S3Download, DeleteFile, ...); AWSTOE treats a
    # single map as a one-entry list.
    entries = inputs if isinstance(inputs, list) else [inputs]
    for entry in entries:
        if not isinstance(entry, dict):
            return f"Inputs for action {action} must be a map or a list of maps."
        for key in spec.required:
            if entry.get(key) is None:
                return f"Missing required input '{key}' for action {action}."
        if spec.exactly_one_of:
            present = [key for key in spec.exactly_one_of if entry.get(key) is not None]
            if len(present) != 1:
                return (f"Action {action} requires exactly one of the inputs"
                        f" {' or '.join(repr(key) for key in spec.exactly_one_of)}.")
        for key in spec.lists:
            if entry.get(key) is not None and not isinstance(entry[key], list):
                return f"Input '{key}' for action {action} must be a list."
    return None


def _loop_problem(loop: Any, phase: str, loop_names: set[str]) -> str | None:
    if not isinstance(loop, dict):
        return "Field 'loop' must be a map."
    if loop.get("name") is not None:
        loop_name = _text(loop["name"])
        if loop_name is None:
            return "Field 'name' of the loop must be a string."
        if loop_name in loop_names:
            return f"Duplicate loop name '{loop_name}'. Loop names must be unique within a phase."
        loop_names.add(loop_name)
    kinds = [kind for kind in ("for", "forEach") if loop.get(kind) is not None]
    if len(kinds) != 1:
        return "A loop must define exactly one of 'for' or 'forEach'."
    if kinds == ["for"]:
        return _for_problem(loop["for"])
    return _for_each_problem(loop["forEach"])


def _for_problem(bounds: Any) -> str | None:
    if not isinstance(bounds, dict):
        return "Field 'for' of the loop must be a map with 'start', 'end' and 'updateBy'."
    for key in ("start", "end", "updateBy"):
        if not _is_int(bounds.get(key)):
            return f"Field '{key}' of the 'for' loop must be an integer."
    start, end, step = bounds["start"], bounds["end"], bounds["updateBy"]
    if step == 0:
        return "Field 'updateBy' of the 'for' loop must be a non-zero integer."
    # AWS checks that the three values cannot loop forever: the step must move start towards end.
    if (end - start) * step < 0:
        return "The values of 'start', 'end' and 'updateBy' of the 'for' loop result in an infinite loop."
    return None


def _for_each_problem(items: Any) -> str | None:
    if isinstance(items, list):
        if not items or any(_text(item) is None for item in items):
            return "Field 'forEach' of the loop must be a non-empty list of strings."
        return None
    if isinstance(items, dict):
        if _text(items.get("list")) is None:
            return "Missing required field 'list' for the 'forEach' loop."
        delimiter = items.get("delimiter")
        if delimiter is not None and (not isinstance(delimiter, str) or delimiter not in LOOP_DELIMITERS):
            return ("Invalid 'delimiter' for the 'forEach' loop. It must be one character among"
                    " . , ; : newline tab space - _")
        return None
    return "Field 'forEach' of the loop must be a list of strings or a map with 'list'."
