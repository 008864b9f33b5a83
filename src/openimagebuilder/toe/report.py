"""A run's report in two forms: AWSTOE's `detailedoutput.json` (same members, same nesting: run →
documents → phases → steps, step inputs and outputs as JSON strings, ExecuteDocument's nested runs
under `detailedOutput`) and JUnit XML (a testsuite per document phase, a testcase per step)."""
from __future__ import annotations

import datetime
import json
import re
import xml.etree.ElementTree as ElementTree
from typing import Any

from .results import (
    CANCELLED,
    FAILED,
    IGNORED_FAILURE,
    SKIPPED,
    DocumentReport,
    PhaseReport,
    RunReport,
    StepReport,
)


def timestamp(moment: datetime.datetime | None) -> str:
    """RFC 3339 to the second, as AWSTOE's Go code writes times ("Z" for UTC)."""
    if moment is None:
        return ""
    text = moment.isoformat(timespec="seconds")
    return text.replace("+00:00", "Z")


def detailed_output(report: RunReport) -> dict[str, Any]:
    return {
        "executionId": report.execution_id,
        "status": report.status,
        "startTime": timestamp(report.start),
        "endTime": timestamp(report.end),
        "failureMessage": report.failure_message,
        "documents": [_document(document) for document in report.documents],
    }


def summary(report: RunReport) -> dict[str, Any]:
    """The one-object summary AWSTOE prints at the end of a run (and ExecuteDocument's `outputs`)."""
    return {"executedStepCount": report.executed_step_count, "executionId": report.execution_id,
            "failedStepCount": report.failed_step_count, "failureMessage": report.failure_message,
            "ignoredFailedStepCount": report.ignored_failed_step_count, "logUrl": "",
            "status": report.status}


def _document(document: DocumentReport) -> dict[str, Any]:
    return {
        "name": document.name,
        "filePath": document.path,
        "status": document.status,
        "description": document.description,
        "startTime": timestamp(document.start),
        "endTime": timestamp(document.end),
        "failureMessage": document.failure_message,
        "phases": [_phase(phase) for phase in document.phases],
    }


def _phase(phase: PhaseReport) -> dict[str, Any]:
    return {
        "name": phase.name,
        "status": phase.status,
        "startTime": timestamp(phase.start),
        "endTime": timestamp(phase.end),
        "failureMessage": phase.failure_message,
        "steps": [_step(step) for step in phase.steps],
    }


def _step(step: StepReport) -> dict[str, Any]:
    loop = None
    if step.loop is not None:
        loop = {"name": step.loop.name or "", "iterations": step.loop.iterations,
                "failedIterations": list(step.loop.failed_indices)}
    return {
        "name": step.name,
        "status": step.status,
        "failureMessage": step.failure_message,
        "timeoutSeconds": step.timeout_seconds,
        "onFailure": step.on_failure,
        "maxAttempts": step.max_attempts,
        "action": step.action,
        "startTime": timestamp(step.start),
        "endTime": timestamp(step.end),
        # AWSTOE writes a step's inputs and outputs as JSON text, each a list of entries.
        "inputs": _json_text(step.inputs),
        "outputs": _json_text(step.outputs) if step.outputs else "",
        "loop": loop,
        "detailedOutput": [detailed_output(nested) for nested in step.nested] or None,
    }


def _json_text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def write_json(report: RunReport, path: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(detailed_output(report), handle, indent=4, ensure_ascii=False)
        handle.write("\n")


# --- JUnit -------------------------------------------------------------------------------------

# Characters XML 1.0 cannot carry at all (a step may print any byte, e.g. terminal escapes).
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _seconds(step: StepReport | PhaseReport) -> str:
    if step.start is None or step.end is None:
        return "0.000"
    return f"{(step.end - step.start).total_seconds():.3f}"


def junit_xml(report: RunReport) -> str:
    """One testsuite per (document, phase), one testcase per step. Failed and cancelled steps are
    failures with their message and output; `if`-skipped steps and ignored failures (onFailure:
    Ignore) are skipped test cases, the latter with the failure in the message."""
    suites = ElementTree.Element("testsuites", name=f"oib toe run {report.execution_id}")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for document in report.documents:
        for phase in document.phases:
            suite = ElementTree.SubElement(suites, "testsuite", name=f"{document.path}/{phase.name}",
                                           timestamp=timestamp(phase.start), time=_seconds(phase))
            counts = {"tests": 0, "failures": 0, "skipped": 0}
            for step in phase.steps:
                counts["tests"] += 1
                case = ElementTree.SubElement(suite, "testcase", name=step.name,
                                              classname=f"{document.path}.{phase.name}", time=_seconds(step))
                if step.status in (FAILED, CANCELLED):
                    counts["failures"] += 1
                    failure = ElementTree.SubElement(case, "failure", message=_xml_text(step.failure_message),
                                                     type=step.status)
                    failure.text = _xml_text("\n".join(step.output))
                elif step.status in (SKIPPED, IGNORED_FAILURE):
                    counts["skipped"] += 1
                    message = "skipped by its condition" if step.status == SKIPPED else \
                        f"ignored failure: {step.failure_message}"
                    ElementTree.SubElement(case, "skipped", message=_xml_text(message))
                if step.output and step.status not in (FAILED, CANCELLED):
                    ElementTree.SubElement(case, "system-out").text = _xml_text("\n".join(step.output))
            for key, value in counts.items():
                suite.set(key, str(value))
                totals[key] += value
            suite.set("errors", "0")
    if not report.documents and report.failure_message:
        # The run stopped before any step (an invalid document, a Windows-only action): CI must
        # see a failure, not an empty, passing report.
        suite = ElementTree.SubElement(suites, "testsuite", name="oib toe run", tests="1", failures="1",
                                       skipped="0", errors="0", timestamp=timestamp(report.start), time="0.000")
        case = ElementTree.SubElement(suite, "testcase", name="documents", classname="oib toe run", time="0.000")
        ElementTree.SubElement(case, "failure", message=_xml_text(report.failure_message), type=report.status)
        totals["tests"] += 1
        totals["failures"] += 1
    for key, value in totals.items():
        suites.set(key, str(value))
    suites.set("errors", "0")
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(report: RunReport, path: str) -> None:
    text = junit_xml(report)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
