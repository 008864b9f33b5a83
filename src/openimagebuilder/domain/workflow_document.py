"""Parse and validate Image Builder workflow documents (the `data` of CreateWorkflow).

Rules follow AWS's user guide pages "Create a YAML workflow document", "Supported step actions
for your workflow document", "Use dynamic variables in your workflow document" and "Use
conditional statements in your workflow steps". Where those pages disagree with the API model,
the stricter reading wins so that a stored document can always be described by the API.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NoReturn

from .documents import DocumentSyntaxError, load_document

__all__ = [
    "ACTIONS",
    "WorkflowDocument",
    "WorkflowDocumentError",
    "WorkflowParameter",
    "WorkflowStep",
    "parse_workflow_document",
]


class WorkflowDocumentError(ValueError):
    """message = the detail text that follows "The value supplied for parameter 'data' is not valid. " """


@dataclass(frozen=True)
class WorkflowParameter:
    name: str
    type: str                # string | integer | boolean | stringList
    default: object | None   # typed default, None when absent
    description: str | None


@dataclass(frozen=True)
class WorkflowStep:
    name: str
    action: str
    on_failure: str          # Abort | Continue
    rollback_enabled: bool | str   # a str is a JSONPath that resolves to a boolean at run time
    timeout_seconds: int | None
    inputs: dict             # raw inputs mapping as written
    if_condition: dict | None
    description: str | None = None


@dataclass(frozen=True)
class WorkflowDocument:
    name: str | None
    description: str | None
    schema_version: str
    parameters: tuple[WorkflowParameter, ...]
    steps: tuple[WorkflowStep, ...]
    outputs: tuple[dict, ...]


@dataclass(frozen=True)
class _Action:
    max_timeout: int                 # seconds, the documented "Max Timeout"
    outputs: frozenset[str]
    stages: frozenset[str]           # workflow types the action may appear in


_ANY_STAGE = frozenset({"BUILD", "TEST", "DISTRIBUTION"})
_RUN_COMMAND_OUTPUTS = frozenset({"runCommandId", "status", "output"})
_HOURS = 3600


def _action(max_hours: int, outputs: set[str] | frozenset[str], stages: frozenset[str] = _ANY_STAGE) -> _Action:
    return _Action(max_hours * _HOURS, frozenset(outputs), stages)


ACTIONS: dict[str, _Action] = {
    "ApplyImageConfigurations": _action(12, {"configuredImages"}, frozenset({"DISTRIBUTION"})),
    "BootstrapInstanceForContainer": _action(12, _RUN_COMMAND_OUTPUTS),
    "CollectImageMetadata": _action(12, {"osVersion", "associationId"}),
    "CollectImageScanFindings": _action(12, _RUN_COMMAND_OUTPUTS, frozenset({"TEST"})),
    "CreateImage": _action(72, {"imageId"}),
    "CreateImageFromIso": _action(12, {"amiName", "snapshotId", "architecture"}),
    "DistributeContainerImage": _action(
        12, {"status", "succeededRegions", "failedRegions"}, frozenset({"DISTRIBUTION"})),
    "DistributeImage": _action(12, {"distributedImages"}, frozenset({"DISTRIBUTION"})),
    "ExecuteComponents": _action(24, _RUN_COMMAND_OUTPUTS, frozenset({"BUILD", "TEST"})),
    "ExecuteStateMachine": _action(24, {"executionArn", "output"}),
    "LaunchInstance": _action(12, {"instanceId"}),
    "ModifyImageAttributes": _action(3, {"modifiedImages"}, frozenset({"DISTRIBUTION"})),
    "RegisterImage": _action(12, {"imageId"}),
    "RunCommand": _action(12, _RUN_COMMAND_OUTPUTS),
    "RunSysPrep": _action(12, _RUN_COMMAND_OUTPUTS),
    "SanitizeInstance": _action(12, _RUN_COMMAND_OUTPUTS),
    "TerminateInstance": _action(12, set()),
    "WaitForAction": _action(7 * 24, {"action", "reason"}),
    "WaitForSSMAgent": _action(3, {"status"}),
}

# AWS: one workflow distributes either container images or AMIs, never both.
_AMI_DISTRIBUTION_ACTIONS = ("DistributeImage", "ModifyImageAttributes", "ApplyImageConfigurations")

MAX_STEPS = 15
PARAMETER_TYPES = ("string", "integer", "boolean", "stringList")
ON_FAILURE_VALUES = ("Abort", "Continue")

_DOCUMENT_FIELDS = ("name", "description", "schemaVersion", "parameters", "steps", "outputs")
_STEP_FIELDS = ("name", "description", "action", "onFailure", "rollbackEnabled", "timeoutSeconds",
                "inputs", "if")
_PARAMETER_FIELDS = ("name", "type", "default", "description")
_OUTPUT_FIELDS = ("name", "value")

# The user guide allows 3-128 alphanumerics and underscores; the API model returns step names
# matching ^[A-Za-z][A-Za-z0-9-_]{1,99}$. A name must satisfy both to be reported back.
_STEP_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{2,99}")
_STEP_NAME_RULE = ("Allowed characters are alphanumeric characters and underscores; the name must "
                   "start with a letter and be 3 to 100 characters long.")
_PARAMETER_NAME = re.compile(r"[^\x00]{1,128}")   # WorkflowParameterName in the API model

_BRANCHES = ("and", "or")
_COMPARISONS = ("booleanEquals", "numberEquals", "numberGreaterThan", "numberGreaterThanEquals",
                "numberLessThan", "numberLessThanEquals", "stringEquals")
_CONDITION_OPERATORS = (*_BRANCHES, "not", *_COMPARISONS)
_MAX_CONDITION_LEVEL = 4
_MAX_BRANCH_CHILDREN = 10

_VARIABLE_ROOTS = ("parameters", "stepOutputs", "workflowOutputs", "imagebuilder", "imageBuilder")
_JSONPATH = re.compile(r"\$\.(?P<root>[A-Za-z]+)(?P<path>(?:\.[^.\[\]\s{}]+|\[\d+\])*)")
_PATH_PART = re.compile(r"\.([^.\[\]\s{}]+)|\[(\d+)\]")
_INTERPOLATION = re.compile(r"\{\{\s*(\$\.[^{}]*?)\s*\}\}")
_CHAINED_SUFFIX = ".$"


def _fail(message: str) -> NoReturn:
    raise WorkflowDocumentError(message)


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(values)


def _load(text: str) -> object:
    try:
        return load_document(text)
    except DocumentSyntaxError as error:
        _fail(f"The workflow document is not valid YAML or JSON: {error.problem}.")


def _reject_unknown_fields(mapping: dict, allowed: tuple[str, ...], where: str) -> None:
    for key in mapping:
        if key not in allowed:
            _fail(f"Unknown field '{key}' in {where}. Allowed fields are {_join(allowed)}.")


def _optional_text(mapping: dict, field: str, where: str, max_length: int, min_length: int = 1) -> str | None:
    value = mapping.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or not min_length <= len(value) <= max_length:
        _fail(f"Invalid {field} in {where}. The {field} must be a string of {min_length} to "
              f"{max_length} characters.")
    return value


def _schema_version(document: dict) -> str:
    if "schemaVersion" not in document:
        _fail("The workflow document is missing required field 'schemaVersion'.")
    value = document["schemaVersion"]
    # YAML reads `schemaVersion: 1.0` as a float, and generators such as the CDK emit `1`.
    if not isinstance(value, bool) and str(value) in ("1.0", "1"):
        return "1.0"
    _fail(f"Invalid schemaVersion '{value}'. The only supported schema version is 1.0.")


# ---------------------------------------------------------------------------------------------
# Parameters

def _typed_default(name: str, type_: str, value: object) -> object:
    valid = {
        "string": isinstance(value, str),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "stringList": isinstance(value, list) and all(isinstance(item, str) for item in value),
    }[type_]
    if not valid:
        expected = {"string": "a string", "integer": "an integer", "boolean": "true or false",
                    "stringList": "a list of strings"}[type_]
        _fail(f"Invalid default value for parameter '{name}'. The default for type '{type_}' "
              f"must be {expected}.")
    return value


def _parameters(raw: object) -> tuple[WorkflowParameter, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        _fail("Field 'parameters' must be a list of parameters.")
    parameters: list[WorkflowParameter] = []
    seen: set[str] = set()
    for index, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            _fail(f"Parameter {index} in 'parameters' must be an object.")
        if "name" not in item:
            _fail(f"Parameter {index} in 'parameters' is missing required field 'name'.")
        name = item["name"]
        if not isinstance(name, str) or not _PARAMETER_NAME.fullmatch(name):
            _fail(f"Invalid parameter name '{name}'. The name must be a string of 1 to 128 characters.")
        if name in seen:
            _fail(f"Duplicate parameter name '{name}'. Parameter names must be unique.")
        seen.add(name)
        where = f"parameter '{name}'"
        _reject_unknown_fields(item, _PARAMETER_FIELDS, where)
        # The guide marks type as required but also says it defaults to string; accept both.
        type_ = item.get("type", "string")
        if type_ not in PARAMETER_TYPES:
            _fail(f"Invalid type '{type_}' for {where}. Allowed types are {_join(PARAMETER_TYPES)}.")
        default = item.get("default")
        if default is not None:
            default = _typed_default(name, type_, default)
        description = _optional_text(item, "description", where, 1024, min_length=0)
        parameters.append(WorkflowParameter(name, type_, default, description))
    return tuple(parameters)


# ---------------------------------------------------------------------------------------------
# Dynamic variables ($.parameters.x, $.stepOutputs.Step.output, ...)

@dataclass(frozen=True)
class _Scope:
    """What a JSONPath may refer to from one place in the document."""
    where: str                        # "step 'X'" or "output 'Y'", used in messages
    parameters: frozenset[str]
    earlier_steps: dict[str, str]     # step name -> action, for steps that run before `where`


def _check_reference(path: str, scope: _Scope) -> None:
    match = _JSONPATH.fullmatch(path)
    if match is None or match["root"] not in _VARIABLE_ROOTS:
        _fail(f"Invalid JSONPath '{path}' in {scope.where}. A dynamic variable has the form "
              f"$.<parameters|stepOutputs|workflowOutputs|imagebuilder>.<name>.")
    parts = [name for name, _index in _PATH_PART.findall(match["path"])]
    first = parts[0] if parts else ""
    if not first:
        _fail(f"Invalid JSONPath '{path}' in {scope.where}. The variable name is missing.")
    root = match["root"]
    if root == "parameters" and first not in scope.parameters:
        _fail(f"{_upper_first(scope.where)} references undeclared parameter '{first}' in '{path}'.")
    if root != "stepOutputs":
        return  # system variables and earlier workflows' outputs are only known at run time
    output = parts[1] if len(parts) > 1 else ""
    if not output:
        _fail(f"Invalid JSONPath '{path}' in {scope.where}. Step outputs are referenced as "
              f"$.stepOutputs.<step name>.<output name>.")
    action = scope.earlier_steps.get(first)
    if action is None:
        _fail(f"{_upper_first(scope.where)} references step '{first}' in '{path}', but no earlier "
              f"step has that name.")
    outputs = ACTIONS[action].outputs
    if output not in outputs:
        known = f"Its outputs are {_join(sorted(outputs))}." if outputs else "It has no outputs."
        _fail(f"{_upper_first(scope.where)} references output '{output}' of step '{first}' in "
              f"'{path}', but action '{action}' has no such output. {known}")


def _check_interpolations(text: str, scope: _Scope) -> None:
    for path in _INTERPOLATION.findall(text):
        _check_reference(path, scope)


def _check_inputs(value: object, scope: _Scope, seen: set[int]) -> None:
    # YAML aliases can share or even nest a node inside itself; visit each container once.
    if isinstance(value, (dict, list)):
        if id(value) in seen:
            return
        seen.add(id(value))
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and key.endswith(_CHAINED_SUFFIX):
                if not isinstance(item, str) or not item.startswith("$."):
                    _fail(f"Input '{key}' in {scope.where} must be a JSONPath string such as "
                          f"'$.stepOutputs.<step>.<output>', because its name ends with '.$'.")
                _check_reference(item, scope)
            else:
                _check_inputs(item, scope, seen)
    elif isinstance(value, list):
        for item in value:
            _check_inputs(item, scope, seen)
    elif isinstance(value, str):
        _check_interpolations(value, scope)


def _check_operand(value: object, scope: _Scope) -> None:
    if isinstance(value, str):
        if value.startswith("$."):
            _check_reference(value, scope)
        else:
            _check_interpolations(value, scope)


# ---------------------------------------------------------------------------------------------
# Conditions (the `if` step attribute)

def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return False
        return True
    return False


def _check_comparison(condition: dict, operator: str, scope: _Scope) -> None:
    def bad(detail: str) -> NoReturn:
        _fail(f"Invalid if condition in {scope.where}: {detail}.")

    for key in condition:
        if key not in (operator, "value"):
            bad(f"unexpected field '{key}' next to '{operator}'")
    if "value" not in condition:
        bad(f"'{operator}' requires a 'value' field")
    for operand in (condition[operator], condition["value"]):
        if isinstance(operand, (dict, list)):
            bad(f"'{operator}' compares single values, not lists or objects")
        if isinstance(operand, str) and operand.startswith("$."):
            _check_operand(operand, scope)
            continue
        if operator == "booleanEquals" and not isinstance(operand, bool):
            bad(f"'booleanEquals' compares true or false, got '{operand}'")
        if operator.startswith("number") and not _is_number(operand):
            bad(f"'{operator}' compares numbers, got '{operand}'")
        if operator == "stringEquals" and not isinstance(operand, str):
            bad(f"'stringEquals' compares strings, got '{operand}'")
        _check_operand(operand, scope)


def _check_condition(condition: object, level: int, scope: _Scope) -> None:
    def bad(detail: str) -> NoReturn:
        _fail(f"Invalid if condition in {scope.where}: {detail}.")

    if level > _MAX_CONDITION_LEVEL:
        bad(f"conditions can be nested at most {_MAX_CONDITION_LEVEL} levels deep")
    if not isinstance(condition, dict) or not condition:
        bad("each condition must be an object with exactly one statement")
    operators = [key for key in condition if key in _CONDITION_OPERATORS]
    if not operators:
        bad(f"unknown operator '{next(iter(condition))}'. Allowed operators are "
            f"{_join(_CONDITION_OPERATORS)}")
    if len(operators) > 1:
        bad(f"a condition holds exactly one statement, found {_join(operators)}")
    operator = operators[0]
    if operator in _BRANCHES or operator == "not":
        if len(condition) > 1:
            extra = next(key for key in condition if key != operator)
            bad(f"unexpected field '{extra}' next to '{operator}'")
    if operator in _BRANCHES:
        children = condition[operator]
        if not isinstance(children, list) or not 1 <= len(children) <= _MAX_BRANCH_CHILDREN:
            bad(f"'{operator}' must list 1 to {_MAX_BRANCH_CHILDREN} conditions")
        for child in children:
            _check_condition(child, level + 1, scope)
    elif operator == "not":
        if not isinstance(condition["not"], dict):
            bad("'not' must contain exactly one condition")
        _check_condition(condition["not"], level + 1, scope)
    else:
        _check_comparison(condition, operator, scope)


# ---------------------------------------------------------------------------------------------
# Steps

def _step_name(item: dict, index: int, seen: set[str]) -> str:
    if "name" not in item:
        _fail(f"Step {index} in 'steps' is missing required field 'name'.")
    name = item["name"]
    if not isinstance(name, str) or not _STEP_NAME.fullmatch(name):
        _fail(f"Invalid step name '{name}'. {_STEP_NAME_RULE}")
    if name in seen:
        _fail(f"Duplicate step name '{name}'. Step names must be unique within the workflow document.")
    return name


def _step_action(item: dict, where: str, workflow_type: str | None) -> str:
    if "action" not in item:
        _fail(f"{_upper_first(where)} is missing required field 'action'.")
    action = item["action"]
    if action not in ACTIONS:
        _fail(f"Invalid action '{action}' in {where}. Allowed actions are {_join(list(ACTIONS))}.")
    stages = ACTIONS[action].stages
    if workflow_type is not None and workflow_type not in stages:
        _fail(f"Action '{action}' in {where} is not supported in {workflow_type} workflows. "
              f"It is supported in {_join(sorted(stages))} workflows.")
    return action


def _step_timeout(item: dict, where: str, action: str) -> int | None:
    value = item.get("timeoutSeconds")
    if value is None:
        return None
    maximum = ACTIONS[action].max_timeout
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        _fail(f"Invalid timeoutSeconds value '{value}' in {where}. The value must be an integer "
              f"between 1 and {maximum} for action '{action}'.")
    return value


def _step_rollback(item: dict, scope: _Scope) -> bool | str:
    value = item.get("rollbackEnabled", True)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.startswith("$."):
        _check_reference(value, scope)
        return value
    _fail(f"Invalid rollbackEnabled value '{value}' in {scope.where}. The value must be true, "
          f"false, or a JSONPath variable that resolves to a boolean.")


def _step(item: object, index: int, parameters: frozenset[str], earlier: dict[str, str],
          workflow_type: str | None) -> WorkflowStep:
    if not isinstance(item, dict):
        _fail(f"Step {index} in 'steps' must be an object.")
    name = _step_name(item, index, set(earlier))
    where = f"step '{name}'"
    _reject_unknown_fields(item, _STEP_FIELDS, where)
    action = _step_action(item, where, workflow_type)
    scope = _Scope(where, parameters, earlier)
    description = _optional_text(item, "description", where, 1024)
    on_failure = item.get("onFailure", "Abort")
    if on_failure not in ON_FAILURE_VALUES:
        _fail(f"Invalid onFailure value '{on_failure}' in {where}. Allowed values are "
              f"{' and '.join(ON_FAILURE_VALUES)}.")
    rollback = _step_rollback(item, scope)
    timeout = _step_timeout(item, where, action)
    # The guide lists inputs as required, yet its own WaitForAction example has none.
    inputs = item.get("inputs", {})
    if inputs is None:
        inputs = {}
    if not isinstance(inputs, dict):
        _fail(f"Field 'inputs' in {where} must be an object.")
    _check_inputs(inputs, scope, set())
    condition = item.get("if")
    if condition is not None:
        _check_condition(condition, 1, scope)
    return WorkflowStep(name, action, on_failure, rollback, timeout, inputs, condition, description)


def _steps(raw: object, parameters: frozenset[str], workflow_type: str | None) -> tuple[WorkflowStep, ...]:
    if raw is None or raw == []:
        _fail("The workflow document must contain at least one step in 'steps'.")
    if not isinstance(raw, list):
        _fail("Field 'steps' must be a list of steps.")
    if len(raw) > MAX_STEPS:
        _fail(f"The workflow document contains {len(raw)} steps. A workflow document can contain "
              f"at most {MAX_STEPS} steps.")
    steps: list[WorkflowStep] = []
    earlier: dict[str, str] = {}
    for index, item in enumerate(raw, start=1):
        step = _step(item, index, parameters, dict(earlier), workflow_type)
        steps.append(step)
        earlier[step.name] = step.action
    actions = {step.action for step in steps}
    if "DistributeContainerImage" in actions:
        clash = [action for action in _AMI_DISTRIBUTION_ACTIONS if action in actions]
        if clash:
            _fail(f"A workflow document that uses DistributeContainerImage cannot also use "
                  f"{_join(clash)}. A workflow distributes either container images or AMIs.")
    return tuple(steps)


# ---------------------------------------------------------------------------------------------
# Outputs

def _outputs(raw: object, parameters: frozenset[str], steps: tuple[WorkflowStep, ...]) -> tuple[dict, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        _fail("Field 'outputs' must be a list of outputs.")
    all_steps = {step.name: step.action for step in steps}
    outputs: list[dict] = []
    seen: set[str] = set()
    for index, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            _fail(f"Output {index} in 'outputs' must be an object with fields 'name' and 'value'.")
        for field in _OUTPUT_FIELDS:
            if field not in item:
                _fail(f"Output {index} in 'outputs' is missing required field '{field}'.")
        name = item["name"]
        if not isinstance(name, str) or not name:
            _fail(f"Invalid name for output {index} in 'outputs'. The name must be a non-empty string.")
        if name in seen:
            _fail(f"Duplicate output name '{name}'. Output names must be unique.")
        seen.add(name)
        where = f"output '{name}'"
        _reject_unknown_fields(item, _OUTPUT_FIELDS, where)
        value = item["value"]
        if not isinstance(value, str):
            _fail(f"Invalid value for {where}. The value must be a string.")
        # Outputs are read after the last step, so every step counts as earlier.
        _check_operand(value, _Scope(where, parameters, all_steps))
        outputs.append({"name": name, "value": value})
    return tuple(outputs)


def parse_workflow_document(text: str, workflow_type: str | None = None) -> WorkflowDocument:
    """Parse a YAML or JSON workflow document, raising WorkflowDocumentError on the first problem.

    `workflow_type` (BUILD, TEST or DISTRIBUTION), when given, also checks that every step
    action is allowed in that workflow stage.
    """
    if not isinstance(text, str) or not text.strip():
        _fail("The workflow document is empty.")
    document = _load(text)
    if not isinstance(document, dict):
        _fail("The workflow document must be a YAML or JSON object.")
    _reject_unknown_fields(document, _DOCUMENT_FIELDS, "the workflow document")
    schema_version = _schema_version(document)
    where = "the workflow document"
    name = _optional_text(document, "name", where, 1024)
    description = _optional_text(document, "description", where, 1024)
    parameters = _parameters(document.get("parameters"))
    declared = frozenset(parameter.name for parameter in parameters)
    steps = _steps(document.get("steps"), declared, workflow_type)
    outputs = _outputs(document.get("outputs"), declared, steps)
    return WorkflowDocument(name, description, schema_version, parameters, steps, outputs)


@lru_cache(maxsize=512)
def parsed_workflow_document(text: str) -> WorkflowDocument:
    """`parse_workflow_document` of an already-validated stored document, parsed once per text.
    Builds read the same few documents over and over; the result is shared and must not be changed."""
    return parse_workflow_document(text)

