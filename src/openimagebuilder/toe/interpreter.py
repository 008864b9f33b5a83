"""Runs component documents as AWSTOE does: documents in the order given, each document's phases in
the order the document defines them (AWS: the order asked for does not matter), steps in order,
with `if`, `loop`, `maxAttempts`, `timeoutSeconds`, `onFailure`, chaining and reboots.

The library entry point is `run_documents`; the build engine and `oib toe run` both call it."""
from __future__ import annotations

import importlib
import pkgutil
import posixpath
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..domain.component_document import (
    ComponentDefinition,
    ComponentDocumentError,
    StepDefinition,
    StepLoop,
    load_component_definition,
)
from . import modules as modules_package
from .conditions import ConditionError, TargetProbe, evaluate, parse_condition
from .display import inputs_lines
from .executor import Executor, TargetError
from .modules import MODULES, ModuleResult, RunnerSettings, StepCall
from .modules.platforms import platform_problem
from .probe import DryRunProbe, ExecutorProbe
from .report import summary
from .results import (
    CANCELLED,
    FAILED,
    IGNORED_FAILURE,
    SKIPPED,
    SUCCESS,
    ComponentInput,
    DocumentReport,
    LoopSummary,
    PhaseReport,
    RunEvent,
    RunReport,
    StepReport,
    combined_status,
    now,
)
from .variables import LoopFrame, Scope, StepRecordView, document_variables, substitute, substitute_text, value_text

EventSink = Callable[[RunEvent], None]
# (reference as written in ExecuteDocument, the calling document) → the document to run.
DocumentResolver = Callable[[str, ComponentInput], ComponentInput]

# AWS: nesting up to three levels (four documents including the top one).
MAX_NESTING = 3
# AWS leaves the limit to SSM's CommandRetryLimit; ours stops a step that reboots forever.
MAX_REBOOTS_PER_STEP = 10


class DocumentNotFound(Exception):
    """An ExecuteDocument reference cannot be resolved; the message says why."""


def _load_all_modules() -> None:
    """Every module file registers its actions on import; importing them all fills MODULES."""
    for info in pkgutil.iter_modules(modules_package.__path__):
        importlib.import_module(f"{modules_package.__name__}.{info.name}")


_load_all_modules()


DEFAULT_SETTINGS = RunnerSettings()


def run_documents(documents: Sequence[ComponentInput], phases: Iterable[str] | None, executor: Executor,
                  settings: RunnerSettings = DEFAULT_SETTINGS, on_event: EventSink | None = None,
                  cancel: threading.Event | None = None,
                  resolve_document: DocumentResolver | None = None) -> RunReport:
    """Runs `documents` one after the other on `executor`'s target. `phases`: the phase names to
    run (None: all); a document's phases not named are left out. Every documented failure ends in
    the returned report, never in an exception. An invalid document fails the run before any step runs."""
    run = _Run(executor, settings, _guarded(on_event), cancel or threading.Event(),
               resolve_document or default_resolver(executor), chain=())
    return run.run(documents, None if phases is None else tuple(phases))


def _guarded(on_event: EventSink | None) -> EventSink:
    """The caller's sink, kept from stopping the run: a sink that fails (its log store is down)
    is dropped and the build goes on; the report still has every step's output."""
    if on_event is None:
        return lambda event: None
    state: dict[str, EventSink | None] = {"sink": on_event}

    def deliver(event: RunEvent) -> None:
        sink = state["sink"]
        if sink is None:
            return
        try:
            sink(event)
        except Exception:  # noqa: BLE001 - the sink's own fault
            state["sink"] = None
    return deliver


def default_resolver(executor: Executor) -> DocumentResolver:
    """File paths on the target, relative ones next to the calling document. S3 URIs and component
    ARNs need a resolver from the caller (the build engine has the store)."""
    def resolve(reference: str, parent: ComponentInput) -> ComponentInput:
        if reference.startswith("s3://") or reference.startswith("arn:"):
            raise DocumentNotFound(f"Cannot load document '{reference}': only file paths are supported here.")
        path = reference
        if not path.startswith("/") and parent.path and "/" in parent.path:
            path = f"{parent.path.rsplit('/', 1)[0]}/{reference}"
        # One spelling per file, so that a cycle through "./a.yml" and "a.yml" is seen as one.
        path = posixpath.normpath(path)
        try:
            text = executor.get_file(path).decode("utf-8", "replace")
        except TargetError as error:
            raise DocumentNotFound(f"Cannot load document '{reference}': {error}") from None
        return ComponentInput(name=reference, text=text, path=path)
    return resolve


@dataclass
class _Attempt:
    succeeded: bool
    message: str = ""
    outputs: list[dict[str, Any]] = field(default_factory=list)
    exit_code: int | None = None
    cancelled: bool = False
    failed_indices: tuple[int, ...] = ()


class _Run:
    def __init__(self, executor: Executor, settings: RunnerSettings, on_event: EventSink,
                 cancel: threading.Event, resolver: DocumentResolver, chain: tuple[str, ...]) -> None:
        self.executor = executor
        self.settings = settings
        self.on_event = on_event
        self.cancel = cancel
        self.resolver = resolver
        self.chain = chain          # the documents above this run (ExecuteDocument), outermost first
        self.current_document = ComponentInput(name="", text="")
        self.probe: TargetProbe = (DryRunProbe() if settings.dry_run
                                   else ExecutorProbe(executor, cancel, settings.working_directory))

    # --- documents and phases ----------------------------------------------------------------

    def run(self, documents: Sequence[ComponentInput], phases: tuple[str, ...] | None) -> RunReport:
        report = RunReport(execution_id=str(uuid.uuid4()), start=now())
        loaded: list[tuple[ComponentInput, ComponentDefinition]] = []
        for document in documents:
            try:
                definition = load_component_definition(document.text, platform=self.settings.platform)
                loaded.append((document, definition))
            except ComponentDocumentError as error:
                report.status = FAILED
                report.failure_message = f"Document {document.name} is not valid: {error.message}"
                self._note(document.name, None, None, report.failure_message)
                report.end = now()
                return report
        refusal = self._platform_refusal(loaded, phases)
        if refusal:
            report.status, report.failure_message = FAILED, refusal
            self._note(loaded[0][0].name, None, None, refusal)
            report.end = now()
            return report
        for document, definition in loaded:
            if self.cancel.is_set():
                break
            document_report = self._run_document(document, definition, phases)
            report.documents.append(document_report)
            if document_report.status in (FAILED, CANCELLED):
                # Abort stops the whole run; Continue's failures let later documents run.
                if self._aborted(document_report):
                    break
        report.status = combined_status([document.status for document in report.documents])
        if self.cancel.is_set() and report.status != FAILED:
            report.status = CANCELLED   # even when the cancel came between two steps
        report.cancelled = report.status == CANCELLED
        report.failure_message = next((document.failure_message for document in report.documents
                                       if document.failure_message), "")
        report.end = now()
        return report

    def _platform_refusal(self, loaded: list[tuple[ComponentInput, ComponentDefinition]],
                          phases: tuple[str, ...] | None) -> str:
        """Steps the target's platform cannot run (ExecutePowerShell on Linux, ...) refuse the
        whole run before anything runs, rather than failing half-way through a build."""
        for document, definition in loaded:
            for phase in definition.phases:
                if phases is not None and phase.name not in phases:
                    continue
                for step in phase.steps:
                    problem = platform_problem(step.action, self.settings.platform)
                    if problem:
                        return (f"Document {document.name} cannot run on {self.settings.platform}:"
                                f" step {phase.name}.{step.name}: {problem}")
        return ""

    @staticmethod
    def _aborted(document: DocumentReport) -> bool:
        return any(step.status == CANCELLED or (step.status == FAILED and step.on_failure == "Abort")
                   for phase in document.phases for step in phase.steps)

    def _run_document(self, document: ComponentInput, definition: ComponentDefinition,
                      phases: tuple[str, ...] | None) -> DocumentReport:
        self.current_document = document
        summary = definition.summary
        report = DocumentReport(name=summary.name or "", path=document.path or document.name,
                                description=summary.description or "", start=now())
        declared = {parameter.name: parameter.default for parameter in summary.parameters}
        scope = Scope(document_variables(declared, definition.constants, document.parameters))
        for phase in definition.phases:
            if phases is not None and phase.name not in phases:
                continue
            if self.cancel.is_set():
                break
            phase_report = PhaseReport(name=phase.name, start=now())
            report.phases.append(phase_report)
            self._note(document.name, phase.name, None, f"Phase {phase.name} started")
            stop = False
            for step in phase.steps:
                if self.cancel.is_set():
                    stop = True
                    break
                step_report = self._run_step(document, phase.name, step, scope)
                phase_report.steps.append(step_report)
                scope.steps[(phase.name, step.name)] = StepRecordView(step_report.inputs, step_report.outputs)
                if step_report.status == CANCELLED or (step_report.status == FAILED and step.on_failure == "Abort"):
                    stop = True
                    break
            phase_report.status = combined_status([step.status for step in phase_report.steps])
            if self.cancel.is_set() and phase_report.status != FAILED:
                phase_report.status = CANCELLED
            phase_report.failure_message = _first_failure(phase_report.steps)
            phase_report.end = now()
            self._note(document.name, phase.name, None, f"Phase {phase.name}: {phase_report.status}")
            if stop:
                break
        report.status = combined_status([phase.status for phase in report.phases])
        if self.cancel.is_set() and report.status != FAILED:
            report.status = CANCELLED
        report.failure_message = next((phase.failure_message for phase in report.phases if phase.failure_message), "")
        if report.status == CANCELLED and not report.failure_message:
            report.failure_message = "The run was cancelled."
        report.end = now()
        return report

    # --- one step ----------------------------------------------------------------------------

    def _run_step(self, document: ComponentInput, phase: str, step: StepDefinition, scope: Scope) -> StepReport:
        report = StepReport(name=step.name, action=step.action, on_failure=step.on_failure,
                            max_attempts=step.max_attempts, timeout_seconds=step.timeout_seconds, start=now())
        where = (document.name, phase, step.name)
        self._note(*where, f"Step {step.name} ({step.action}) started")
        # Chaining sees the inputs with everything but the loop's own variables substituted.
        report.inputs = _entries(substitute(step.inputs, scope))
        # AWS: the `if` is evaluated once, even when the step reboots the target and runs again.
        verdict = self._condition_verdict(step, scope)
        if verdict == "Skip":
            report.status = SKIPPED
            self._finish(where, report)
            return report
        if isinstance(verdict, str) and verdict != "Execute":
            attempt = _Attempt(False, verdict)
        else:
            attempt = self._attempts(where, step, scope, report)
        report.outputs = attempt.outputs
        report.exit_code = attempt.exit_code
        if attempt.cancelled:
            report.status, report.failure_message = CANCELLED, attempt.message or "The step was cancelled."
        elif attempt.succeeded:
            report.status = SUCCESS
        else:
            report.status = IGNORED_FAILURE if step.on_failure == "Ignore" else FAILED
            report.failure_message = attempt.message
        self._finish(where, report)
        return report

    def _condition_verdict(self, step: StepDefinition, scope: Scope) -> str | None:
        """None (no `if`), Execute, Skip, or the failure message (an `if` that says Abort, or a
        malformed one)."""
        if step.condition is None:
            return None
        try:
            condition = parse_condition(substitute(step.condition, scope))
            action = condition.action(evaluate(condition.expression, self.probe))
        except ConditionError as error:
            return f"Invalid 'if': {error}"
        if action == "Abort":
            return "The step's condition chose Abort."
        return action

    def _attempts(self, where: tuple[str, str, str], step: StepDefinition, scope: Scope,
                  report: StepReport) -> _Attempt:
        attempt = _Attempt(False, "The step did not run.")
        for number in range(1, step.max_attempts + 1):
            report.attempts = number
            if number > 1:
                self._note(*where, f"Attempt {number} of {step.max_attempts}")
            # AWS: the timeout covers all of a loop's iterations and restarts with each attempt.
            deadline = None if step.timeout_seconds == -1 else time.monotonic() + step.timeout_seconds
            attempt = self._attempt(where, step, scope, report, deadline)
            if attempt.succeeded or attempt.cancelled or self.cancel.is_set():
                attempt.cancelled = attempt.cancelled or (self.cancel.is_set() and not attempt.succeeded)
                break
            self._note(*where, f"Attempt {number} of {step.max_attempts} failed: {attempt.message}")
        return attempt

    def _attempt(self, where: tuple[str, str, str], step: StepDefinition, scope: Scope,
                 report: StepReport, deadline: float | None) -> _Attempt:
        if step.loop is None:
            attempt = self._iteration(where, step, scope, None, report, deadline)
            if not attempt.succeeded and not attempt.cancelled and _past(deadline):
                # The module saw only what was left of the step's time; the message names the step's own.
                attempt.message = f"Step timed out after {step.timeout_seconds} seconds."
            return attempt
        frames = loop_frames(step.loop, scope)
        successful: list[list[dict[str, Any]]] = []
        failed: list[int] = []
        last = _Attempt(True)
        timed_out = False
        for frame in frames:
            if _past(deadline):
                timed_out = True
                break
            last = self._iteration(where, step, scope, frame, report, deadline)
            if last.cancelled:
                break
            if last.succeeded:
                successful.append(last.outputs)
                continue
            failed.append(frame.index)
            if _past(deadline):
                timed_out = True
                break
            # AWS: with Abort a failed iteration ends the loop; Continue and Ignore run them all.
            if step.on_failure == "Abort":
                break
        report.loop = LoopSummary(step.loop.name, len(frames), tuple(failed))
        # AWS: the successful iterations' outputs are consolidated, whatever the others did.
        outputs = consolidate_outputs(successful)
        if last.cancelled:
            return _Attempt(False, last.message, outputs, last.exit_code, cancelled=True)
        if timed_out:
            # AWS: a timed-out loop's message says so, without iteration indices.
            return _Attempt(False, f"Loop execution timed out after {step.timeout_seconds} seconds.", outputs,
                            last.exit_code)
        if failed:
            return _Attempt(False, f"Loop iterations failed at indices: {', '.join(map(str, failed))}.",
                            outputs, last.exit_code, failed_indices=tuple(failed))
        return _Attempt(True, outputs=outputs, exit_code=last.exit_code)

    def _iteration(self, where: tuple[str, str, str], step: StepDefinition, scope: Scope,
                   frame: LoopFrame | None, report: StepReport, deadline: float | None) -> _Attempt:
        inputs = substitute(step.inputs, scope, frame)
        if self.settings.dry_run:
            # Modules honour dry_run themselves: they check their inputs, touch nothing, and
            # report empty outputs, so chaining and loops are interpreted as in a real run.
            # The inputs follow, one log line each, as YAML (as the document gives them).
            lines = inputs_lines(inputs)
            if len(lines) == 1:
                self._note(*where, f"[dry run] {step.action} {lines[0]}")
            else:
                self._note(*where, f"[dry run] {step.action}")
                for line in lines:
                    self._note(*where, f"  {line}")
        module = MODULES.get(step.action)
        if module is None:
            return _Attempt(False, f"Action {step.action} is not supported by this runner.")
        while True:
            remaining = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            result = self._call(module, step, inputs, remaining, where, report)
            if not result.reboot:
                break
            if report.reboots >= MAX_REBOOTS_PER_STEP:
                return _Attempt(False, f"The step asked for more than {MAX_REBOOTS_PER_STEP} reboots.")
            report.reboots += 1
            self._note(*where, "Rebooting the target")
            if not self.settings.dry_run:
                try:
                    self.executor.reboot(self.cancel)
                except TargetError as error:
                    return _Attempt(False, f"Reboot failed: {error}")
            if self.cancel.is_set():
                return _Attempt(False, "The step was cancelled.", cancelled=True)
            if not result.rerun:
                break
            self._note(*where, "Running the step again after the reboot")
        outputs = [result.outputs] if result.outputs else []
        cancelled = self.cancel.is_set() and not result.succeeded
        return _Attempt(result.succeeded, result.message, outputs, result.exit_code, cancelled)

    def _call(self, module: Callable[[StepCall], ModuleResult], step: StepDefinition, inputs: Any,
              timeout: float | None, where: tuple[str, str, str], report: StepReport) -> ModuleResult:
        def on_output(stream: str, line: str) -> None:
            report.output.append(line)
            self.on_event(RunEvent(now(), where[0], where[1], where[2], stream, line))

        call = StepCall(action=step.action, inputs=inputs, executor=self.executor, settings=self.settings,
                        timeout=timeout, cancel=self.cancel, on_output=on_output,
                        run_document=lambda reference, request: self._run_nested(where, reference, request, report))
        try:
            decided = self.settings.dry_step_result(call) if self.settings.dry_run and self.settings.dry_step_result else None
            return decided or module(call)
        except TargetError as error:
            return ModuleResult(False, message=str(error))
        except Exception as error:  # a module's bug must fail its step, not the whole run
            return ModuleResult(False, message=f"{step.action} failed unexpectedly: {type(error).__name__}: {error}")

    # --- ExecuteDocument ---------------------------------------------------------------------

    def _run_nested(self, where: tuple[str, str, str], reference: str, request: Mapping[str, Any],
                    report: StepReport) -> ModuleResult:
        """Runs a nested document. `request`: {"phases": list of names or None, "parameters": {name: value}}."""
        if len(self.chain) + 1 > MAX_NESTING:
            return ModuleResult(False, message=f"Document nesting is limited to {MAX_NESTING} levels.")
        parent = self.current_document
        try:
            nested = self.resolver(reference, parent)
        except DocumentNotFound as error:
            return ModuleResult(False, message=str(error))
        identity = nested.path or nested.name
        lineage = (*self.chain, parent.path or parent.name)
        if identity in lineage:
            return ModuleResult(False, message=f"Cyclic document execution: {' -> '.join((*lineage, identity))}.")
        nested = ComponentInput(name=nested.name, text=nested.text, path=nested.path,
                                parameters=dict(request.get("parameters") or {}))
        child = _Run(self.executor, self.settings, self.on_event, self.cancel, self.resolver, lineage)
        phases = request.get("phases")
        result = child.run([nested], None if not phases else tuple(phases))
        report.nested.append(result)
        return ModuleResult(result.succeeded, outputs=summary(result), message=result.failure_message)

    # --- events ------------------------------------------------------------------------------

    def _note(self, document: str, phase: str | None, step: str | None, text: str) -> None:
        self.on_event(RunEvent(now(), document, phase, step, "info", text))

    def _finish(self, where: tuple[str, str, str], report: StepReport) -> None:
        report.end = now()
        suffix = f": {report.failure_message}" if report.failure_message else ""
        self._note(*where, f"Step {report.name}: {report.status}{suffix}")


def loop_frames(loop: StepLoop, scope: Scope) -> Sequence[LoopFrame]:
    """The iterations of a step's loop, values as strings (AWS: loops support only strings)."""
    if loop.items is not None:
        values: Sequence[str] = [substitute_text(item, scope) for item in loop.items]
    elif loop.delimited is not None:
        # Empty pieces (a trailing newline of chained stdout, "a,,b") are not iterations.
        values = [piece for piece in substitute_text(loop.delimited, scope).split(loop.delimiter) if piece != ""]
    else:
        assert loop.start is not None and loop.end is not None and loop.update_by is not None
        # [start, end] inclusive (the validator made sure it ends); made one at a time, since a
        # `for` loop may count to millions.
        values = _ForValues(range(loop.start, loop.end + (1 if loop.update_by > 0 else -1), loop.update_by))
    return _Frames(loop.name, values)


class _ForValues(Sequence[str]):
    def __init__(self, numbers: range) -> None:
        self.numbers = numbers

    def __len__(self) -> int:
        return len(self.numbers)

    def __getitem__(self, index):
        return str(self.numbers[index])


class _Frames(Sequence[LoopFrame]):
    def __init__(self, name: str | None, values: Sequence[str]) -> None:
        self.name = name
        self.values = values

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[position] for position in range(*index.indices(len(self)))]
        position = index + len(self) if index < 0 else index
        return LoopFrame(self.name, position, self.values[index])


def consolidate_outputs(iterations: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """AWS: a looping step's output joins the successful iterations' values of each output key with
    newlines (`[{"stdout": "Hello"}]` + `[{"stdout": "World"}]` → `[{"stdout": "Hello\\nWorld"}]`)."""
    joined: dict[str, list[str]] = {}
    for outputs in iterations:
        for entry in outputs:
            for key, value in entry.items():
                joined.setdefault(key, []).append(value_text(value))
    return [{key: "\n".join(values) for key, values in joined.items()}] if joined else []


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline


def _entries(inputs: Any) -> list[Any]:
    if inputs is None:
        return []
    return inputs if isinstance(inputs, list) else [inputs]


def _first_failure(steps: list[StepReport]) -> str:
    for step in steps:
        if step.status in (FAILED, CANCELLED) and step.failure_message:
            return f"Step {step.name} failed: {step.failure_message}"
    return ""
