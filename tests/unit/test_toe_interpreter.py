"""The interpreter on this machine: AWS's documented examples, every step option, loops, conditions,
chaining, nested documents, reboots, cancellation and dry runs, with real shell commands."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openimagebuilder.toe.results import CANCELLED, FAILED, IGNORED_FAILURE, SKIPPED, SUCCESS

from .test_component_document import HELLO_WORLD
from .toe_helpers import RebootableLocalExecutor, run, statuses, stdout

# --- AWS's examples ------------------------------------------------------------------------------



def test_hello_world_runs_every_phase_in_document_order(tmp_path: Path) -> None:
    report, events = run(tmp_path, HELLO_WORLD)
    assert report.status == SUCCESS
    document = report.documents[0]
    assert [phase.name for phase in document.phases] == ["build", "validate", "test"]
    assert [phase.steps[0].outputs for phase in document.phases] == [
        [{"stdout": f"Hello World from the {name} phase."}] for name in ("build", "validate", "test")]
    printed = [event for event in events if event.stream == "stdout"]
    assert [event.phase for event in printed] == ["build", "validate", "test"]
    assert all(event.time.tzinfo is not None for event in events)


def test_requested_phases_run_in_document_order_whatever_order_is_asked(tmp_path: Path) -> None:
    report, _ = run(tmp_path, HELLO_WORLD, phases=["test", "build"])
    assert [phase.name for phase in report.documents[0].phases] == ["build", "test"]


def test_a_phase_that_matches_nothing_runs_nothing_and_succeeds(tmp_path: Path) -> None:
    report, _ = run(tmp_path, HELLO_WORLD, phases=["container-host-test"])
    assert report.status == SUCCESS and report.steps() == []


PING_HOSTS = """
    name: PingHosts
    schemaVersion: 1.0
    parameters:
      - Hosts:
          type: string
          default: 127.0.0.1,amazon.com
          description: A comma separated list of hosts to ping.
    phases:
      - name: build
        steps:
          - name: Ping
            action: ExecuteBash
            loop:
              forEach:
                list: '{{ Hosts }}'
                delimiter: ','
            inputs:
              commands:
                - echo ping -c 4 {{ loop.value }}
    """


def test_parameter_in_loop_inputs_with_default_and_override(tmp_path: Path) -> None:
    report, _ = run(tmp_path, PING_HOSTS)
    assert stdout(report, "Ping") == "ping -c 4 127.0.0.1\nping -c 4 amazon.com"
    report, _ = run(tmp_path, PING_HOSTS, parameters={"Hosts": "a,b,c", "Unknown": "ignored"})
    assert stdout(report, "Ping") == "ping -c 4 a\nping -c 4 b\nping -c 4 c"
    assert report.steps()[0].loop is not None and report.steps()[0].loop.iterations == 3


def test_constants_cannot_be_overridden(tmp_path: Path) -> None:
    report, _ = run(tmp_path, """
        schemaVersion: 1.0
        constants:
          - Source:
              type: string
              value: from-the-document
        phases:
          - name: build
            steps:
              - name: Show
                action: ExecuteBash
                inputs:
                  commands: ['echo "{{Source}}"']
        """, parameters={"Source": "from-the-caller"})
    assert stdout(report, "Show") == "from-the-document"


def test_reboot_exit_code_194_reboots_and_runs_the_same_step_again(tmp_path: Path) -> None:
    executor = RebootableLocalExecutor(tmp_path)
    report, _ = run(tmp_path, """
        name: ExitCode194Example
        schemaVersion: 1.0
        phases:
          - name: build
            steps:
              - name: RestartTrigger
                action: ExecuteBash
                inputs:
                  commands:
                    - |
                      REBOOT_INDICATOR=./reboot-indicator
                      if [ -f "${REBOOT_INDICATOR}" ]; then
                        echo 'The reboot file exists. Deleting it and exiting with success.'
                        rm "${REBOOT_INDICATOR}"
                        exit 0
                      fi
                      echo 'The reboot file does not exist. Creating it and triggering a restart.'
                      touch "${REBOOT_INDICATOR}"
                      exit 194
              - name: After
                action: ExecuteBash
                inputs:
                  commands: ['echo after']
        """, executor=executor)
    assert executor.reboots == 1
    assert statuses(report) == {"RestartTrigger": SUCCESS, "After": SUCCESS}
    assert stdout(report, "RestartTrigger") == "The reboot file exists. Deleting it and exiting with success."
    assert not (tmp_path / "reboot-indicator").exists()


def test_reboot_module_reboots_once_and_goes_on(tmp_path: Path) -> None:
    executor = RebootableLocalExecutor(tmp_path)
    report, _ = run(tmp_path, """
        schemaVersion: 1.0
        phases:
          - name: build
            steps:
              - name: RebootStep
                action: Reboot
                onFailure: Abort
                maxAttempts: 2
                inputs:
                  delaySeconds: 0
              - name: Next
                action: ExecuteBash
                inputs:
                  commands: ['echo next']
        """, executor=executor)
    assert executor.reboots == 1 and statuses(report) == {"RebootStep": SUCCESS, "Next": SUCCESS}


def test_a_step_that_always_asks_for_a_reboot_is_stopped(tmp_path: Path) -> None:
    executor = RebootableLocalExecutor(tmp_path)
    report, _ = run(tmp_path, _bash_step("Forever", "exit 194"), executor=executor)
    assert report.status == FAILED and "reboots" in report.steps()[0].failure_message
    assert executor.reboots == 10


def test_reboot_on_a_target_that_cannot_reboot_fails_the_step(tmp_path: Path) -> None:
    report, _ = run(tmp_path, _bash_step("Reboots", "exit 194"))
    assert report.status == FAILED and "cannot reboot" in report.steps()[0].failure_message


# --- onFailure, maxAttempts, timeoutSeconds ---------------------------------------------------------


def _bash_step(name: str, *commands: str, options: str = "") -> str:
    lines = "\n".join(f"                  - {command!r}" for command in commands)
    return f"""
        schemaVersion: 1.0
        phases:
          - name: build
            steps:
              - name: {name}
                action: ExecuteBash
{options}
                inputs:
                  commands:
{lines}
              - name: Last
                action: ExecuteBash
                inputs:
                  commands: ['echo last']
          - name: validate
            steps:
              - name: Validate
                action: ExecuteBash
                inputs:
                  commands: ['echo validated']
        """


def _options(**values: object) -> str:
    return "\n".join(f"                {key}: {value}" for key, value in values.items())


def test_abort_is_the_default_and_stops_the_document(tmp_path: Path) -> None:
    report, _ = run(tmp_path, _bash_step("Fails", "echo about to fail", "exit 3"), HELLO_WORLD)
    assert statuses(report) == {"Fails": FAILED}
    step = report.steps()[0]
    assert step.exit_code == 3 and step.on_failure == "Abort"
    assert step.failure_message == "Command execution failed with exit code 3."
    assert report.status == FAILED and report.documents[0].phases[0].status == FAILED
    assert len(report.documents) == 1, "an aborted document stops the run"
    assert report.failed_step_count == 1


def test_continue_fails_the_step_phase_and_document_but_runs_the_rest(tmp_path: Path) -> None:
    report, _ = run(tmp_path, _bash_step("Fails", "exit 1", options=_options(onFailure="Continue")), HELLO_WORLD)
    assert statuses(report)["Fails"] == FAILED and statuses(report)["Last"] == SUCCESS
    assert [phase.status for phase in report.documents[0].phases] == [FAILED, SUCCESS]
    assert report.documents[0].status == FAILED and report.status == FAILED
    assert len(report.documents) == 2 and report.documents[1].status == SUCCESS


def test_ignore_marks_the_step_ignored_and_the_rest_succeeds_with_ignored_failure(tmp_path: Path) -> None:
    report, _ = run(tmp_path, _bash_step("Fails", "exit 1", options=_options(onFailure="Ignore")))
    assert statuses(report)["Fails"] == IGNORED_FAILURE
    assert report.documents[0].phases[0].status == "successWithIgnoredFailure"
    assert report.status == "successWithIgnoredFailure" and report.succeeded
    assert report.ignored_failed_step_count == 1


def test_max_attempts_retries_until_success(tmp_path: Path) -> None:
    report, _ = run(tmp_path, _bash_step(
        "Flaky", "echo x >> attempts", "[ $(wc -l < attempts) -ge 3 ]", options=_options(maxAttempts=5)))
    step = report.steps()[0]
    assert step.status == SUCCESS and step.attempts == 3
    assert (tmp_path / "attempts").read_text().count("x") == 3


def test_max_attempts_exhausted_fails(tmp_path: Path) -> None:
    report, events = run(tmp_path, _bash_step("Never", "echo x >> attempts", "false", options=_options(maxAttempts=2)))
    assert report.steps()[0].attempts == 2 and report.status == FAILED
    assert "Attempt 1 of 2 failed: Command execution failed with exit code 1." in [event.text for event in events]
    assert (tmp_path / "attempts").read_text().count("x") == 2


def test_timeout_stops_the_step(tmp_path: Path) -> None:
    started = time.monotonic()
    report, _ = run(tmp_path, _bash_step("Slow", "sleep 30", options=_options(timeoutSeconds=1)))
    assert time.monotonic() - started < 10
    assert report.steps()[0].status == FAILED
    assert report.steps()[0].failure_message == "Step timed out after 1 seconds."
    assert report.steps()[0].timeout_seconds == 1


def test_default_timeout_is_7200_and_minus_one_means_none(tmp_path: Path) -> None:
    report, _ = run(tmp_path, _bash_step("Quick", "true"))
    assert report.steps()[0].timeout_seconds == 7200
    report, _ = run(tmp_path, _bash_step("Quick", "true", options=_options(timeoutSeconds=-1)))
    assert report.steps()[0].timeout_seconds == -1 and report.status == SUCCESS


# --- loops -----------------------------------------------------------------------------------------


def _loop_document(loop: str, command: str, on_failure: str = "Abort") -> str:
    return f"""
        schemaVersion: 1.0
        phases:
          - name: build
            steps:
              - name: Looping
                action: ExecuteBash
                onFailure: {on_failure}
                loop:
{loop}
                inputs:
                  commands:
                    - {command!r}
        """


def test_for_loop_includes_both_bounds_and_counts_down(tmp_path: Path) -> None:
    up = "                  for: {start: 1, end: 7, updateBy: 3}"
    report, _ = run(tmp_path, _loop_document(up, 'echo "{{ loop.index }}:{{ loop.value }}"'))
    assert stdout(report, "Looping") == "0:1\n1:4\n2:7"
    down = "                  for: {start: 3, end: 1, updateBy: -1}"
    report, _ = run(tmp_path, _loop_document(down, 'echo "{{ loop.value }}"'))
    assert stdout(report, "Looping") == "3\n2\n1"


def test_named_loop_references(tmp_path: Path) -> None:
    loop = "                  name: BatchExecLoop\n                  forEach: [/tmp/script1.sh, /tmp/script2.sh]"
    report, _ = run(tmp_path, _loop_document(loop, 'echo "Count {{ BatchExecLoop.index }} {{ loop.value }}"'))
    assert stdout(report, "Looping") == "Count 0 /tmp/script1.sh\nCount 1 /tmp/script2.sh"


def test_loop_with_abort_stops_at_the_first_failed_iteration(tmp_path: Path) -> None:
    loop = "                  forEach: [a, b, c]"
    report, _ = run(tmp_path, _loop_document(loop, 'echo {{ loop.value }} >> seen; [ {{ loop.value }} != b ]'))
    assert (tmp_path / "seen").read_text().split() == ["a", "b"]
    step = report.steps()[0]
    assert step.status == FAILED and step.failure_message == "Loop iterations failed at indices: 1."


def test_loop_with_continue_runs_every_iteration_and_keeps_successful_outputs(tmp_path: Path) -> None:
    loop = "                  forEach: [a, b, c]"
    report, _ = run(tmp_path, _loop_document(loop, 'echo {{ loop.value }}; [ {{ loop.value }} != b ]', "Continue"))
    step = report.steps()[0]
    assert step.status == FAILED and step.loop is not None and step.loop.failed_indices == (1,)
    assert "iterations failed at indices: 1" in step.failure_message
    # AWS consolidates the successful iterations' outputs, and only theirs.
    assert step.outputs == [{"stdout": "a\nc"}]


def test_loop_reference_outside_a_loop_is_left_as_written(tmp_path: Path) -> None:
    report, _ = run(tmp_path, _bash_step("Plain", 'echo "{{ loop.value }}"'))
    assert stdout(report, "Plain") == "{{ loop.value }}"


def test_loop_timeout_covers_all_iterations(tmp_path: Path) -> None:
    document = _loop_document("                  forEach: [a, b, c, d]", "sleep 0.6").replace(
        "onFailure: Abort", "onFailure: Abort\n                timeoutSeconds: 1")
    report, _ = run(tmp_path, document)
    assert report.steps()[0].failure_message == "Loop execution timed out after 1 seconds."


# --- chaining and conditions ---------------------------------------------------------------------

CHAINING = """
    schemaVersion: 1.0
    phases:
      - name: build
        steps:
          - name: MakeList
            action: ExecuteBash
            inputs:
              commands: ['printf "one\\ntwo\\n"']
          - name: UseList
            action: ExecuteBash
            loop:
              forEach:
                list: "{{ build.MakeList.outputs.stdout }}"
                delimiter: "\\n"
            inputs:
              commands: ['echo "item {{ loop.value }}"']
          - name: Tool
            action: ExecuteBinary
            inputs:
              path: /bin/echo
              arguments: [tool]
          - name: UseInputs
            action: ExecuteBash
            inputs:
              commands: ['echo "{{ build.Tool.inputs[0].path }} {{build.Tool.inputs.arguments}}" "{{ build.Missing.outputs.stdout }}"']
      - name: validate
        steps:
          - name: AcrossPhases
            action: ExecuteBash
            inputs:
              commands: ['echo "{{ build.UseList.outputs.stdout }}"']
    """


def test_chaining_outputs_inputs_and_across_phases(tmp_path: Path) -> None:
    report, _ = run(tmp_path, CHAINING)
    assert stdout(report, "UseList") == "item one\nitem two"
    assert stdout(report, "UseInputs") == '/bin/echo [tool] {{ build.Missing.outputs.stdout }}'
    assert stdout(report, "AcrossPhases") == "item one\nitem two"


def test_dry_run_interprets_everything_and_runs_nothing(tmp_path: Path) -> None:
    report, events = run(tmp_path, CHAINING + """
          - name: WouldWrite
            action: ExecuteBash
            if:
              not:
                fileExists: ./marker
            inputs:
              commands: ['touch marker']
    """, dry_run=True)
    assert report.status == SUCCESS
    assert statuses(report)["WouldWrite"] == SUCCESS
    assert not (tmp_path / "marker").exists()
    assert [event.text for event in events if event.stream == "stdout"] == []
    notes = [event.text for event in events if event.step == "WouldWrite"]
    # The inputs follow the dry-run line as the YAML they were written in.
    assert notes[notes.index("[dry run] ExecuteBash") + 1:][:2] == ["  commands:", "  - touch marker"]
    # Chained outputs are empty in a dry run, so the delimited loop has no iteration.
    assert report.steps()[1].loop is not None and report.steps()[1].loop.iterations == 0


CONDITIONS = """
    schemaVersion: 1.0
    parameters:
      - Mode:
          type: string
          default: fast
    phases:
      - name: build
        steps:
          - name: CreateMyConfigFile-1
            action: ExecuteBash
            if:
              not:
                fileExists: './my_config'
            inputs:
              commands:
                - echo "Hello world" > './my_config'
          - name: CreateMyConfigFile-2
            action: ExecuteBash
            if:
              fileExists: './my_config'
              then: Skip
              else: Execute
            inputs:
              commands:
                - echo "second" > './my_config'
          - name: OnlyWhenFast
            action: ExecuteBash
            if:
              and:
                - stringEquals: '{{ Mode }}'
                  value: fast
                - binaryExists: sh
                - not:
                    binaryExists: 'surely-not-a-binary-oib'
            inputs:
              commands: ['echo fast']
          - name: AbortHere
            action: ExecuteBash
            onFailure: Continue
            if:
              numberGreaterThan: '{{ build.OnlyWhenFast.outputs.stdout }}'
              value: 1
              then: Execute
              else: Abort
            inputs:
              commands: ['echo never']
    """


def test_if_construct_examples(tmp_path: Path) -> None:
    report, _ = run(tmp_path, CONDITIONS)
    assert statuses(report) == {"CreateMyConfigFile-1": SUCCESS, "CreateMyConfigFile-2": SKIPPED,
                                "OnlyWhenFast": SUCCESS, "AbortHere": FAILED}
    assert (tmp_path / "my_config").read_text() == "Hello world\n"
    assert report.executed_step_count == 3
    report, _ = run(tmp_path, CONDITIONS, parameters={"Mode": "slow"})
    assert statuses(report)["OnlyWhenFast"] == SKIPPED


def test_malformed_if_makes_the_document_invalid(tmp_path: Path) -> None:
    report, _ = run(tmp_path, _bash_step("Odd", "true", options="                if: {stringEquals: x}"))
    assert report.steps() == []
    assert report.failure_message == ("Document document0.yml is not valid: Parsing step 'Odd' in phase 'build'"
                                      " failed. Error: Invalid 'if': Operator 'stringEquals' requires 'value'.")


def test_a_bad_pattern_fails_its_step_when_evaluated(tmp_path: Path) -> None:
    report, _ = run(tmp_path, _bash_step(
        "Odd", "true", options="                if: {patternMatches: '(', value: x}"))
    assert report.steps()[0].failure_message.startswith("Invalid 'if': Invalid pattern for 'patternMatches'")


def test_assert_module(tmp_path: Path) -> None:
    report, _ = run(tmp_path, """
        schemaVersion: 1.0
        phases:
          - name: test
            steps:
              - name: Holds
                action: Assert
                inputs:
                  stringEquals: abc
                  value: abc
              - name: DoesNotHold
                action: Assert
                onFailure: Continue
                inputs:
                  numberLessThan: 5
                  value: 2
        """)
    assert statuses(report) == {"Holds": SUCCESS, "DoesNotHold": FAILED}
    assert report.steps()[1].failure_message.startswith("Assertion failed")


# --- nested documents --------------------------------------------------------------------------


def test_execute_document_runs_a_nested_document_with_parameters_and_phases(tmp_path: Path) -> None:
    (tmp_path / "Sample-1.yaml").write_text("""
schemaVersion: 1.0
parameters:
  - parameter-1:
      type: string
phases:
  - name: build
    steps:
      - name: Inner
        action: ExecuteBash
        inputs:
          commands: ['echo "inner {{ parameter-1 }}"']
  - name: test
    steps:
      - name: NotRun
        action: ExecuteBash
        inputs:
          commands: ['exit 1']
""")
    report, events = run(tmp_path, """
        schemaVersion: 1.0
        phases:
          - name: build
            steps:
              - name: ExecuteNestedDocument
                action: ExecuteDocument
                inputs:
                  document: Sample-1.yaml
                  phases: build
                  parameters:
                    - name: parameter-1
                      value: value-1
        """)
    assert report.status == SUCCESS, report.failure_message
    step = report.steps()[0]
    assert step.timeout_seconds == -1
    assert step.outputs[0]["status"] == SUCCESS and step.outputs[0]["executedStepCount"] == 1
    (nested,) = step.nested
    assert nested.steps()[0].outputs == [{"stdout": "inner value-1"}]
    assert any(event.text == "inner value-1" for event in events)


def test_execute_document_refuses_cycles_and_missing_documents(tmp_path: Path) -> None:
    (tmp_path / "self.yml").write_text("""
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Again
        action: ExecuteDocument
        inputs:
          document: document0.yml
""")
    report, _ = run(tmp_path, """
        schemaVersion: 1.0
        phases:
          - name: build
            steps:
              - name: Nested
                action: ExecuteDocument
                onFailure: Continue
                inputs:
                  document: self.yml
              - name: Missing
                action: ExecuteDocument
                onFailure: Continue
                inputs:
                  document: nowhere.yml
        """)
    nested = report.steps()[0].nested[0]
    assert "Cyclic document execution" in nested.steps()[0].failure_message
    assert report.steps()[1].failure_message.startswith("Cannot load document 'nowhere.yml'")


def test_execute_document_nesting_is_limited_to_three_levels(tmp_path: Path) -> None:
    for level in range(1, 5):
        (tmp_path / f"level{level}.yml").write_text(f"""
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Down
        action: ExecuteDocument
        inputs:
          document: level{level + 1}.yml
""")
    (tmp_path / "level5.yml").write_text(HELLO_WORLD)
    report, _ = run(tmp_path, "schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n"
                              "      - name: Top\n        action: ExecuteDocument\n"
                              "        inputs:\n          document: level1.yml\n")
    assert report.status == FAILED
    assert "nesting is limited to 3 levels" in report.failure_message or _deepest_message(report)


def _deepest_message(report) -> bool:  # type: ignore[no-untyped-def]
    step = report.steps()[0]
    while step.nested:
        step = step.nested[0].steps()[0]
    return "nesting is limited to 3 levels" in step.failure_message


# --- cancellation, invalid documents, unknown actions --------------------------------------------


def test_cancel_stops_the_running_step_and_the_run(tmp_path: Path) -> None:
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    started = time.monotonic()
    report, _ = run(tmp_path, _bash_step("Long", "sleep 30"), cancel=cancel)
    assert time.monotonic() - started < 10
    assert report.status == CANCELLED and report.cancelled
    assert statuses(report) == {"Long": CANCELLED}


def test_an_invalid_document_fails_the_run_before_any_step(tmp_path: Path) -> None:
    report, _ = run(tmp_path, HELLO_WORLD, "schemaVersion: 2\nphases: []\n")
    assert report.status == FAILED and report.documents == []
    assert report.failure_message == "Document document1.yml is not valid: Invalid schema version. Supported versions include: 1.0."


def test_bad_module_inputs_fail_the_step_not_the_run(tmp_path: Path) -> None:
    report, _ = run(tmp_path, """
        schemaVersion: 1.0
        phases:
          - name: build
            steps:
              - name: BadBinary
                action: ExecuteBinary
                onFailure: Continue
                inputs:
                  path: /bin/echo
                  arguments: [[nested, list]]
              - name: BadReboot
                action: Reboot
                onFailure: Continue
                inputs:
                  delaySeconds: soon
        """)
    assert statuses(report) == {"BadBinary": FAILED, "BadReboot": FAILED}
    assert "arguments" in report.steps()[0].failure_message
    assert "delaySeconds" in report.steps()[1].failure_message


def test_execute_binary_passes_each_argument_verbatim(tmp_path: Path) -> None:
    report, _ = run(tmp_path, """
        schemaVersion: 1.0
        phases:
          - name: build
            steps:
              - name: Install
                action: ExecuteBinary
                inputs:
                  path: /usr/bin/printf
                  arguments:
                    - '[%s]'
                    - 'two words'
                    - '$HOME'
                    - "it's"
                    - '*'
        """)
    assert stdout(report, "Install") == "[two words][$HOME][it's][*]"


@pytest.mark.parametrize("shell_line", ["[[ 1 == 1 ]] && echo bash", "echo portable"])
def test_execute_bash_runs_bash_syntax_when_bash_is_there(tmp_path: Path, shell_line: str) -> None:
    report, _ = run(tmp_path, _bash_step("Shell", shell_line))
    assert report.status == SUCCESS


def test_windows_only_actions_refuse_the_run_on_linux_before_anything_runs(tmp_path: Path) -> None:
    report, _ = run(tmp_path, """
        schemaVersion: 1.0
        phases:
          - name: build
            steps:
              - name: First
                action: ExecuteBash
                inputs:
                  commands: ['touch ran']
              - name: Windows
                action: ExecutePowerShell
                inputs:
                  commands: ['Write-Host hi']
        """)
    assert report.status == FAILED and report.steps() == []
    assert report.failure_message == ("Document document0.yml cannot run on Linux: step build.Windows:"
                                      " Action ExecutePowerShell is supported only on Windows.")
    assert not (tmp_path / "ran").exists()


def test_a_failing_event_sink_does_not_stop_the_run(tmp_path: Path) -> None:
    from openimagebuilder.toe.interpreter import run_documents
    from openimagebuilder.toe.local import LocalExecutor
    from openimagebuilder.toe.results import ComponentInput

    def broken_sink(event: object) -> None:
        raise OSError("the log store is down")

    report = run_documents([ComponentInput("hello", HELLO_WORLD)], None, LocalExecutor(tmp_path),
                           on_event=broken_sink)
    assert report.status == SUCCESS and len(report.steps()) == 3


def test_execute_document_in_a_for_each_loop_runs_each_document(tmp_path: Path) -> None:
    for number in (1, 2):
        (tmp_path / f"Sample-{number}.yaml").write_text(
            "schemaVersion: 1.0\nphases:\n  - name: test\n    steps:\n      - name: Say\n"
            f"        action: ExecuteBash\n        inputs:\n          commands: ['echo sample {number} {{{{ parameter-1 }}}}']\n"
            "parameters:\n  - parameter-1:\n      type: string\n")
    report, _ = run(tmp_path, """
        schemaVersion: 1.0
        phases:
          - name: build
            steps:
              - name: ExecuteNestedDocument
                action: ExecuteDocument
                loop:
                  name: 'myForEachLoop'
                  forEach:
                    - Sample-1.yaml
                    - Sample-2.yaml
                inputs:
                  document: "{{myForEachLoop.value}}"
                  phases: test
                  parameters:
                    - name: parameter-1
                      value: value-1
        """)
    assert report.status == SUCCESS, report.failure_message
    step = report.steps()[0]
    assert [nested.steps()[0].outputs for nested in step.nested] == [
        [{"stdout": "sample 1 value-1"}], [{"stdout": "sample 2 value-1"}]]
    assert step.outputs[0]["status"] == "success\nsuccess"


def test_file_modules_chain_with_execute_bash(tmp_path: Path) -> None:
    document = """
        schemaVersion: 1.0
        phases:
          - name: build
            steps:
              - name: MakeDir
                action: CreateFolder
                inputs:
                  - path: out
              - name: Write
                action: CreateFile
                inputs:
                  - path: out/a.txt
                    content: "hello {{ build.MakeDir.inputs[0].path }}"
              - name: Read
                action: ReadFile
                inputs:
                  path: out/a.txt
              - name: Show
                action: ExecuteBash
                inputs:
                  commands: ['echo "read: {{ build.Read.outputs.content }}"']
        """
    report, _ = run(tmp_path, document)
    assert report.status == SUCCESS, report.failure_message
    assert stdout(report, "Show") == "read: hello out"
    dry, _ = run(tmp_path / "out", document, dry_run=True)
    # A dry run chains the empty content: the command it would have run shows it.
    assert dry.status == SUCCESS and dry.steps()[3].inputs == [{"commands": ['echo "read: "']}]
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["a.txt", "document0.yml"]


def test_a_cancel_between_steps_stops_the_run_before_the_next_step(tmp_path: Path) -> None:
    from openimagebuilder.toe.interpreter import run_documents
    from openimagebuilder.toe.local import LocalExecutor
    from openimagebuilder.toe.results import ComponentInput, RunEvent

    cancel = threading.Event()

    def cancel_after_the_first_step(event: RunEvent) -> None:
        if event.text.startswith("Step HelloWorldStep: success"):
            cancel.set()

    documents = [ComponentInput("one", HELLO_WORLD), ComponentInput("two", HELLO_WORLD)]
    report = run_documents(documents, None, LocalExecutor(tmp_path), on_event=cancel_after_the_first_step,
                           cancel=cancel)
    assert report.status == CANCELLED and report.cancelled
    assert [step.status for step in report.steps()] == [SUCCESS]
    assert len(report.documents) == 1 and [phase.name for phase in report.documents[0].phases] == ["build"]


def test_execute_bash_on_a_busybox_target_without_bash(tmp_path: Path) -> None:
    from openimagebuilder.toe.local import LocalExecutor

    from .toe_support import busybox_path

    applets = busybox_path(tmp_path / "busybox-bin")
    if applets is None:
        pytest.skip("busybox is not installed")
    shell = (str(Path(applets) / "sh"),)   # busybox's own sh; no bash on its PATH

    class BusyboxTarget(LocalExecutor):
        def run(self, script: str, **options):  # type: ignore[no-untyped-def]
            return super().run(script, **{**options, "env": {"PATH": applets}})

    report, _ = run(tmp_path, _bash_step("Portable", 'echo "$0 {{ loop.value }}" | tr a-z A-Z', "exit 0"),
                    executor=BusyboxTarget(tmp_path, shell=shell))
    assert report.status == SUCCESS, report.failure_message
    assert stdout(report, "Portable").endswith("{{ LOOP.VALUE }}")
    report, _ = run(tmp_path, _bash_step("Fails", "exit 7"), executor=BusyboxTarget(tmp_path, shell=shell))
    assert report.steps()[0].exit_code == 7


# --- the status rules, against a direct reading of AWS's onFailure table -------------------------

STEP_PLANS = st.lists(st.tuples(st.sampled_from([0, 1, 3]), st.sampled_from(["Abort", "Continue", "Ignore"]),
                                st.booleans()), min_size=1, max_size=5)


def _expected(plan: list[tuple[int, str, bool]]) -> tuple[list[str], str]:
    statuses_seen: list[str] = []
    for exit_code, on_failure, skipped in plan:
        if skipped:
            statuses_seen.append(SKIPPED)
        elif exit_code == 0:
            statuses_seen.append(SUCCESS)
        elif on_failure == "Ignore":
            statuses_seen.append(IGNORED_FAILURE)
        else:
            statuses_seen.append(FAILED)
            if on_failure == "Abort":
                break
    if FAILED in statuses_seen:
        return statuses_seen, FAILED
    return statuses_seen, "successWithIgnoredFailure" if IGNORED_FAILURE in statuses_seen else SUCCESS


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(STEP_PLANS)
def test_step_phase_and_run_statuses_follow_on_failure(tmp_path: Path, plan: list[tuple[int, str, bool]]) -> None:
    steps = "".join(
        f"""
              - name: Step{number}
                action: ExecuteBash
                onFailure: {on_failure}
                if: {{stringEquals: '{"skip" if skipped else "run"}', value: run}}
                inputs:
                  commands: ['exit {exit_code}']"""
        for number, (exit_code, on_failure, skipped) in enumerate(plan))
    report, _ = run(tmp_path, f"""
        schemaVersion: 1.0
        phases:
          - name: build
            steps:{steps}
        """)
    expected_steps, expected_run = _expected(plan)
    assert [step.status for step in report.steps()] == expected_steps
    assert report.documents[0].phases[0].status == expected_run
    assert report.status == expected_run
    assert report.failed_step_count == expected_steps.count(FAILED)
    assert report.executed_step_count == len(expected_steps) - expected_steps.count(SKIPPED)
