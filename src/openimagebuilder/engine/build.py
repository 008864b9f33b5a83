"""Advancing one image build. A build is a durable state machine in the store: each call here
runs inside one short transaction, reads where the build is, does the next things (start a step,
record a step's result, move to the next stage, finish the image) and records them. A step's
action itself never runs here: when one is due, the state machine records it as the plan's `work`
and stops; the worker runs it outside any transaction and calls back with its result. A crash
between calls loses nothing; the next call picks up where the last committed one left off.

Image states follow AWS: PENDING → CREATING → BUILDING → TESTING → DISTRIBUTING → INTEGRATING →
AVAILABLE, or FAILED / CANCELLED.
"""
from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import orjson

from ..domain.clock import format_date
from ..domain.workflow_document import ACTIONS, parsed_workflow_document
from ..store.executions import Execution, ExecutionRepository, Job
from ..store.repository import Repository, Resource
from ..store.schedules import advance_schedule
from .backend import Backend, BuildContext, StepResult
from .expressions import evaluate_condition, lookup, resolve_inputs
from .plan import BuildPlan, Stage, StepWork

TERMINAL_WORKFLOW = frozenset({"COMPLETED", "FAILED", "CANCELLED", "SKIPPED"})
WAIT_SECONDS = 7 * 24 * 3600      # WaitForAction's documented maximum; the step is woken by a user
FAILED_PIPELINE_RUNS_BEFORE_DISABLE = 5  # documented default without an autoDisablePolicy
# Bounds one advance's changes (each one a step, a stage or an image status): a safeguard, far above
# what a build's workflows (at most 15 steps each) can make due at one moment.
MAX_CHANGES_PER_ADVANCE = 200
# Step actions with a rollback (the user guide's step action reference).
ROLLBACK_ACTIONS = frozenset({"LaunchInstance", "CollectImageMetadata", "CreateImage", "RegisterImage",
                              "CreateImageFromIso"})


class BuildStep:
    """One advance of one build, inside the caller's transaction. `result` is the outcome of the
    plan's `work`, when the worker that ran it calls back."""

    def __init__(self, repo: Repository, executions: ExecutionRepository, backend: Backend, job: Job,
                 plan: BuildPlan, now: datetime, worker: str = "", result: StepResult | None = None) -> None:
        self.repo, self.executions, self.backend = repo, executions, backend
        self.job, self.plan = job, plan
        self.now = now
        self.epoch = now.timestamp()
        self.stamp = format_date(now)
        self.worker = worker
        self.result = result
        self.log: list[str] = []
        self.finished = False
        self.found = repo.get(job.image_arn, for_update=True)  # None: deleted while building

    @property
    def image(self) -> Resource:
        assert self.found is not None  # advance() goes no further when the image is gone
        return self.found

    # -- entry point ---------------------------------------------------------------------------
    def advance(self) -> None:
        if self.found is None:  # deleted while building
            self.executions.finish_job(self.job.image_arn)
            return
        try:
            # Everything that is due now happens in this one transaction (a step's start, its
            # skip, the next stage, ...), up to a step's work, a wait, or the end of the build.
            for _ in range(MAX_CHANGES_PER_ADVANCE):
                self._advance()
                if self.plan.work is not None or self.finished or self.job.due_at > self.epoch:
                    break
        finally:
            self.executions.append_log(self.plan.log_group, self.job.image_arn, self.stamp, self.log)

    def _advance(self) -> None:
        status = self._status()
        if self.job.cancel_requested:
            self.plan.work = None
            self._cancel()
            return
        if status == "PENDING":
            self._set_status("CREATING")
            self._schedule(self.epoch + self._pacing())
            return
        stages = self.plan.stages
        if self.plan.stage >= len(stages):
            if status != "INTEGRATING":
                self._set_status("INTEGRATING")
                self._schedule(self.epoch + self._pacing())
            else:
                self._finish("AVAILABLE")
            return
        self._advance_stage(stages[self.plan.stage])

    # -- stages ----------------------------------------------------------------------------------
    def _advance_stage(self, stage: Stage) -> None:
        if self._status() != stage.status:
            self._set_status(stage.status)
        if stage.status == "TESTING" and self._tests_timed_out():
            return
        workflows = [self.executions.workflow_execution(wid) for wid in stage.workflows]
        running = [w for w in workflows if w and w.document["status"] == "RUNNING"]
        for workflow in workflows:
            if workflow and workflow.document["status"] == "PENDING" and len(running) < stage.limit:
                self._start_workflow(workflow)
                running.append(workflow)
        work = self.plan.work
        if work is not None:  # the result of the step that ran comes first
            for workflow in running:
                if workflow.id == work.workflow_id:
                    self._advance_workflow(workflow)
        for workflow in running:
            # A workflow moves on while it is due: a finished step's successor starts, a skipped
            # step's successor too, until a step has work to run, waits, or the workflow ends.
            for _ in range(MAX_CHANGES_PER_ADVANCE):
                if (self.plan.work is not None or _aborting(workflows) or workflow.document["status"] != "RUNNING"
                        or workflow.document["dueAt"] > self.epoch):
                    break
                self._advance_workflow(workflow)
        aborting = _aborting(workflows)
        if aborting:
            # An ABORT failure fails the image at once: workflows still running in this stage are
            # cancelled, those not started (here and in later stages) are skipped.
            self._fail(aborting[0])
            return
        if self.plan.work is not None:
            return  # one step's work at a time: it runs now, the others wait their turn
        if all(w is None or w.document["status"] in TERMINAL_WORKFLOW for w in workflows):
            self.plan.stage += 1
            self._schedule(self.epoch)
            return
        due = [w.document["dueAt"] for w in workflows if w and w.document["status"] == "RUNNING"]
        if due and stage.status == "TESTING" and self.plan.tests_deadline is not None:
            due.append(self.plan.tests_deadline)  # wake at the deadline even if every test waits
        self._schedule(min(due) if due else self.epoch)

    def _tests_timed_out(self) -> bool:
        """The image's tests may run `imageTestsConfiguration.timeoutMinutes` in all (documented);
        past that, the image fails."""
        minutes = (self.image.document.get("imageTestsConfiguration") or {}).get("timeoutMinutes") or 720
        if self.plan.tests_deadline is None:
            self.plan.tests_deadline = self.epoch + minutes * 60
        if self.epoch < self.plan.tests_deadline:
            return False
        self.plan.work = None
        self._close_workflows(not_started="SKIPPED")
        self._finish("FAILED", f"The image tests did not finish within {minutes} minutes (timeoutMinutes).",
                     {"imageStatus": "TESTING"})
        return True

    # -- workflows -------------------------------------------------------------------------------
    def _start_workflow(self, workflow: Execution) -> None:
        workflow.document.update(status="RUNNING", startTime=self.stamp, dueAt=self.epoch)
        self.executions.save_workflow_execution(workflow)
        self.log.append(f"Workflow {workflow.document['workflowBuildVersionArn']} ({workflow.id}) started.")

    def _advance_workflow(self, workflow: Execution) -> None:
        doc = workflow.document
        steps = self.executions.step_executions(workflow.id)
        if doc["pointer"] >= len(steps):
            self._end_workflow(workflow, steps, "COMPLETED")
            return
        step = steps[doc["pointer"]]
        if step.document["status"] == "PENDING":
            self._start_step(workflow, step)
        else:
            self._finish_step(workflow, step, steps)
        self.executions.save_workflow_execution(workflow)

    def _variables(self, workflow: Execution) -> dict[str, Any]:
        image = self.image.document
        return {
            "parameters": workflow.document["parameters"],
            "stepOutputs": workflow.document["stepOutputs"],
            "workflowOutputs": self.plan.workflow_outputs,
            "imagebuilder": {
                "imageType": self.plan.image_type, "platform": image.get("platform"),
                "collectImageMetadata": image.get("enhancedImageMetadataEnabled", True),
                "collectImageScanFindings": bool(
                    (image.get("imageScanningConfiguration") or {}).get("imageScanningEnabled")),
                "imageBuildVersionArn": self.job.image_arn, "osVersion": image.get("osVersion"),
                "region": self.job.region, "accountId": self.job.account_id,
            },
        }

    def _start_step(self, workflow: Execution, step: Execution) -> None:
        doc = step.document
        variables = self._variables(workflow)
        if doc.get("if") and not evaluate_condition(doc["if"], variables):
            doc.update(status="SKIPPED", startTime=self.stamp, endTime=self.stamp,
                       message="Skipped: the step's if condition is false.")
            workflow.document["totalStepsSkipped"] += 1
            workflow.document["pointer"] += 1
            workflow.document["dueAt"] = self.epoch
            self.executions.save_step_execution(step)
            self.log.append(f"Step {doc['name']} skipped (condition false).")
            return
        inputs = resolve_inputs(doc.get("rawInputs") or {}, variables)
        doc.update(status="RUNNING", startTime=self.stamp, inputs=orjson.dumps(inputs).decode())
        if doc["action"] == "WaitForAction":
            step.waiting = True
            workflow.document["dueAt"] = self.epoch + (doc.get("timeoutSeconds") or WAIT_SECONDS)
            self.log.append(f"Step {doc['name']} is waiting for an action (SendWorkflowStepAction).")
        else:
            workflow.document["dueAt"] = self.epoch + self._pacing()
            self.log.append(f"Step {doc['name']} ({doc['action']}) started.")
        self.executions.save_step_execution(step)

    def _finish_step(self, workflow: Execution, step: Execution, steps: list[Execution]) -> None:
        doc = step.document
        if step.waiting:
            result = self._waited(doc)
            if result is None:
                return  # still waiting; woken again by SendWorkflowStepAction or the timeout
            step.waiting = False
        else:
            result = self._work_result(workflow, step)
            if result is None:
                return  # its work runs now, outside this transaction
        self.log.extend(result.log)
        doc["endTime"] = self.stamp
        wdoc = workflow.document
        wdoc["dueAt"] = self.epoch
        if result.succeeded:
            self._record_effects(doc["action"], result)
            doc.update(status="COMPLETED", outputs=orjson.dumps(result.outputs).decode())
            wdoc["stepOutputs"][doc["name"]] = result.outputs
            wdoc["totalStepsSucceeded"] += 1
            wdoc["pointer"] += 1
            self.log.append(f"Step {doc['name']} completed.")
            self.executions.save_step_execution(step)
            return
        doc.update(status="FAILED", message=result.message)
        if result.outputs:
            doc["outputs"] = orjson.dumps(result.outputs).decode()
        wdoc["totalStepsFailed"] += 1
        failure: dict[str, Any] = {"stepExecutionId": step.id, "failedStep": doc["name"]}
        if result.component_failure:
            failure["componentFailure"] = result.component_failure
        self.executions.save_step_execution(step)
        self.log.append(f"Step {doc['name']} failed: {result.message}")
        if doc.get("onFailure") == "Continue":
            wdoc["pointer"] += 1
            return
        wdoc["message"] = f"Step {doc['name']} failed: {result.message}"
        wdoc["failure"] = failure  # not an API member: becomes the image's state.failureContext
        self._end_workflow(workflow, steps, "FAILED")

    def _waited(self, doc: dict[str, Any]) -> StepResult | None:
        decision = doc.get("decision")
        if decision == "RESUME":
            return StepResult(True, {"action": "RESUME", "reason": doc.get("decisionReason", "")})
        if decision == "STOP":
            return StepResult(False, {"action": "STOP"}, f"Stopped by SendWorkflowStepAction: {doc.get('decisionReason', '')}")
        started = datetime.fromisoformat(doc["startTime"].replace("Z", "+00:00")).timestamp()
        if self.epoch >= started + (doc.get("timeoutSeconds") or WAIT_SECONDS):
            return StepResult(False, {}, "The step timed out waiting for an action.")
        return None

    def _end_workflow(self, workflow: Execution, steps: list[Execution], status: str) -> None:
        wdoc = workflow.document
        if status == "FAILED":
            for step in steps[wdoc["pointer"] + 1:]:
                if step.document["status"] == "PENDING":
                    step.document.update(status="SKIPPED")
                    wdoc["totalStepsSkipped"] += 1
                    self.executions.save_step_execution(step)
            self._roll_back(workflow, steps, failed=True)
        elif status == "COMPLETED":
            self._record_outputs(workflow)
        wdoc.update(status=status, endTime=self.stamp)
        self.executions.save_workflow_execution(workflow)
        self.log.append(f"Workflow {wdoc['workflowBuildVersionArn']} ({workflow.id}) {status.lower()}.")

    def _record_outputs(self, workflow: Execution) -> None:
        """The workflow document's `outputs`, visible to later workflows as `$.workflowOutputs.<name>`
        (e.g. build-container's InstanceId, which distribute-container terminates)."""
        document = parsed_workflow_document(workflow.document["data"])
        if not document.outputs:
            return
        variables = self._variables(workflow)
        outputs = self.plan.workflow_outputs
        for output in document.outputs:
            value = output["value"]
            outputs[output["name"]] = lookup(value, variables) if value.startswith("$.") else value

    def _roll_back(self, workflow: Execution, steps: list[Execution], failed: bool) -> None:
        """Completed steps whose action has a rollback are rolled back in reverse order (a launched
        instance is terminated, a created image deregistered), unless the step's rollbackEnabled
        is false — or, after a failure, the infrastructure configuration keeps instances
        (terminateInstanceOnFailure false)."""
        keep_instances = failed and (self.image.document.get("infrastructureConfiguration") or {}).get(
            "terminateInstanceOnFailure") is False
        variables = self._variables(workflow)
        for step in reversed(steps):
            doc = step.document
            if doc["status"] != "COMPLETED" or doc["action"] not in ROLLBACK_ACTIONS:
                continue
            enabled = doc.get("rollbackEnabled", True)
            if isinstance(enabled, str):  # a JSONPath, e.g. to a boolean workflow parameter
                value = lookup(enabled, variables)
                enabled = value is True or str(value).lower() == "true"
            if doc["action"] == "LaunchInstance" and keep_instances:
                enabled = False
            doc["rollbackStatus"] = "COMPLETED" if enabled else "SKIPPED"
            self.executions.save_step_execution(step)

    # -- actions ---------------------------------------------------------------------------------
    def context(self) -> BuildContext:
        image = self.image.document
        return BuildContext(
            image_arn=self.job.image_arn, image_name=image.get("name", ""), platform=image.get("platform") or "Linux",
            image_type=self.plan.image_type, region=self.job.region, account_id=self.job.account_id,
            distribution_regions=tuple(self.plan.distribution_regions), tags=image.get("tags") or {}, image=image)

    def _work_result(self, workflow: Execution, step: Execution) -> StepResult | None:
        """The result of the step's work when it has run; otherwise the work is handed to the
        worker (None)."""
        work = self.plan.work
        if work is not None and work.step_id == step.id:
            self.plan.work = None
            if self.result is not None:
                return self.result
            return StepResult(False, {}, "The step's work ended without a result.")
        doc = step.document
        timeout = doc.get("timeoutSeconds") or ACTIONS[doc["action"]].max_timeout
        self.plan.work = StepWork(
            step_id=step.id, workflow_id=workflow.id, step_name=doc["name"], action=doc["action"],
            workflow_type=workflow.document["type"], inputs=orjson.loads(doc.get("inputs") or "{}"),
            timeout_seconds=float(timeout), started_at=time.time(), worker=self.worker)
        return None

    def _record_effects(self, action: str, result: StepResult) -> None:
        """What a succeeded action changes in the build, beyond its step's outputs."""
        if action == "CollectImageMetadata":
            # Kept on the image (not an API member of Image) for ListImagePackages.
            self.image.document["packages"] = result.outputs.pop("packages", [])
            self.image.document["osVersion"] = result.outputs.get("osVersion")
            self.repo.replace_document(self.image.arn, self.image.document)
        elif action in ("CreateImage", "RegisterImage", "CreateImageFromIso"):
            self.plan.image_id = result.outputs.get("imageId")
        elif action in ("DistributeImage", "DistributeContainerImage"):
            self.plan.distributed = {key: value for key, value in result.outputs.items()
                                     if key in ("distributedImages", "containers")}
            if action == "DistributeContainerImage":
                result.outputs = {key: value for key, value in result.outputs.items()
                                  if key in ACTIONS[action].outputs}

    # -- the image -------------------------------------------------------------------------------
    def _status(self) -> str:
        return self.image.document["state"]["status"]

    def _set_status(self, status: str, reason: str | None = None,
                    failure_context: dict[str, Any] | None = None) -> None:
        state: dict[str, Any] = {"status": status}
        if reason:
            state["reason"] = reason
        if failure_context:
            state["failureContext"] = failure_context
        self.image.document["state"] = state
        self.repo.replace_document(self.image.arn, self.image.document)
        self.log.append(f"Image status: {status}" + (f" ({reason})" if reason else ""))
        self._record_pipeline_status(status)

    def _schedule(self, due_at: float) -> None:
        self.job.due_at = due_at

    def _pacing(self) -> float:
        return self.backend.pacing_seconds(self.context())

    def _cancel(self) -> None:
        self._close_workflows(not_started="CANCELLED")
        self._finish("CANCELLED", "The image build was cancelled (CancelImageCreation).")

    def _fail(self, workflow: Execution) -> None:
        wdoc = workflow.document
        context = {"imageStatus": self._status(), "workflowExecutionId": workflow.id,
                   "workflowArn": wdoc["workflowBuildVersionArn"], **(wdoc.get("failure") or {})}
        self._close_workflows(not_started="SKIPPED")
        self._finish("FAILED", f"Workflow {workflow.id} failed: {wdoc.get('message', '')}", context)

    def _close_workflows(self, not_started: str) -> None:
        """Ends every workflow of the build that has not ended: running ones (and their open steps)
        are cancelled, with their completed steps rolled back; those never started become
        `not_started` (CANCELLED or SKIPPED), and so do their steps."""
        for stage in self.plan.stages:
            for workflow_id in stage.workflows:
                workflow = self.executions.workflow_execution(workflow_id)
                if workflow is None or workflow.document["status"] in TERMINAL_WORKFLOW:
                    continue
                wdoc = workflow.document
                started = wdoc["status"] != "PENDING"
                steps = self.executions.step_executions(workflow_id)
                for step in steps:
                    if step.document["status"] not in ("PENDING", "RUNNING"):
                        continue
                    status = "CANCELLED" if started else not_started
                    step.document["status"] = status
                    if status == "SKIPPED":
                        wdoc["totalStepsSkipped"] += 1
                    else:
                        step.document.setdefault("endTime", self.stamp)
                    step.waiting = False
                    self.executions.save_step_execution(step)
                if started:
                    self._roll_back(workflow, steps, failed=not_started == "SKIPPED")
                    wdoc.update(status="CANCELLED", endTime=self.stamp)
                else:
                    wdoc["status"] = not_started
                self.executions.save_workflow_execution(workflow)
                self.log.append(f"Workflow {wdoc['workflowBuildVersionArn']} ({workflow.id}) {wdoc['status'].lower()}.")

    def _finish(self, status: str, reason: str | None = None, failure_context: dict[str, Any] | None = None) -> None:
        if status == "AVAILABLE":
            self.image.document["outputResources"] = self._output_resources()
        self._set_status(status, reason, failure_context)
        self.plan.work = None
        self.finished = True
        self.executions.finish_job(self.job.image_arn)
        self._record_pipeline_run(status)

    def _output_resources(self) -> dict[str, Any]:
        return self.backend.output_resources(self.context(), self.plan.image_id, self.plan.distributed)

    def _source_pipeline(self) -> Resource | None:
        """The pipeline that started this build, if it still exists (not one deleted and created
        again under the same name since)."""
        arn = self.image.document.get("sourcePipelineArn")
        pipeline = self.repo.get(arn, for_update=True) if arn else None
        if pipeline is None or pipeline.document.get("dateCreated", "") > self.image.document.get("dateCreated", ""):
            return None
        return pipeline

    def _record_pipeline_status(self, status: str) -> None:
        """lastRunStatus: "the status of the last image that this pipeline built" (documented), so
        it follows the pipeline's newest build through its states; older builds leave it alone."""
        pipeline = self._source_pipeline()
        if pipeline is None:
            return
        last = pipeline.document.get("lastImageArn")  # set when a run starts (api/builds.py)
        if last != self.image.arn if last else pipeline.document.get("dateLastRun") != self.image.document["dateCreated"]:
            return
        if pipeline.document.get("lastRunStatus") != status:
            self.repo.replace_document(pipeline.arn, {**pipeline.document, "lastRunStatus": status})

    def _record_pipeline_run(self, status: str) -> None:
        """Consecutive failures of scheduled runs (documented): a failed scheduled run counts one
        more, and the pipeline is disabled at the limit; any successful run resets the count; a
        failed manual run leaves it as it is."""
        pipeline = self._source_pipeline()
        if pipeline is None:
            return
        arn, document = pipeline.arn, dict(pipeline.document)
        if status == "AVAILABLE":
            document["consecutiveFailures"] = 0
        elif status == "FAILED" and self.image.document.get("buildType") == "SCHEDULED":
            failures = int(document.get("consecutiveFailures") or 0) + 1
            document["consecutiveFailures"] = failures
            policy = (document.get("schedule") or {}).get("autoDisablePolicy") or {}
            if failures >= int(policy.get("failureCount") or FAILED_PIPELINE_RUNS_BEFORE_DISABLE) \
                    and document.get("status") == "ENABLED":
                # Disabled: no next run, neither in the document nor in the scheduler's index.
                document["status"] = "DISABLED"
                document.pop("dateNextRun", None)
                advance_schedule(self.repo.connection, arn, None)
                message = f"Pipeline {arn} disabled after {failures} consecutive failed scheduled runs."
                self.log.append(message)
                group = (document.get("loggingConfiguration") or {}).get("pipelineLogGroupName") \
                    or f"/aws/imagebuilder/pipeline/{document['name']}"
                self.executions.append_log(group, arn, self.stamp, [message])
        else:
            return
        self.repo.replace_document(arn, document)


def _aborting(workflows: list[Execution | None]) -> list[Execution]:
    """Failed workflows whose failure fails the image (all but test workflows that CONTINUE)."""
    return [w for w in workflows if w and w.document["status"] == "FAILED"
            and (w.document["type"] != "TEST" or w.document.get("onFailure") != "CONTINUE")]

