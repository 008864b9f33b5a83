import json
import textwrap

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from openimagebuilder.domain.component_document import (
    ComponentDocument,
    ComponentDocumentError,
    ComponentParameter,
    parse_component_document,
)

STEP_NAME_RULE = ("Allowed characters are combinations of numbers [0-9], english letters [a-z,A-Z]"
                  " and special characters [-_].")


def doc(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def rejected(text: str, **kwargs: str) -> str:
    with pytest.raises(ComponentDocumentError) as caught:
        parse_component_document(text, **kwargs)
    assert str(caught.value) == caught.value.message
    return caught.value.message


# --- AWS's documented examples -------------------------------------------------------------

HELLO_WORLD = doc("""
    name: HelloWorldTestingLinuxDoc
    description: This is hello world testing document for Linux.
    schemaVersion: 1.0
    phases:
      - name: build
        steps:
          - name: HelloWorldStep
            action: ExecuteBash
            inputs:
              commands:
                - echo 'Hello World from the build phase.'
      - name: validate
        steps:
          - name: HelloWorldStep
            action: ExecuteBash
            inputs:
              commands:
                - echo 'Hello World from the validate phase.'
      - name: test
        steps:
          - name: HelloWorldStep
            action: ExecuteBash
            inputs:
              commands:
                - echo 'Hello World from the test phase.'
    """)

# "Manage AWSTOE component parameters with EC2 Image Builder", Linux tab.
WITH_PARAMETERS = doc("""
    # Document Start
    #
    name: "HelloWorldTestingDocument-Linux"
    description: "Hello world document to demonstrate parameters."
    schemaVersion: 1.0
    parameters:
      - MyInputParameter:
          type: string
          default: "It's me!"
          description: This is an input parameter.
    phases:
      - name: build
        steps:
          - name: HelloWorldStep
            action: ExecuteBash
            inputs:
              commands:
                - echo "Hello World! Build phase. My input parameter value is {{ MyInputParameter }}"

      - name: validate
        steps:
          - name: HelloWorldStep
            action: ExecuteBash
            inputs:
              commands:
                - echo "Hello World! Validate phase. My input parameter value is {{ MyInputParameter }}"

      - name: test
        steps:
          - name: HelloWorldStep
            action: ExecuteBash
            inputs:
              commands:
                - echo "Hello World! Test phase. My input parameter value is {{ MyInputParameter }}"
    # Document End
    """)

# "Use component documents in AWSTOE", first example schema.
RUN_CONFIG_UPDATE_WINDOWS = doc("""
    name: RunConfig_UpdateWindows
    description: 'This document will install all available Windows updates and run a config script.'
    schemaVersion: 1.0
    phases:
      - name: build
        steps:
          - name: DownloadConfigScript
            action: S3Download
            timeoutSeconds: 60
            onFailure: Abort
            maxAttempts: 3
            inputs:
              - source: 's3://customer-bucket/config.ps1'
                destination: 'C:\\config.ps1'

          - name: RunConfigScript
            action: ExecutePowerShell
            timeoutSeconds: 120
            onFailure: Abort
            maxAttempts: 3
            inputs:
              file: '{{build.DownloadConfigScript.inputs[0].destination}}'

          - name: Cleanup
            action: DeleteFile
            onFailure: Abort
            maxAttempts: 3
            inputs:
              - path: '{{build.DownloadConfigScript.inputs[0].destination}}'

          - name: RebootAfterConfigApplied
            action: Reboot
            inputs:
              delaySeconds: 60

          - name: InstallWindowsUpdates
            action: UpdateOS

      - name: validate
        steps:
          - name: DownloadTestConfigScript
            action: S3Download
            timeoutSeconds: 60
            onFailure: Abort
            maxAttempts: 3
            inputs:
              - source: 's3://customer-bucket/testConfig.ps1'
                destination: 'C:\\testConfig.ps1'

          - name: ValidateConfigScript
            action: ExecutePowerShell
            timeoutSeconds: 120
            onFailure: Abort
            maxAttempts: 3
            inputs:
              file: '{{validate.DownloadTestConfigScript.inputs[0].destination}}'

          - name: Cleanup
            action: DeleteFile
            onFailure: Abort
            maxAttempts: 3
            inputs:
              - path: '{{validate.DownloadTestConfigScript.inputs[0].destination}}'

      - name: test
        steps:
          - name: DownloadTestConfigScript
            action: S3Download
            timeoutSeconds: 60
            onFailure: Abort
            maxAttempts: 3
            inputs:
              - source: 's3://customer-bucket/testConfig.ps1'
                destination: 'C:\\testConfig.ps1'

          - name: ValidateConfigScript
            action: ExecutePowerShell
            timeoutSeconds: 120
            onFailure: Abort
            maxAttempts: 3
            inputs:
              file: '{{test.DownloadTestConfigScript.inputs[0].destination}}'
    """)

# Same page, custom Linux binary example.
LINUX_BIN = doc("""
    name: LinuxBin
    description: Download and run a custom Linux binary file.
    schemaVersion: 1.0
    phases:
      - name: build
        steps:
          - name: Download
            action: S3Download
            inputs:
              - source: s3://mybucket/myapplication
                destination: /tmp/myapplication
          - name: Enable
            action: ExecuteBash
            onFailure: Continue
            inputs:
              commands:
                - 'chmod u+x {{ build.Download.inputs[0].destination }}'
          - name: Install
            action: ExecuteBinary
            onFailure: Continue
            inputs:
              path: '{{ build.Download.inputs[0].destination }}'
              arguments:
                - '--install'
          - name: Delete
            action: DeleteFile
            inputs:
              - path: '{{ build.Download.inputs[0].destination }}'
    """)

# "Create a YAML component document": note the integer schemaVersion.
UPDATE_LINUX_OS = doc("""
    name: update-linux-os
    description: Updates Linux with the latest security updates.
    schemaVersion: 1
    phases:
      - name: build
        steps:
        - name: UpdateOS
          action: UpdateOS
    # Document End
    """)

# "Define and reference variables in AWSTOE": a parameter feeding a delimited forEach loop.
PING_HOSTS = doc("""
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
                - ping -c 4 {{ loop.value }}
    """)

CONSTANTS = doc("""
    name: Download AWS CLI version 2
    schemaVersion: 1.0
    constants:
      - Source:
          type: string
          value: https://awscli.amazonaws.com/AWSCLIV2.msi
    phases:
      - name: build
        steps:
          - name: Download
            action: WebDownload
            inputs:
              - source: '{{ Source }}'
                destination: 'C:\\Windows\\Temp\\AWSCLIV2.msi'
    """)

# "Action modules supported by AWSTOE": ExecuteDocument with for and forEach loops.
NESTED_DOCUMENTS = doc("""
    schemaVersion: 1.0
    phases:
      - name: build
        steps:
          - name: ExecuteNestedDocument
            action: ExecuteDocument
            loop:
              name: 'myForLoop'
              for:
                start: 1
                end: 2
                updateBy: 1
            inputs:
              document: "Sample-{{myForLoop.value}}.yaml"
              phases: test
              parameters:
                - name: parameter-1
                  value: value-1
          - name: ExecuteListedDocuments
            action: ExecuteDocument
            loop:
              name: 'myForEachLoop'
              forEach:
                - Sample-1.yaml
                - Sample-2.yaml
            inputs:
              document: "{{myForEachLoop.value}}"
              phases: test
    """)


def test_hello_world() -> None:
    assert parse_component_document(HELLO_WORLD) == ComponentDocument(
        name="HelloWorldTestingLinuxDoc",
        description="This is hello world testing document for Linux.",
        schema_version="1.0",
        phases=("build", "validate", "test"),
        parameters=(),
        component_type="BUILD",
    )


def test_parameters_example() -> None:
    parsed = parse_component_document(WITH_PARAMETERS)
    assert parsed.name == "HelloWorldTestingDocument-Linux"
    assert parsed.parameters == (ComponentParameter(
        name="MyInputParameter", type="string", default=["It's me!"],
        description="This is an input parameter."),)


@pytest.mark.parametrize("text, phases", [
    (RUN_CONFIG_UPDATE_WINDOWS, ("build", "validate", "test")),
    (LINUX_BIN, ("build",)),
    (UPDATE_LINUX_OS, ("build",)),
    (PING_HOSTS, ("build",)),
    (CONSTANTS, ("build",)),
    (NESTED_DOCUMENTS, ("build",)),
])
def test_documented_examples_parse(text: str, phases: tuple[str, ...]) -> None:
    parsed = parse_component_document(text)
    assert parsed.phases == phases
    assert parsed.schema_version == "1.0"
    assert parsed.component_type == "BUILD"


def test_parameter_defaults_are_strings() -> None:
    parsed = parse_component_document(PING_HOSTS)
    assert parsed.parameters[0].default == ["127.0.0.1,amazon.com"]
    text = PING_HOSTS.replace("default: 127.0.0.1,amazon.com", "default: 5")
    assert parse_component_document(text).parameters[0].default == ["5"]
    text = "".join(line for line in PING_HOSTS.splitlines(keepends=True) if "default:" not in line)
    assert parse_component_document(text).parameters[0].default is None


def minimal(phases: list[str]) -> dict:
    return {
        "schemaVersion": "1.0",
        "phases": [{"name": phase, "steps": [{"name": "Run", "action": "ExecuteBash",
                                              "inputs": {"commands": ["true"]}}]}
                   for phase in phases],
    }


@pytest.mark.parametrize("phases, component_type", [
    (["test"], "TEST"),
    (["build"], "BUILD"),
    (["validate"], "BUILD"),
    (["build", "test"], "BUILD"),
    (["test", "validate"], "BUILD"),
    (["container-host-test"], "BUILD"),
])
def test_component_type(phases: list[str], component_type: str) -> None:
    parsed = parse_component_document(yaml.safe_dump(minimal(phases)))
    assert parsed.component_type == component_type
    assert parsed.phases == tuple(phases)


def test_json_with_tabs() -> None:
    text = json.dumps(minimal(["build"]), indent="\t")
    assert parse_component_document(text).phases == ("build",)


@pytest.mark.parametrize("version", ["1.0", "'1.0'", "1", '"1"'])
def test_schema_version_spellings(version: str) -> None:
    text = HELLO_WORLD.replace("schemaVersion: 1.0", f"schemaVersion: {version}")
    assert parse_component_document(text).schema_version == "1.0"


def test_undeclared_references_and_if_are_accepted() -> None:
    text = doc("""
        schemaVersion: 1.0
        phases:
          - name: build
            steps:
              - name: Check
                action: ExecuteBash
                if:
                  stringEquals: 'linux'
                  value: '{{ Platform }}'
                inputs:
                  commands:
                    - echo "{{ NotDeclared }} {{ build.Other.outputs.stdout }}"
              - name: Verify
                action: Assert
                inputs:
                  stringEquals: 'a'
                  value: 'a'
        """)
    assert parse_component_document(text).phases == ("build",)


# --- rejections ----------------------------------------------------------------------------

def step_doc(step: str, phase: str = "build") -> str:
    body = textwrap.indent(textwrap.dedent(step).strip("\n"), " " * 6)
    return f"schemaVersion: 1.0\nphases:\n  - name: {phase}\n    steps:\n{body}\n"


def failed(step: str, error: str, phase: str = "build") -> str:
    return f"Parsing step '{step}' in phase '{phase}' failed. Error: {error}"


def test_aws_step_name_message() -> None:
    text = step_doc("""
        - name: Install PowerShell
          action: ExecutePowerShell
          inputs:
            commands: [Write-Host hi]
        """)
    assert rejected(text) == (
        f"Invalid step name 'Install PowerShell' in phase 'build'. {STEP_NAME_RULE}")


def test_aws_unsupported_action_message() -> None:
    text = step_doc("""
        - name: InstallNginx
          action: InvokeBash
          inputs:
            commands: [yum install -y nginx]
        """)
    assert rejected(text, platform="Linux") == failed(
        "InstallNginx", "Unsupported action InvokeBash for os platform linux.")
    assert rejected(text) == failed("InstallNginx", "Unsupported action InvokeBash.")


RUN = "  action: ExecuteBash\n  inputs:\n    commands: [echo]\n"


@pytest.mark.parametrize("text, message", [
    ("phases: [", "The document is not valid YAML or JSON (line 1, column 10)."),
    ("a: b\n c: d\n", "The document is not valid YAML or JSON (line 2, column 3)."),
    ("", "The document must be a YAML or JSON mapping."),
    ("- a\n- b\n", "The document must be a YAML or JSON mapping."),
    ('"just a string"', "The document must be a YAML or JSON mapping."),
    ("phases: []\n", "Invalid schema version. Supported versions include: 1.0."),
    ("schemaVersion: 2.0\nphases: []\n", "Invalid schema version. Supported versions include: 1.0."),
    ("schemaVersion: '1.1'\n", "Invalid schema version. Supported versions include: 1.0."),
    ("schemaVersion: true\n", "Invalid schema version. Supported versions include: 1.0."),
    ("schemaVersion: 1.0\n", "The document must contain at least one phase."),
    ("schemaVersion: 1.0\nphases: []\n", "The document must contain at least one phase."),
    ("schemaVersion: 1.0\nphases: build\n", "Field 'phases' must be a list."),
    ("schemaVersion: 1.0\nphases: [build]\n", "Phase at index 0 must be a map."),
    ("schemaVersion: 1.0\nphases: [{steps: []}]\n", "Missing required field 'name' for phase at index 0."),
    ("schemaVersion: 1.0\nphases: [{name: deploy}]\n",
     "Invalid phase name 'deploy'. Supported phases include: build, validate, test, container-host-test."),
    ("schemaVersion: 1.0\nphases: [{name: Build}]\n",
     "Invalid phase name 'Build'. Supported phases include: build, validate, test, container-host-test."),
    ("schemaVersion: 1.0\nphases: [{name: build}]\n", "Phase 'build' must contain at least one step."),
    ("schemaVersion: 1.0\nphases: [{name: build, steps: []}]\n", "Phase 'build' must contain at least one step."),
    ("schemaVersion: 1.0\nphases: [{name: build, steps: run}]\n", "Field 'steps' in phase 'build' must be a list."),
    ("schemaVersion: 1.0\nphases: [{name: build, steps: [run]}]\n", "Step at index 0 in phase 'build' must be a map."),
    ("schemaVersion: 1.0\nname: [a]\nphases: [{name: build, steps: [{name: A, action: Reboot}]}]\n",
     "Field 'name' must be a string."),
])
def test_document_level_rejections(text: str, message: str) -> None:
    assert rejected(text) == message


def test_duplicate_phase() -> None:
    step = "    steps: [{name: A, action: Reboot}]\n"
    text = "schemaVersion: 1.0\nphases:\n  - name: test\n" + step + "  - name: test\n" + step
    assert rejected(text) == "Duplicate phase name 'test'. Each phase name must be unique within a document."


@pytest.mark.parametrize("step, message", [
    ("- action: Reboot\n", "Missing required field 'name' for step at index 0 in phase 'build'."),
    ("- name: ''\n  action: Reboot\n", f"Invalid step name '' in phase 'build'. {STEP_NAME_RULE}"),
    ("- name: a.b\n  action: Reboot\n", f"Invalid step name 'a.b' in phase 'build'. {STEP_NAME_RULE}"),
    ("- name: Größe\n  action: Reboot\n", f"Invalid step name 'Größe' in phase 'build'. {STEP_NAME_RULE}"),
    ("- name: A\n  action: Reboot\n- name: A\n  action: Reboot\n",
     "Duplicate step name 'A' in phase 'build'. Step names must be unique within a phase."),
    ("- name: A\n", failed("A", "Missing required field 'action'.")),
    ("- name: A\n  action: executebash\n", failed("A", "Unsupported action executebash.")),
    ("- name: A\n  action: ExecuteBatch\n", failed("A", "Unsupported action ExecuteBatch.")),
    ("- name: A\n  onFailure: Stop\n" + RUN,
     failed("A", "Invalid value 'Stop' for 'onFailure'. Allowed values are Abort, Continue, Ignore.")),
    ("- name: A\n  onFailure: abort\n" + RUN,
     failed("A", "Invalid value 'abort' for 'onFailure'. Allowed values are Abort, Continue, Ignore.")),
    ("- name: A\n  timeoutSeconds: 0\n" + RUN,
     failed("A", "Invalid value for 'timeoutSeconds'. It must be a positive integer, or -1 for no timeout.")),
    ("- name: A\n  timeoutSeconds: -2\n" + RUN,
     failed("A", "Invalid value for 'timeoutSeconds'. It must be a positive integer, or -1 for no timeout.")),
    ("- name: A\n  timeoutSeconds: '60'\n" + RUN,
     failed("A", "Invalid value for 'timeoutSeconds'. It must be a positive integer, or -1 for no timeout.")),
    ("- name: A\n  timeoutSeconds: 1.5\n" + RUN,
     failed("A", "Invalid value for 'timeoutSeconds'. It must be a positive integer, or -1 for no timeout.")),
    ("- name: A\n  maxAttempts: 0\n" + RUN,
     failed("A", "Invalid value for 'maxAttempts'. It must be a positive integer.")),
    ("- name: A\n  maxAttempts: true\n" + RUN,
     failed("A", "Invalid value for 'maxAttempts'. It must be a positive integer.")),
    ("- name: A\n  action: ExecuteBash\n", failed("A", "Missing required field 'inputs' for action ExecuteBash.")),
    ("- name: A\n  action: ExecuteBash\n  inputs: {}\n",
     failed("A", "Missing required field 'inputs' for action ExecuteBash.")),
    ("- name: A\n  action: ExecuteBash\n  inputs:\n    command: [echo]\n",
     failed("A", "Missing required input 'commands' for action ExecuteBash.")),
    ("- name: A\n  action: ExecuteBash\n  inputs:\n    commands: echo\n",
     failed("A", "Input 'commands' for action ExecuteBash must be a list.")),
    ("- name: A\n  action: ExecuteBash\n  inputs: echo\n",
     failed("A", "Inputs for action ExecuteBash must be a map or a list of maps.")),
    ("- name: A\n  action: ExecutePowerShell\n  inputs:\n    commands: [dir]\n    file: C:\\a.ps1\n",
     failed("A", "Action ExecutePowerShell requires exactly one of the inputs 'commands' or 'file'.")),
    ("- name: A\n  action: ExecutePowerShell\n  inputs:\n    arguments: [x]\n",
     failed("A", "Action ExecutePowerShell requires exactly one of the inputs 'commands' or 'file'.")),
    ("- name: A\n  action: S3Download\n  inputs:\n    - source: s3://b/k\n",
     failed("A", "Missing required input 'destination' for action S3Download.")),
    ("- name: A\n  action: S3Download\n  inputs:\n    - source: s3://b/k\n      destination: /tmp/k\n"
     "    - destination: /tmp/j\n",
     failed("A", "Missing required input 'source' for action S3Download.")),
    ("- name: A\n  action: ExecuteBinary\n  inputs:\n    arguments: [--x]\n",
     failed("A", "Missing required input 'path' for action ExecuteBinary.")),
    ("- name: A\n  action: SetRegistry\n  inputs:\n    - path: HKLM:\\SOFTWARE\\X\n      name: N\n      type: SZ\n",
     failed("A", "Missing required input 'value' for action SetRegistry.")),
    ("- name: A\n  action: ExecuteDocument\n  timeoutSeconds: 60\n  inputs:\n    document: d.yaml\n",
     failed("A", "Action ExecuteDocument does not support 'timeoutSeconds'; it is always -1.")),
    ("- name: A\n  action: ExecuteDocument\n  maxAttempts: 2\n  inputs:\n    document: d.yaml\n",
     failed("A", "Action ExecuteDocument does not support 'maxAttempts'; it is always 1.")),
    ("- name: A\n  loop: [1]\n" + RUN, failed("A", "Field 'loop' must be a map.")),
    ("- name: A\n  loop:\n    name: x\n" + RUN,
     failed("A", "A loop must define exactly one of 'for' or 'forEach'.")),
    ("- name: A\n  loop:\n    forEach: [a]\n    for: {start: 1, end: 2, updateBy: 1}\n" + RUN,
     failed("A", "A loop must define exactly one of 'for' or 'forEach'.")),
    ("- name: A\n  loop:\n    for: {start: 1, end: 2}\n" + RUN,
     failed("A", "Field 'updateBy' of the 'for' loop must be an integer.")),
    ("- name: A\n  loop:\n    for: {start: 1, end: 2, updateBy: 0}\n" + RUN,
     failed("A", "Field 'updateBy' of the 'for' loop must be a non-zero integer.")),
    ("- name: A\n  loop:\n    for: {start: 1, end: 5, updateBy: -1}\n" + RUN,
     failed("A", "The values of 'start', 'end' and 'updateBy' of the 'for' loop result in an infinite loop.")),
    ("- name: A\n  loop:\n    forEach: []\n" + RUN,
     failed("A", "Field 'forEach' of the loop must be a non-empty list of strings.")),
    ("- name: A\n  loop:\n    forEach: [[a]]\n" + RUN,
     failed("A", "Field 'forEach' of the loop must be a non-empty list of strings.")),
    ("- name: A\n  loop:\n    forEach:\n      delimiter: ','\n" + RUN,
     failed("A", "Missing required field 'list' for the 'forEach' loop.")),
    ("- name: A\n  loop:\n    forEach:\n      list: a|b\n      delimiter: '|'\n" + RUN,
     failed("A", "Invalid 'delimiter' for the 'forEach' loop. It must be one character among"
                 " . , ; : newline tab space - _")),
    ("- name: A\n  loop: {name: L, forEach: [a]}\n" + RUN + "- name: B\n  loop: {name: L, forEach: [b]}\n" + RUN,
     failed("B", "Duplicate loop name 'L'. Loop names must be unique within a phase.")),
])
def test_step_rejections(step: str, message: str) -> None:
    assert rejected(step_doc(step)) == message


def test_same_step_name_in_different_phases_is_fine() -> None:
    assert parse_component_document(HELLO_WORLD).phases == ("build", "validate", "test")


def test_same_loop_name_in_different_phases_is_fine() -> None:
    loop_step = "    steps: [{name: A, action: Reboot, loop: {name: L, forEach: [a]}}]\n"
    text = "schemaVersion: 1.0\nphases:\n  - name: build\n" + loop_step + "  - name: test\n" + loop_step
    assert parse_component_document(text).phases == ("build", "test")


VARIABLE_NAME_RULE = ("Names must be between 3 and 128 characters long, and allowed characters are"
                      " combinations of numbers [0-9], english letters [a-z,A-Z] and special characters [-_].")
PHASES = "phases: [{name: build, steps: [{name: A, action: Reboot}]}]\n"


@pytest.mark.parametrize("section, message", [
    ("parameters: foo\n", "Field 'parameters' must be a list."),
    ("parameters: [foo]\n", "Entry at index 0 in 'parameters' must be a map with a single name as its key."),
    ("parameters: [{Foo: {type: string}, Bar: {type: string}}]\n",
     "Entry at index 0 in 'parameters' must be a map with a single name as its key."),
    ("parameters: [{ab: {type: string}}]\n", f"Invalid name 'ab' in 'parameters'. {VARIABLE_NAME_RULE}"),
    (f"parameters: [{{{'a' * 129}: {{type: string}}}}]\n",
     f"Invalid name '{'a' * 129}' in 'parameters'. {VARIABLE_NAME_RULE}"),
    ("parameters: [{my param: {type: string}}]\n",
     f"Invalid name 'my param' in 'parameters'. {VARIABLE_NAME_RULE}"),
    ("parameters: [{1234: {type: string}}]\n", f"Invalid name '1234' in 'parameters'. {VARIABLE_NAME_RULE}"),
    ("parameters: [{Foo: }]\n", "Missing required field 'type' for 'Foo' in 'parameters'."),
    ("parameters: [{Foo: bar}]\n", "The definition of 'Foo' in 'parameters' must be a map."),
    ("parameters: [{Foo: {default: x}}]\n", "Missing required field 'type' for 'Foo' in 'parameters'."),
    ("parameters: [{Foo: {type: integer}}]\n",
     "Invalid type 'integer' for 'Foo' in 'parameters'. Supported types include: string."),
    ("parameters: [{Foo: {type: string, default: [a, b]}}]\n",
     "The default value of parameter 'Foo' must be a string."),
    ("parameters: [{Foo: {type: string, description: {a: b}}}]\n",
     "The description of parameter 'Foo' must be a string."),
    ("parameters: [{Foo: {type: string}}, {Foo: {type: string}}]\n", "Duplicate parameter name 'Foo'."),
    ("constants: [{Foo: {type: string}}]\n", "Missing required field 'value' for constant 'Foo'."),
    ("constants: [{Foo: {type: string, value: [a]}}]\n", "The value of constant 'Foo' must be a string."),
    ("parameters: [{Foo: {type: string}}]\nconstants: [{Foo: {type: string, value: x}}]\n",
     "Duplicate constant name 'Foo'."),
])
def test_variable_rejections(section: str, message: str) -> None:
    assert rejected("schemaVersion: 1.0\n" + section + PHASES) == message


# --- properties ----------------------------------------------------------------------------

STEP_NAMES = st.from_regex(r"[0-9A-Za-z_-]{1,40}", fullmatch=True)
VARIABLE_NAMES = st.from_regex(r"[0-9A-Za-z_-]{3,128}", fullmatch=True)
SAFE_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)

INPUTS = {
    "ExecuteBash": st.fixed_dictionaries({"commands": st.lists(SAFE_TEXT, min_size=1, max_size=3)}),
    "ExecutePowerShell": st.one_of(
        st.fixed_dictionaries({"commands": st.lists(SAFE_TEXT, min_size=1, max_size=3)}),
        st.fixed_dictionaries({"file": st.just("C:\\run.ps1")})),
    "ExecuteBinary": st.fixed_dictionaries({"path": st.just("/usr/bin/true")},
                                           optional={"arguments": st.lists(SAFE_TEXT, max_size=2)}),
    "S3Download": st.lists(st.fixed_dictionaries({"source": st.just("s3://b/k"),
                                                  "destination": st.just("/tmp/k")}), min_size=1, max_size=2),
    "CreateFile": st.lists(st.fixed_dictionaries({"path": st.just("/tmp/f")},
                                                 optional={"content": SAFE_TEXT}), min_size=1, max_size=2),
    "SetFileOwner": st.fixed_dictionaries({"path": st.just("/tmp/f"), "owner": st.just("root")}),
    "Reboot": st.one_of(st.none(), st.fixed_dictionaries({"delaySeconds": st.integers(0, 600)})),
    "UpdateOS": st.none(),
}


@st.composite
def steps(draw: st.DrawFn) -> list[dict]:
    names = draw(st.lists(STEP_NAMES, min_size=1, max_size=4, unique=True))
    result = []
    for name in names:
        action = draw(st.sampled_from(sorted(INPUTS)))
        step: dict = {"name": name, "action": action}
        inputs = draw(INPUTS[action])
        if inputs is not None:
            step["inputs"] = inputs
        if draw(st.booleans()):
            step["onFailure"] = draw(st.sampled_from(["Abort", "Continue", "Ignore"]))
        if draw(st.booleans()):
            step["timeoutSeconds"] = draw(st.one_of(st.just(-1), st.integers(1, 86400)))
        if draw(st.booleans()):
            step["maxAttempts"] = draw(st.integers(1, 10))
        if draw(st.booleans()):
            step["loop"] = draw(st.one_of(
                st.fixed_dictionaries({"forEach": st.lists(SAFE_TEXT, min_size=1, max_size=3)}),
                st.builds(lambda start, count, up: {"for": {"start": start, "end": start + (count if up else -count),
                                                            "updateBy": 1 if up else -1}},
                          st.integers(-5, 5), st.integers(0, 5), st.booleans())))
        result.append(step)
    return result


@st.composite
def documents(draw: st.DrawFn) -> dict:
    phase_names = draw(st.permutations(["build", "validate", "test"]))
    phase_names = phase_names[: draw(st.integers(1, 3))]
    parameters = draw(st.lists(VARIABLE_NAMES, max_size=3, unique=True))
    document: dict = {
        "schemaVersion": draw(st.sampled_from([1.0, 1, "1.0"])),
        "phases": [{"name": phase, "steps": draw(steps())} for phase in phase_names],
    }
    if draw(st.booleans()):
        document["name"] = draw(SAFE_TEXT.filter(bool))
    if parameters:
        document["parameters"] = [{name: {"type": "string", "default": draw(SAFE_TEXT)}} for name in parameters]
    return document


@settings(max_examples=150, deadline=None)
@given(documents(), st.booleans())
def test_generated_valid_documents_parse(document: dict, as_json: bool) -> None:
    text = json.dumps(document) if as_json else yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    parsed = parse_component_document(text)
    phases = tuple(phase["name"] for phase in document["phases"])
    assert parsed.phases == phases
    assert parsed.component_type == ("TEST" if phases == ("test",) else "BUILD")
    assert parsed.schema_version == "1.0"
    assert parsed.name == document.get("name")
    assert [(p.name, p.type, p.default) for p in parsed.parameters] == [
        (name, "string", [definition["default"]])
        for entry in document.get("parameters", []) for name, definition in entry.items()]


INVALID_STEP_NAMES = st.text(min_size=1, max_size=30).filter(
    lambda name: any(not (char.isascii() and (char.isalnum() or char in "-_")) for char in name))


@settings(max_examples=150, deadline=None)
@given(INVALID_STEP_NAMES, st.sampled_from(["build", "validate", "test"]))
def test_generated_invalid_step_names_are_rejected(name: str, phase: str) -> None:
    document = {"schemaVersion": "1.0", "phases": [{"name": phase, "steps": [
        {"name": name, "action": "ExecuteBash", "inputs": {"commands": ["true"]}}]}]}
    assert rejected(json.dumps(document)) == (
        f"Invalid step name '{name}' in phase '{phase}'. {STEP_NAME_RULE}")
