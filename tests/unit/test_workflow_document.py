"""Workflow document validation: AWS's documented examples and every rejection rule."""
from __future__ import annotations

import json
import textwrap

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from openimagebuilder.domain.workflow_document import (
    ACTIONS,
    WorkflowDocument,
    WorkflowDocumentError,
    WorkflowParameter,
    WorkflowStep,
    parse_workflow_document,
)

LAUNCH = {"name": "LaunchStep", "action": "LaunchInstance", "inputs": {"waitFor": "ssmAgent"}}
INSTANCE = "$.stepOutputs.LaunchStep.instanceId"


def dump(steps: list | None = None, **fields: object) -> str:
    document: dict = {"schemaVersion": 1.0, "steps": [LAUNCH] if steps is None else steps}
    document.update(fields)
    return yaml.safe_dump(document, sort_keys=False)


def error_of(text: str, workflow_type: str | None = None) -> str:
    with pytest.raises(WorkflowDocumentError) as caught:
        parse_workflow_document(text, workflow_type)
    return str(caught.value)


# -------------------------------------------------------------------------------------------
# Valid documents

# "Create a YAML workflow document": the identification, parameter and step examples together.
SAMPLE_TEST_IMAGE = """\
---
name: sample-test-image
description: Workflow for a sample image, with extra configuration options exposed through workflow parameters.
schemaVersion: 1.0

parameters:
  - name: waitForActionAtEnd
    type: boolean
    default: true
    description: "Wait for an external action at the end of the workflow"

steps:
  - name: LaunchTestInstance
    action: LaunchInstance
    onFailure: Abort
    inputs:
      waitFor: "ssmAgent"

  - name: ApplyTestComponents
    action: ExecuteComponents
    onFailure: Abort
    inputs:
      instanceId.$: "$.stepOutputs.LaunchTestInstance.instanceId"

  - name: TerminateTestInstance
    action: TerminateInstance
    onFailure: Continue
    inputs:
      instanceId.$: "$.stepOutputs.LaunchTestInstance.instanceId"

  - name: WaitForActionAtEnd
    action: WaitForAction
    if:
      booleanEquals: true
      value: "$.parameters.waitForActionAtEnd"
"""


def test_sample_test_image_from_the_user_guide() -> None:
    document = parse_workflow_document(SAMPLE_TEST_IMAGE, "TEST")
    assert document == WorkflowDocument(
        name="sample-test-image",
        description="Workflow for a sample image, with extra configuration options exposed "
                    "through workflow parameters.",
        schema_version="1.0",
        parameters=(WorkflowParameter("waitForActionAtEnd", "boolean", True,
                                      "Wait for an external action at the end of the workflow"),),
        steps=(
            WorkflowStep("LaunchTestInstance", "LaunchInstance", "Abort", True, None,
                         {"waitFor": "ssmAgent"}, None),
            WorkflowStep("ApplyTestComponents", "ExecuteComponents", "Abort", True, None,
                         {"instanceId.$": "$.stepOutputs.LaunchTestInstance.instanceId"}, None),
            WorkflowStep("TerminateTestInstance", "TerminateInstance", "Continue", True, None,
                         {"instanceId.$": "$.stepOutputs.LaunchTestInstance.instanceId"}, None),
            WorkflowStep("WaitForActionAtEnd", "WaitForAction", "Abort", True, None, {},
                         {"booleanEquals": True, "value": "$.parameters.waitForActionAtEnd"}),
        ),
        outputs=(),
    )


def test_documented_output_example() -> None:
    text = dump(
        [LAUNCH, {"name": "createProdImage", "action": "CreateImage",
                  "inputs": {"instanceId.$": INSTANCE}}],
        outputs=[{"name": "outputImageId", "value": "$.stepOutputs.createProdImage.imageId"}])
    assert parse_workflow_document(text).outputs == (
        {"name": "outputImageId", "value": "$.stepOutputs.createProdImage.imageId"},)


def test_documented_nested_condition_levels() -> None:
    # "Use conditional statements in your workflow steps": the maximum-levels example.
    text = textwrap.dedent("""\
        schemaVersion: 1.0
        steps:
          - name: LaunchStep
            action: LaunchInstance
            if:
              and:                             #first level
                - stringEquals: 'my_string'    #second level
                  value: 'my_string'
                - and:                         #also second level
                    - numberEquals: '1'        #third level
                      value: 1
                    - not:                     #also third level
                        stringEquals: 'second_string'    #fourth level
                        value: "diff_string"
            inputs:
              waitFor: ssmAgent
        """)
    step = parse_workflow_document(text).steps[0]
    assert step.if_condition is not None and "and" in step.if_condition


def test_documented_distribution_actions() -> None:
    # "Supported step actions": DistributeImage, ModifyImageAttributes and
    # ApplyImageConfigurations, chained through distributedImages.
    text = textwrap.dedent("""\
        schemaVersion: 1.0
        parameters:
          - name: SourceRegion
            type: string
            default: us-west-2
        steps:
          - name: DistributeImageStep
            action: DistributeImage
            onFailure: Abort
            inputs:
              distributions:
                - region.$: "$.parameters.SourceRegion"
                  description: "AMI distribution to source region"
                  amiTags:
                    DistributionTest: "SourceRegion"
                    BuildDate: "{{imagebuilder:buildDate:yyyyMMHHss}}"
          - name: ModifyImageAttributesStep
            action: ModifyImageAttributes
            onFailure: Abort
            inputs:
              distributedImages.$: $.stepOutputs.DistributeImageStep.distributedImages
              attributes:
                - region: us-west-2
                  launchPermission:
                    userIds:
                      - "111122223333"
          - name: ApplyImageConfigurationsStep
            action: ApplyImageConfigurations
            onFailure: Abort
            timeoutSeconds: 43200
            inputs:
              distributedImages.$: $.stepOutputs.DistributeImageStep.distributedImages
              configurations:
                - region: us-west-2
                  licenseConfigurationArns:
                    - arn:aws:license-manager:us-west-2:111122223333:license-configuration:lic-example
        """)
    document = parse_workflow_document(text, "DISTRIBUTION")
    assert [step.action for step in document.steps] == [
        "DistributeImage", "ModifyImageAttributes", "ApplyImageConfigurations"]


def test_string_interpolation_and_indexed_outputs() -> None:
    # "Use dynamic variables": {{ }} interpolation; RegisterImage example: output[0].
    text = textwrap.dedent("""\
        schemaVersion: 1.0
        steps:
          - name: CreateImageFromInstance
            action: CreateImage
            timeoutSeconds: 259200
            inputs:
              instanceId: i-1234567890abcdef0
          - name: ValidateImageCompliance
            action: ExecuteStateMachine
            timeoutSeconds: 3600
            onFailure: Abort
            inputs:
              stateMachineArn: arn:aws:states:us-west-2:111122223333:stateMachine:ImageComplianceValidation
              input: |
                {
                  "imageId": "{{ $.stepOutputs.CreateImageFromInstance.imageId }}",
                  "region": "us-west-2"
                }
          - name: CreateSnapshot
            action: RunCommand
            inputs:
              instanceId: i-1234567890abcdef0
              documentName: AWS-RunShellScript
              parameters:
                commands:
                  - aws ec2 create-snapshot --volume-id vol-1234567890abcdef0
          - name: RegisterImageFromSnapshot
            action: RegisterImage
            onFailure: Abort
            inputs:
              architecture: x86_64
              blockDeviceMapping:
                - DeviceName: /dev/sda1
                  Ebs:
                    SnapshotId.$: "$.stepOutputs.CreateSnapshot.output[0]"
                    VolumeSize: 100
          - name: SendEventAndWait
            action: WaitForAction
            timeoutSeconds: 604800
            inputs:
              lambdaFunctionName: ExampleFunction
              payload: '{"imageId": "{{ $.stepOutputs.CreateImageFromInstance.imageId }}"}'
        """)
    assert len(parse_workflow_document(text).steps) == 5


def test_json_document_and_schema_version_spellings() -> None:
    document = {"schemaVersion": "1.0", "steps": [LAUNCH]}
    assert parse_workflow_document(json.dumps(document)).schema_version == "1.0"
    # The CDK serialises the version as a number; YAML reads 1.0 as a float.
    for version in ("1", 1, 1.0):
        assert parse_workflow_document(dump(schemaVersion=version)).schema_version == "1.0"


def test_defaults_and_dynamic_rollback() -> None:
    text = dump(
        [LAUNCH, {"name": "Terminate", "action": "TerminateInstance",
                  "rollbackEnabled": "$.parameters.rollback", "inputs": {"instanceId.$": INSTANCE}}],
        parameters=[{"name": "rollback", "type": "boolean"}, {"name": "untyped"}])
    document = parse_workflow_document(text)
    assert document.steps[0].on_failure == "Abort"
    assert document.steps[0].rollback_enabled is True
    assert document.steps[0].timeout_seconds is None
    assert document.steps[1].rollback_enabled == "$.parameters.rollback"
    assert document.parameters[1] == WorkflowParameter("untyped", "string", None, None)


@pytest.mark.parametrize(("type_", "default"), [
    ("string", "x"), ("integer", 3), ("boolean", False), ("stringList", ["a", "b"]), ("stringList", [])])
def test_typed_parameter_defaults(type_: str, default: object) -> None:
    text = dump(parameters=[{"name": "p", "type": type_, "default": default}])
    assert parse_workflow_document(text).parameters[0].default == default


def test_every_documented_action_is_accepted() -> None:
    steps = [LAUNCH] + [{"name": f"Step{index}", "action": action, "inputs": {}}
                        for index, action in enumerate(sorted(ACTIONS))
                        if action not in ("LaunchInstance", "DistributeContainerImage")][:14]
    assert len(parse_workflow_document(dump(steps)).steps) == 15
    assert {"BootstrapInstanceForContainer", "CollectImageMetadata", "CollectImageScanFindings",
            "CreateImage", "DistributeImage", "ExecuteComponents", "ExecuteStateMachine",
            "LaunchInstance", "ModifyImageAttributes", "RegisterImage", "RunCommand", "RunSysPrep",
            "SanitizeInstance", "TerminateInstance", "WaitForAction", "WaitForSSMAgent",
            "ApplyImageConfigurations", "CreateImageFromIso",
            "DistributeContainerImage"} == set(ACTIONS)


# -------------------------------------------------------------------------------------------
# Rejections, one per rule, with the exact message

def step(**fields: object) -> dict:
    return {"name": "Terminate", "action": "TerminateInstance",
            "inputs": {"instanceId.$": INSTANCE}, **fields}


REJECTIONS = [
    ("not yaml", "schemaVersion: [1.0",
     "The workflow document is not valid YAML or JSON: expected ',' or ']', but got '<stream end>'."),
    ("empty", "   ", "The workflow document is empty."),
    ("not an object", "- a\n- b\n", "The workflow document must be a YAML or JSON object."),
    ("unknown top-level field", dump(version=2),
     "Unknown field 'version' in the workflow document. Allowed fields are name, description, "
     "schemaVersion, parameters, steps, outputs."),
    ("missing schemaVersion", yaml.safe_dump({"steps": [LAUNCH]}),
     "The workflow document is missing required field 'schemaVersion'."),
    ("schemaVersion 2.0", dump(schemaVersion=2.0),
     "Invalid schemaVersion '2.0'. The only supported schema version is 1.0."),
    ("document name type", dump(name=["x"]),
     "Invalid name in the workflow document. The name must be a string of 1 to 1024 characters."),
    ("no steps", dump([]), "The workflow document must contain at least one step in 'steps'."),
    ("steps not a list", dump({"a": 1}), "Field 'steps' must be a list of steps."),
    ("too many steps", dump([LAUNCH] + [step(name=f"Terminate{i}") for i in range(15)]),
     "The workflow document contains 16 steps. A workflow document can contain at most 15 steps."),
    ("step not an object", dump([LAUNCH, "x"]), "Step 2 in 'steps' must be an object."),
    ("step without name", dump([{"action": "LaunchInstance"}]),
     "Step 1 in 'steps' is missing required field 'name'."),
    ("step name with space", dump([step(name="Install PowerShell")]),
     "Invalid step name 'Install PowerShell'. Allowed characters are alphanumeric characters and "
     "underscores; the name must start with a letter and be 3 to 100 characters long."),
    ("step name too short", dump([step(name="ab")]),
     "Invalid step name 'ab'. Allowed characters are alphanumeric characters and underscores; "
     "the name must start with a letter and be 3 to 100 characters long."),
    ("step name with hyphen", dump([step(name="launch-step")]),
     "Invalid step name 'launch-step'. Allowed characters are alphanumeric characters and "
     "underscores; the name must start with a letter and be 3 to 100 characters long."),
    ("duplicate step", dump([LAUNCH, LAUNCH]),
     "Duplicate step name 'LaunchStep'. Step names must be unique within the workflow document."),
    ("unknown step field", dump([LAUNCH, step(retries=2)]),
     "Unknown field 'retries' in step 'Terminate'. Allowed fields are name, description, action, "
     "onFailure, rollbackEnabled, timeoutSeconds, inputs, if."),
    ("missing action", dump([{"name": "Terminate"}]),
     "Step 'Terminate' is missing required field 'action'."),
    ("unknown action", dump([LAUNCH, step(action="Reboot")]),
     "Invalid action 'Reboot' in step 'Terminate'. Allowed actions are " + ", ".join(ACTIONS) + "."),
    ("step description empty", dump([LAUNCH, step(description="")]),
     "Invalid description in step 'Terminate'. The description must be a string of 1 to 1024 characters."),
    ("onFailure case", dump([LAUNCH, step(onFailure="abort")]),
     "Invalid onFailure value 'abort' in step 'Terminate'. Allowed values are Abort and Continue."),
    ("rollbackEnabled string", dump([LAUNCH, step(rollbackEnabled="yes")]),
     "Invalid rollbackEnabled value 'yes' in step 'Terminate'. The value must be true, false, or a "
     "JSONPath variable that resolves to a boolean."),
    ("timeout zero", dump([LAUNCH, step(timeoutSeconds=0)]),
     "Invalid timeoutSeconds value '0' in step 'Terminate'. The value must be an integer between "
     "1 and 43200 for action 'TerminateInstance'."),
    ("timeout above the action maximum", dump([LAUNCH, step(timeoutSeconds=43201)]),
     "Invalid timeoutSeconds value '43201' in step 'Terminate'. The value must be an integer between "
     "1 and 43200 for action 'TerminateInstance'."),
    ("timeout boolean", dump([LAUNCH, step(timeoutSeconds=True)]),
     "Invalid timeoutSeconds value 'True' in step 'Terminate'. The value must be an integer between "
     "1 and 43200 for action 'TerminateInstance'."),
    ("inputs not a mapping", dump([LAUNCH, step(inputs=["i-1"])]),
     "Field 'inputs' in step 'Terminate' must be an object."),
    ("chained input not a path", dump([LAUNCH, step(inputs={"instanceId.$": "i-123"})]),
     "Input 'instanceId.$' in step 'Terminate' must be a JSONPath string such as "
     "'$.stepOutputs.<step>.<output>', because its name ends with '.$'."),
    ("malformed path", dump([LAUNCH, step(inputs={"instanceId.$": "$.steps.LaunchStep.instanceId"})]),
     "Invalid JSONPath '$.steps.LaunchStep.instanceId' in step 'Terminate'. A dynamic variable has "
     "the form $.<parameters|stepOutputs|workflowOutputs|imagebuilder>.<name>."),
    ("step output without output name", dump([LAUNCH, step(inputs={"instanceId.$": "$.stepOutputs.LaunchStep"})]),
     "Invalid JSONPath '$.stepOutputs.LaunchStep' in step 'Terminate'. Step outputs are referenced as "
     "$.stepOutputs.<step name>.<output name>."),
    ("later step", dump([step(), LAUNCH]),
     "Step 'Terminate' references step 'LaunchStep' in '$.stepOutputs.LaunchStep.instanceId', but no "
     "earlier step has that name."),
    ("self reference", dump([LAUNCH, step(inputs={"instanceId.$": "$.stepOutputs.Terminate.x"})]),
     "Step 'Terminate' references step 'Terminate' in '$.stepOutputs.Terminate.x', but no earlier "
     "step has that name."),
    ("unknown output", dump([LAUNCH, step(inputs={"instanceId.$": "$.stepOutputs.LaunchStep.imageId"})]),
     "Step 'Terminate' references output 'imageId' of step 'LaunchStep' in "
     "'$.stepOutputs.LaunchStep.imageId', but action 'LaunchInstance' has no such output. Its "
     "outputs are instanceId."),
    ("output of an action without outputs",
     dump([LAUNCH, step(), step(name="Again", inputs={"instanceId.$": "$.stepOutputs.Terminate.status"})]),
     "Step 'Again' references output 'status' of step 'Terminate' in '$.stepOutputs.Terminate.status', "
     "but action 'TerminateInstance' has no such output. It has no outputs."),
    ("interpolated reference", dump([LAUNCH, step(action="WaitForAction",
                                                  inputs={"payload": "{{ $.stepOutputs.Nope.x }}"})]),
     "Step 'Terminate' references step 'Nope' in '$.stepOutputs.Nope.x', but no earlier step has "
     "that name."),
    ("undeclared parameter", dump([LAUNCH, step(inputs={"instanceId.$": "$.parameters.instance"})]),
     "Step 'Terminate' references undeclared parameter 'instance' in '$.parameters.instance'."),
    ("container and AMI distribution mixed",
     dump([LAUNCH, step(name="PushContainer", action="DistributeContainerImage"),
           step(name="CopyAmi", action="DistributeImage", inputs={})]),
     "A workflow document that uses DistributeContainerImage cannot also use DistributeImage. "
     "A workflow distributes either container images or AMIs."),
    # conditions
    ("unknown operator", dump([step(name="Launch", action="LaunchInstance", inputs={},
                                    **{"if": {"stringContains": "a", "value": "b"}})]),
     "Invalid if condition in step 'Launch': unknown operator 'stringContains'. Allowed operators "
     "are and, or, not, booleanEquals, numberEquals, numberGreaterThan, numberGreaterThanEquals, "
     "numberLessThan, numberLessThanEquals, stringEquals."),
    ("two statements at one level",
     dump([step(name="Launch", action="LaunchInstance", inputs={},
                **{"if": {"not": {"booleanEquals": True, "value": True}, "and": []}})]),
     "Invalid if condition in step 'Launch': a condition holds exactly one statement, found not, and."),
    ("empty and", dump([step(name="Launch", action="LaunchInstance", inputs={}, **{"if": {"and": []}})]),
     "Invalid if condition in step 'Launch': 'and' must list 1 to 10 conditions."),
    ("eleven or branches",
     dump([step(name="Launch", action="LaunchInstance", inputs={},
                **{"if": {"or": [{"booleanEquals": True, "value": True}] * 11}})]),
     "Invalid if condition in step 'Launch': 'or' must list 1 to 10 conditions."),
    ("not with a list",
     dump([step(name="Launch", action="LaunchInstance", inputs={},
                **{"if": {"not": [{"booleanEquals": True, "value": True}]}})]),
     "Invalid if condition in step 'Launch': 'not' must contain exactly one condition."),
    ("missing value", dump([step(name="Launch", action="LaunchInstance", inputs={},
                                 **{"if": {"stringEquals": "AMI"}})]),
     "Invalid if condition in step 'Launch': 'stringEquals' requires a 'value' field."),
    ("stray field", dump([step(name="Launch", action="LaunchInstance", inputs={},
                               **{"if": {"stringEquals": "AMI", "value": "x", "other": 1}})]),
     "Invalid if condition in step 'Launch': unexpected field 'other' next to 'stringEquals'."),
    ("boolean comparison of a string",
     dump([step(name="Launch", action="LaunchInstance", inputs={},
                **{"if": {"booleanEquals": "yes", "value": True}})]),
     "Invalid if condition in step 'Launch': 'booleanEquals' compares true or false, got 'yes'."),
    ("number comparison of a word",
     dump([step(name="Launch", action="LaunchInstance", inputs={},
                **{"if": {"numberGreaterThan": "many", "value": 3}})]),
     "Invalid if condition in step 'Launch': 'numberGreaterThan' compares numbers, got 'many'."),
    ("string comparison of a number",
     dump([step(name="Launch", action="LaunchInstance", inputs={},
                **{"if": {"stringEquals": 5, "value": "$.imagebuilder.platform"}})]),
     "Invalid if condition in step 'Launch': 'stringEquals' compares strings, got '5'."),
    ("five levels",
     dump([step(name="Launch", action="LaunchInstance", inputs={},
                **{"if": {"not": {"not": {"not": {"not": {"booleanEquals": True, "value": True}}}}}})]),
     "Invalid if condition in step 'Launch': conditions can be nested at most 4 levels deep."),
    ("condition references a later step",
     dump([step(name="Launch", action="LaunchInstance", inputs={},
                **{"if": {"stringEquals": "x", "value": "$.stepOutputs.Launch.instanceId"}})]),
     "Step 'Launch' references step 'Launch' in '$.stepOutputs.Launch.instanceId', but no earlier "
     "step has that name."),
    # parameters
    ("parameters not a list", dump(parameters={"a": 1}), "Field 'parameters' must be a list of parameters."),
    ("parameter not an object", dump(parameters=["a"]), "Parameter 1 in 'parameters' must be an object."),
    ("parameter without name", dump(parameters=[{"type": "string"}]),
     "Parameter 1 in 'parameters' is missing required field 'name'."),
    ("parameter name too long", dump(parameters=[{"name": "p" * 129, "type": "string"}]),
     f"Invalid parameter name '{'p' * 129}'. The name must be a string of 1 to 128 characters."),
    ("duplicate parameter", dump(parameters=[{"name": "p", "type": "string"}] * 2),
     "Duplicate parameter name 'p'. Parameter names must be unique."),
    ("unknown parameter field", dump(parameters=[{"name": "p", "type": "string", "required": True}]),
     "Unknown field 'required' in parameter 'p'. Allowed fields are name, type, default, description."),
    ("unknown parameter type", dump(parameters=[{"name": "p", "type": "String"}]),
     "Invalid type 'String' for parameter 'p'. Allowed types are string, integer, boolean, stringList."),
    ("integer default of a string", dump(parameters=[{"name": "p", "type": "integer", "default": "3"}]),
     "Invalid default value for parameter 'p'. The default for type 'integer' must be an integer."),
    ("integer default of a boolean", dump(parameters=[{"name": "p", "type": "integer", "default": True}]),
     "Invalid default value for parameter 'p'. The default for type 'integer' must be an integer."),
    ("boolean default of a string", dump(parameters=[{"name": "p", "type": "boolean", "default": "true"}]),
     "Invalid default value for parameter 'p'. The default for type 'boolean' must be true or false."),
    ("string default of a number", dump(parameters=[{"name": "p", "type": "string", "default": 1}]),
     "Invalid default value for parameter 'p'. The default for type 'string' must be a string."),
    ("stringList default with a number", dump(parameters=[{"name": "p", "type": "stringList", "default": ["a", 1]}]),
     "Invalid default value for parameter 'p'. The default for type 'stringList' must be a list "
     "of strings."),
    ("parameter description too long",
     dump(parameters=[{"name": "p", "type": "string", "description": "d" * 1025}]),
     "Invalid description in parameter 'p'. The description must be a string of 0 to 1024 characters."),
    # outputs
    ("outputs not a list", dump(outputs={"name": "x"}), "Field 'outputs' must be a list of outputs."),
    ("output not an object", dump(outputs=["x"]),
     "Output 1 in 'outputs' must be an object with fields 'name' and 'value'."),
    ("output without value", dump(outputs=[{"name": "x"}]),
     "Output 1 in 'outputs' is missing required field 'value'."),
    ("duplicate output", dump(outputs=[{"name": "x", "value": "a"}] * 2),
     "Duplicate output name 'x'. Output names must be unique."),
    ("output value not a string", dump(outputs=[{"name": "x", "value": 3}]),
     "Invalid value for output 'x'. The value must be a string."),
    ("output of a missing step", dump(outputs=[{"name": "ImageId", "value": "$.stepOutputs.Create.imageId"}]),
     "Output 'ImageId' references step 'Create' in '$.stepOutputs.Create.imageId', but no earlier "
     "step has that name."),
    ("output of a missing step output",
     dump(outputs=[{"name": "ImageId", "value": "$.stepOutputs.LaunchStep.imageId"}]),
     "Output 'ImageId' references output 'imageId' of step 'LaunchStep' in "
     "'$.stepOutputs.LaunchStep.imageId', but action 'LaunchInstance' has no such output. Its "
     "outputs are instanceId."),
]


@pytest.mark.parametrize(("text", "message"), [case[1:] for case in REJECTIONS],
                         ids=[case[0] for case in REJECTIONS])
def test_rejections(text: str, message: str) -> None:
    assert error_of(text) == message


def test_action_outside_its_stage() -> None:
    text = dump([LAUNCH, step(name="Copy", action="DistributeImage", inputs={})])
    assert parse_workflow_document(text, "DISTRIBUTION")
    assert error_of(text, "BUILD") == (
        "Action 'DistributeImage' in step 'Copy' is not supported in BUILD workflows. "
        "It is supported in DISTRIBUTION workflows.")
    text = dump([LAUNCH, step(name="Apply", action="ExecuteComponents")])
    assert error_of(text, "DISTRIBUTION") == (
        "Action 'ExecuteComponents' in step 'Apply' is not supported in DISTRIBUTION workflows. "
        "It is supported in BUILD, TEST workflows.")


def test_recursive_yaml_alias_is_refused() -> None:
    text = "schemaVersion: 1.0\nsteps:\n  - name: LaunchStep\n    action: LaunchInstance\n" \
           "    inputs: &loop\n      self: *loop\n"
    with pytest.raises(WorkflowDocumentError, match="an alias contains itself"):
        parse_workflow_document(text)


# -------------------------------------------------------------------------------------------
# Properties

@settings(max_examples=300)
@given(st.text(max_size=300))
def test_arbitrary_text_fails_only_with_workflow_document_error(text: str) -> None:
    try:
        parse_workflow_document(text)
    except WorkflowDocumentError:
        pass


step_names = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{2,20}", fullmatch=True)
parameter_values = {
    "string": st.text(max_size=10),
    "integer": st.integers(-10**6, 10**6),
    "boolean": st.booleans(),
    "stringList": st.lists(st.text(max_size=5), max_size=3),
}


@st.composite
def documents(draw: st.DrawFn) -> WorkflowDocument:
    parameter_names = draw(st.lists(st.from_regex(r"[a-z][A-Za-z0-9]{0,10}", fullmatch=True),
                                    unique=True, max_size=3))
    parameters = []
    for name in parameter_names:
        type_ = draw(st.sampled_from(sorted(parameter_values)))
        default = draw(st.none() | parameter_values[type_])
        description = draw(st.none() | st.text(min_size=1, max_size=20))
        parameters.append(WorkflowParameter(name, type_, default, description))
    names = draw(st.lists(step_names, min_size=1, max_size=15, unique=True))
    actions = sorted(set(ACTIONS) - {"DistributeContainerImage"})
    steps: list[WorkflowStep] = []
    for name in names:
        action = draw(st.sampled_from(actions))
        inputs: dict = {"note": draw(st.text(max_size=10).filter(lambda text: "{{" not in text))}
        launched = [earlier.name for earlier in steps if earlier.action == "LaunchInstance"]
        if launched:
            inputs["instanceId.$"] = f"$.stepOutputs.{draw(st.sampled_from(launched))}.instanceId"
        if parameter_names:
            inputs["setting.$"] = f"$.parameters.{draw(st.sampled_from(parameter_names))}"
        condition = draw(st.none() | st.just({"stringEquals": "AMI", "value": "$.imagebuilder.imageType"}))
        steps.append(WorkflowStep(
            name=name,
            action=action,
            on_failure=draw(st.sampled_from(["Abort", "Continue"])),
            rollback_enabled=draw(st.booleans()),
            timeout_seconds=draw(st.none() | st.integers(1, ACTIONS[action].max_timeout)),
            inputs=inputs,
            if_condition=condition,
        ))
    outputs = tuple({"name": f"out{index}", "value": f"$.stepOutputs.{step.name}.instanceId"}
                    for index, step in enumerate(steps) if step.action == "LaunchInstance")
    return WorkflowDocument(draw(st.none() | st.text(min_size=1, max_size=20)),
                            draw(st.none() | st.text(min_size=1, max_size=20)),
                            "1.0", tuple(parameters), tuple(steps), outputs)


def to_mapping(document: WorkflowDocument) -> dict:
    mapping: dict = {"schemaVersion": 1.0}
    for field in ("name", "description"):
        if getattr(document, field) is not None:
            mapping[field] = getattr(document, field)
    if document.parameters:
        mapping["parameters"] = [
            {key: value for key, value in (("name", p.name), ("type", p.type), ("default", p.default),
                                           ("description", p.description)) if value is not None}
            for p in document.parameters]
    mapping["steps"] = []
    for s in document.steps:
        item: dict = {"name": s.name, "action": s.action, "onFailure": s.on_failure,
                      "rollbackEnabled": s.rollback_enabled, "inputs": s.inputs}
        if s.timeout_seconds is not None:
            item["timeoutSeconds"] = s.timeout_seconds
        if s.if_condition is not None:
            item["if"] = s.if_condition
        mapping["steps"].append(item)
    if document.outputs:
        mapping["outputs"] = list(document.outputs)
    return mapping


@settings(max_examples=150)
@given(documents(), st.sampled_from(["yaml", "json"]))
def test_round_trip(document: WorkflowDocument, encoding: str) -> None:
    mapping = to_mapping(document)
    text = yaml.safe_dump(mapping) if encoding == "yaml" else json.dumps(mapping)
    assert parse_workflow_document(text) == document
