"""`oib toe validate` and `oib toe run` as users run them: the installed command, in a subprocess."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from .test_component_document import HELLO_WORLD

OIB = str(Path(sys.executable).with_name("oib"))

PARAMETERISED = """name: Greeter
schemaVersion: 1.0
parameters:
  - Greeting:
      type: string
      default: Hello
phases:
  - name: build
    steps:
      - name: Greet
        action: ExecuteBash
        inputs:
          commands: ['echo "{{ Greeting }} from build" > greeting.txt', 'cat greeting.txt']
  - name: test
    steps:
      - name: Check
        action: ExecuteBash
        inputs:
          commands: ['grep -q "from build" greeting.txt']
"""

FAILING = """schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Broken
        action: ExecuteBash
        inputs:
          commands: ['echo broken >&2', 'exit 5']
"""


def oib(*arguments: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OIB, "toe", *arguments], cwd=cwd, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def documents(tmp_path: Path) -> Path:
    (tmp_path / "hello.yml").write_text(HELLO_WORLD)
    (tmp_path / "greeter.yml").write_text(PARAMETERISED)
    (tmp_path / "failing.yml").write_text(FAILING)
    (tmp_path / "invalid.yml").write_text("schemaVersion: 1.0\nphases:\n  - name: deploy\n    steps: []\n")
    (tmp_path / "config.json").write_text(json.dumps({
        "documents": [{"path": "greeter.yml", "parameters": [{"name": "Greeting", "value": "Ahoy"}]},
                      {"path": "hello.yml"}],
        "phases": "build,test",
        "parameters": [{"name": "Greeting", "value": "ignored: the document's own wins"}],
        "cwLogGroup": "not used here"}))
    (tmp_path / "broken.json").write_text("{")
    (tmp_path / "nodocs.json").write_text('{"phases": "build"}')
    (tmp_path / "work").mkdir()
    return tmp_path


def test_validate_accepts_and_refuses_as_create_component_does(documents: Path) -> None:
    ok = oib("validate", "--documents", "hello.yml,greeter.yml", cwd=documents)
    assert ok.returncode == 0 and ok.stdout.splitlines() == ["hello.yml: valid", "greeter.yml: valid"]
    (documents / "unknown.yml").write_text(FAILING.replace("ExecuteBash", "RunThing"))
    unknown = oib("validate", "--documents", "unknown.yml", cwd=documents)
    assert unknown.stdout == ("unknown.yml: invalid: Parsing step 'Broken' in phase 'build' failed."
                              " Error: Unsupported action RunThing for os platform linux.\n")
    bad = oib("validate", "--documents", "hello.yml,invalid.yml", cwd=documents)
    assert bad.returncode == 1
    assert bad.stdout.splitlines()[1] == (
        "invalid.yml: invalid: Invalid phase name 'deploy'. Supported phases include: build, validate, test,"
        " container-host-test.")


def test_run_streams_output_writes_reports_and_exits_zero(documents: Path) -> None:
    done = oib("run", "--documents", "greeter.yml,hello.yml", "--parameters", "Greeting=Howdy",
               "--working-directory", "work", "--report", "out.json", "--junit", "out.xml", cwd=documents)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.endswith("build.Greet: Howdy from build") for line in lines)
    assert lines[-1].startswith("{") and json.loads(lines[-1])["status"] == "success"
    assert json.loads(lines[-1])["executedStepCount"] == 5
    assert (documents / "work" / "greeting.txt").read_text() == "Howdy from build\n"
    report = json.loads((documents / "out.json").read_text())
    assert [document["name"] for document in report["documents"]] == ["Greeter", "HelloWorldTestingLinuxDoc"]
    suites = ElementTree.parse(documents / "out.xml").getroot().findall("testsuite")
    assert len(suites) == 5


def test_run_only_the_phases_asked_for(documents: Path) -> None:
    done = oib("run", "--documents", "hello.yml", "--phases", "test,validate", "--report", "out.json", cwd=documents)
    assert done.returncode == 0
    phases = json.loads((documents / "out.json").read_text())["documents"][0]["phases"]
    assert [phase["name"] for phase in phases] == ["validate", "test"]


def test_a_failed_run_exits_one_and_still_writes_its_reports(documents: Path) -> None:
    done = oib("run", "--documents", "failing.yml", "--junit", "out.xml", cwd=documents)
    assert done.returncode == 1
    assert "build.Broken [stderr]: broken" in done.stdout
    summary = json.loads(done.stdout.splitlines()[-1])
    assert summary["status"] == "failed" and summary["failedStepCount"] == 1
    failure = ElementTree.parse(documents / "out.xml").getroot().find("testsuite/testcase/failure")
    assert failure is not None and failure.get("message") == "Command execution failed with exit code 5."


def test_an_invalid_document_fails_the_run_with_one_line(documents: Path) -> None:
    done = oib("run", "--documents", "invalid.yml", cwd=documents)
    assert done.returncode == 1
    assert json.loads(done.stdout.splitlines()[-1])["failureMessage"].startswith("Document invalid.yml is not valid")


def test_dry_run_runs_no_command(documents: Path) -> None:
    done = oib("run", "--documents", "greeter.yml", "--dry-run", "--working-directory", "work", cwd=documents)
    assert done.returncode == 0, done.stdout
    assert not (documents / "work" / "greeting.txt").exists()
    assert "[dry run] ExecuteBash" in done.stdout


@pytest.mark.parametrize(("arguments", "message"), [
    ((), "oib toe: error: the following arguments are required: command"),
    (("launch",), "oib toe: error: argument command: invalid choice: 'launch'"),
    (("run",), "oib toe run: error: one of --documents or --config is required"),
    (("run", "--config", "config.json", "--documents", "hello.yml"),
     "oib toe run: error: --documents and --parameters cannot be used with --config"),
    (("run", "--config", "broken.json"), "oib toe run: error: broken.json: not valid JSON"),
    (("run", "--config", "nodocs.json"),
     "oib toe run: error: nodocs.json: 'documents' must be a non-empty array (it is required)"),
    (("run", "--documents", "hello.yml", "--bogus"), "oib toe: error: unrecognized arguments: --bogus"),
    (("run", "--documents", "missing.yml"), "oib toe run: error: cannot read missing.yml: No such file or directory"),
    (("run", "--documents", ","), "oib toe run: error: --documents names no file"),
    (("run", "--documents", "hello.yml", "--parameters", "Greeting="),
     "oib toe run: error: invalid parameter 'Greeting=': expected name=value with both parts present"),
    (("run", "--documents", "hello.yml", "--working-directory", "nowhere"),
     "oib toe run: error: --working-directory nowhere is not a directory"),
    (("run", "--documents", "hello.yml", "--report", "no/such/dir/out.json"),
     "oib toe run: error: cannot write no/such/dir/out.json: its folder does not exist"),
    (("run", "--documents", "hello.yml", "--phases", ","), "oib toe run: error: --phases names no phase"),
])
def test_command_line_mistakes_are_one_line_and_exit_two(documents: Path, arguments: tuple[str, ...],
                                                         message: str) -> None:
    done = oib(*arguments, cwd=documents)
    assert done.returncode == 2
    assert done.stderr.startswith(message) and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_sigterm_cancels_the_running_step(documents: Path) -> None:
    (documents / "slow.yml").write_text(FAILING.replace("['echo broken >&2', 'exit 5']", "['sleep 30']"))
    process = subprocess.Popen([OIB, "toe", "run", "--documents", "slow.yml", "--report", "out.json"],
                               cwd=documents, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    seen = []
    while not any("Step Broken (ExecuteBash) started" in line for line in seen):   # the step is running
        seen.append(process.stdout.readline())
        assert seen[-1], "oib toe run ended before its step started"
    time.sleep(0.3)
    started = time.monotonic()
    os.kill(process.pid, signal.SIGTERM)
    rest, _ = process.communicate(timeout=20)
    output = "".join(seen) + rest
    assert time.monotonic() - started < 10
    assert process.returncode == 130
    assert json.loads(output.splitlines()[-1])["status"] == "cancelled"
    assert json.loads((documents / "out.json").read_text())["status"] == "cancelled"


def test_help_lists_the_commands(documents: Path) -> None:
    done = oib("--help", cwd=documents)
    assert done.returncode == 0 and "validate" in done.stdout and "run" in done.stdout
    top = subprocess.run([OIB, "--help"], capture_output=True, text=True, timeout=60)
    assert "toe" in top.stdout


def test_run_with_awstoe_input_configuration_file(documents: Path) -> None:
    done = oib("run", "--config", "config.json", "--working-directory", "work", "--report", "out.json", cwd=documents)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (documents / "work" / "greeting.txt").read_text() == "Ahoy from build\n"
    report = json.loads((documents / "out.json").read_text())
    assert [[phase["name"] for phase in document["phases"]] for document in report["documents"]] == [
        ["build", "test"], ["build", "test"]]
    # A phase given on the command line overrides the file's.
    done = oib("run", "--config", "config.json", "--phases", "validate", "--report", "out.json", cwd=documents)
    report = json.loads((documents / "out.json").read_text())
    assert [[phase["name"] for phase in document["phases"]] for document in report["documents"]] == [[], ["validate"]]
