"""Build backends: what actually launches, builds, tests and distributes. The engine drives a
backend through this one interface; `SimulatedBackend` is deterministic and instant, for tests and
for users testing their Image Builder code offline. Real backends plug in here later."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from ..domain.documents import load_document

FAIL_MARKER = "oib:fail"  # in a component step's inputs: the simulated backend fails that step


@dataclass(frozen=True)
class BuildContext:
    image_arn: str
    image_name: str
    platform: str
    image_type: str              # AMI | DOCKER
    region: str
    account_id: str
    distribution_regions: tuple[str, ...]
    fail_steps: frozenset[str]   # workflow step names to fail on purpose


@dataclass
class StepResult:
    succeeded: bool
    outputs: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    log: list[str] = field(default_factory=list)
    # ComponentFailureContext members when a component step failed (phaseName, stepName, ...).
    component_failure: dict[str, Any] | None = None


@dataclass(frozen=True)
class ComponentRun:
    arn: str
    name: str
    data: str
    parameters: dict[str, list[str]]


class Backend(Protocol):
    def launch(self, context: BuildContext, step: str) -> StepResult: ...
    def run_components(self, context: BuildContext, instance_id: str, components: list[ComponentRun],
                       phases: tuple[str, ...]) -> StepResult: ...
    def run_command(self, context: BuildContext, instance_id: str, action: str) -> StepResult: ...
    def collect_metadata(self, context: BuildContext, instance_id: str) -> StepResult: ...
    def create_image(self, context: BuildContext, instance_id: str) -> StepResult: ...
    def distribute(self, context: BuildContext, image_id: str) -> StepResult: ...
    def terminate(self, context: BuildContext, instance_id: str) -> StepResult: ...


def _token(*parts: str, length: int = 17) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


_VARIABLE = re.compile(r"\{\{\s*([A-Za-z0-9_-]+)\s*\}\}")


def _constants(document: dict[str, Any]) -> dict[str, str]:
    values: dict[str, str] = {}
    for entry in document.get("constants") or []:
        for name, definition in (entry or {}).items():
            if isinstance(definition, dict) and "value" in definition:
                values[str(name)] = str(definition["value"])
    return values


def _substitute(value: Any, variables: dict[str, str]) -> Any:
    """`{{ Name }}` replaced by a component parameter or constant, as the component manager does."""
    if isinstance(value, str):
        return _VARIABLE.sub(lambda match: variables.get(match.group(1), match.group(0)), value)
    if isinstance(value, list):
        return [_substitute(item, variables) for item in value]
    if isinstance(value, dict):
        return {key: _substitute(item, variables) for key, item in value.items()}
    return value


def _ran(ran: list[str], phases: tuple[str, ...]) -> str:
    """ExecuteComponents' `output`: the components that ran, in order, with their phases."""
    if not ran:
        return f"No component has a {' or '.join(phases)} phase."
    return "Ran " + "; ".join(ran) + "."


SIMULATED_PACKAGES = (("bash", "5.2.15-1"), ("curl", "8.5.0-1"), ("openssl", "3.0.13-1"),
                      ("python3", "3.11.7-1"), ("systemd", "252.22-1"))


@lru_cache(maxsize=512)
def _component_document(data: str) -> dict[str, Any]:
    # Parsed once per document text (read the way CreateComponent validated it); read-only afterwards.
    loaded = load_document(data)
    return loaded if isinstance(loaded, dict) else {}


class SimulatedBackend:
    """Deterministic: ids derive from the image ARN, so a build's outputs are reproducible."""

    def launch(self, context: BuildContext, step: str) -> StepResult:
        instance_id = f"i-{_token(context.image_arn, step)}"
        return StepResult(True, {"instanceId": instance_id}, log=[f"Launched instance {instance_id}"])

    def run_components(self, context: BuildContext, instance_id: str, components: list[ComponentRun],
                       phases: tuple[str, ...]) -> StepResult:
        """Runs the given phases of each component, in recipe order, with its parameters (and
        constants) substituted into the step inputs; a step whose inputs then contain `oib:fail`
        fails, and so does the component and the workflow step."""
        log: list[str] = []
        ran: list[str] = []
        for component in components:
            document = _component_document(component.data)
            variables = {**_constants(document), **{name: ",".join(values)
                                                    for name, values in component.parameters.items()}}
            ran_phases: list[str] = []
            for phase in document.get("phases") or []:
                if phase.get("name") not in phases:
                    continue
                ran_phases.append(phase["name"])
                for step in phase.get("steps") or []:
                    name = step.get("name", "?")
                    inputs = _substitute(step.get("inputs", ""), variables)
                    log.append(f"{component.name} {phase['name']}/{name} ({step.get('action')}): {inputs}")
                    if FAIL_MARKER in str(inputs):
                        message = (f"Component {component.arn} failed in phase '{phase['name']}', step '{name}': "
                                   f"the step asked the simulated backend to fail ({FAIL_MARKER}).")
                        log.append(message)
                        ran.append(f"{component.name} ({phase['name']}: failed)")
                        return StepResult(False, {"runCommandId": _token(instance_id, component.arn),
                                                  "status": "Failed", "output": _ran(ran, phases)}, message, log,
                                          {"componentArn": component.arn, "phaseName": phase["name"],
                                           "stepName": name, "action": str(step.get("action", "")),
                                           "errorMessage": message})
                    log.append(f"{component.name} {phase['name']}/{name}: succeeded")
            if ran_phases:
                ran.append(f"{component.name} ({', '.join(ran_phases)})")
        return StepResult(True, {"runCommandId": _token(instance_id, *phases), "status": "Success",
                                 "output": _ran(ran, phases)}, log=log)

    def run_command(self, context: BuildContext, instance_id: str, action: str) -> StepResult:
        return StepResult(True, {"runCommandId": _token(instance_id, action), "status": "Success", "output": ""},
                          log=[f"{action} on {instance_id}: succeeded"])

    def collect_metadata(self, context: BuildContext, instance_id: str) -> StepResult:
        return StepResult(True, {"osVersion": "Amazon Linux 2" if context.platform == "Linux" else
                                 "Microsoft Windows Server 2022", "associationId": _token(instance_id, "inventory"),
                                 "packages": [{"packageName": n, "packageVersion": v} for n, v in SIMULATED_PACKAGES]},
                          log=[f"Collected inventory of {instance_id}"])

    def create_image(self, context: BuildContext, instance_id: str) -> StepResult:
        image_id = f"ami-{_token(context.image_arn, 'ami')}"
        return StepResult(True, {"imageId": image_id}, log=[f"Created image {image_id} from {instance_id}"])

    def distribute(self, context: BuildContext, image_id: str) -> StepResult:
        images = [{"region": region, "imageId": f"ami-{_token(context.image_arn, region)}"}
                  for region in context.distribution_regions]
        return StepResult(True, {"distributedImages": images},
                          log=[f"Distributed {image_id} to {', '.join(context.distribution_regions)}"])

    def terminate(self, context: BuildContext, instance_id: str) -> StepResult:
        return StepResult(True, {}, log=[f"Terminated instance {instance_id}"])
