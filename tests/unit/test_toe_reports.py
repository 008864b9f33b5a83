"""The detailed JSON report (AWSTOE's detailedoutput.json) and the JUnit report."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from openimagebuilder.toe.report import detailed_output, junit_xml, summary

from .toe_helpers import run

MIXED = """
    name: Mixed
    description: one of each
    schemaVersion: 1.0
    phases:
      - name: build
        steps:
          - name: Passes
            action: ExecuteBash
            inputs:
              commands: ['printf "hello <&> \\033[1m\\n"']
          - name: Skipped
            action: ExecuteBash
            if:
              stringIsEmpty: "x"
            inputs:
              commands: ['echo never']
          - name: Ignored
            action: ExecuteBash
            onFailure: Ignore
            inputs:
              commands: ['echo ignored out', 'exit 4']
          - name: Fails
            action: ExecuteBash
            onFailure: Continue
            loop:
              forEach: [a, b]
            inputs:
              commands: ['echo "it {{ loop.value }}"', 'exit 2']
      - name: test
        steps:
          - name: Nested
            action: ExecuteDocument
            inputs:
              document: inner.yml
    """

INNER = """schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: InnerStep
        action: ExecuteBash
        inputs:
          commands: ['echo "Hello World!"']
"""


def test_detailed_output_has_awstoe_members_and_nesting(tmp_path: Path) -> None:
    (tmp_path / "inner.yml").write_text(INNER)
    report, _ = run(tmp_path, MIXED)
    output = json.loads(json.dumps(detailed_output(report)))
    assert set(output) == {"executionId", "status", "startTime", "endTime", "failureMessage", "documents"}
    assert output["status"] == "failed"
    (document,) = output["documents"]
    assert document["name"] == "Mixed" and document["description"] == "one of each"
    assert document["filePath"].endswith("document0.yml")
    build, test = document["phases"]
    steps = {step["name"]: step for step in build["steps"]}
    assert set(steps["Passes"]) == {"name", "status", "failureMessage", "timeoutSeconds", "onFailure", "maxAttempts",
                                    "action", "startTime", "endTime", "inputs", "outputs", "loop", "detailedOutput"}
    assert json.loads(steps["Passes"]["inputs"]) == [{"commands": ['printf "hello <&> \\033[1m\\n"']}]
    assert json.loads(steps["Passes"]["outputs"]) == [{"stdout": "hello <&> \x1b[1m"}]
    assert steps["Passes"]["timeoutSeconds"] == 7200 and steps["Passes"]["maxAttempts"] == 1
    assert steps["Skipped"]["status"] == "skipped"
    assert steps["Ignored"]["status"] == "ignoredFailure"
    assert steps["Fails"]["loop"] == {"name": "", "iterations": 2, "failedIterations": [0, 1]}
    assert build["status"] == "failed" and build["failureMessage"].startswith("Step Fails failed")
    assert output["startTime"].endswith("Z")
    nested = test["steps"][0]
    assert nested["timeoutSeconds"] == -1
    assert json.loads(nested["outputs"])[0]["status"] == "success"
    inner = nested["detailedOutput"][0]["documents"][0]["phases"][0]["steps"][0]
    assert json.loads(inner["outputs"]) == [{"stdout": "Hello World!"}]
    assert summary(report)["ignoredFailedStepCount"] == 1
    assert summary(report)["failedStepCount"] == 1


def test_junit_has_a_suite_per_phase_and_a_case_per_step(tmp_path: Path) -> None:
    (tmp_path / "inner.yml").write_text(INNER)
    report, _ = run(tmp_path, MIXED)
    root = ElementTree.fromstring(junit_xml(report).encode())
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("5", "1", "2")
    suites = root.findall("testsuite")
    assert [suite.get("name").rsplit("/", 1)[1] for suite in suites] == ["build", "test"]
    cases = {case.get("name"): case for case in suites[0].findall("testcase")}
    assert list(cases) == ["Passes", "Skipped", "Ignored", "Fails"]
    assert cases["Passes"].find("failure") is None
    assert "hello <&>" in cases["Passes"].find("system-out").text
    failure = cases["Fails"].find("failure")
    assert failure.get("message") == "Loop iterations failed at indices: 0, 1."
    assert failure.text == "it a\nit b"
    assert cases["Skipped"].find("skipped").get("message") == "skipped by its condition"
    assert "exit code 4" in cases["Ignored"].find("skipped").get("message")
    assert float(cases["Passes"].get("time")) >= 0


def test_junit_of_a_run_refused_before_any_step_is_a_failure(tmp_path: Path) -> None:
    report, _ = run(tmp_path, "schemaVersion: 1.0\nphases: []\n")
    root = ElementTree.fromstring(junit_xml(report).encode())
    assert (root.get("tests"), root.get("failures")) == ("1", "1")
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message") == "Document document0.yml is not valid: The document must contain at least one phase."
