"""Operation name → handler (handler modules register themselves with @operation), and the
operations that only read."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from ..service.context import Context
from ..service.s3_inputs import S3Inputs

# How the dispatcher calls a handler: the parsed request in, the response members out.
Handler = Callable[[Context, dict[str, Any]], dict[str, Any]]
# How a handler is written: with the operation's request and response types from
# protocol/generated.py (TypedDicts, which are plain dicts at run time).
TypedHandler = TypeVar("TypedHandler", bound=Callable[[Context, Any], Mapping[str, Any]])

HANDLERS: dict[str, Handler] = {}
# Work a request's handler will need that is CPU-heavy (parsing a document), done before it on a
# handler thread, off the event loop and outside any transaction: a preparer computes and keeps
# what the handler then finds ready (a bounded memo of the pure parse). Its failures are not
# raised here; the handler meets them again and answers them.
Preparer = Callable[[Mapping[str, Any], S3Inputs], None]
PREPARERS: dict[str, Preparer] = {}


def operation(name: str) -> Callable[[TypedHandler], TypedHandler]:
    def register(handler: TypedHandler) -> TypedHandler:
        if name in HANDLERS:
            raise RuntimeError(f"two handlers for {name}")
        HANDLERS[name] = cast(Handler, handler)
        return handler
    return register


def prepares(name: str) -> Callable[[Preparer], Preparer]:
    def register(preparer: Preparer) -> Preparer:
        PREPARERS[name] = preparer
        return preparer
    return register


# The operations that change nothing: they run in a read transaction (on SQLite, outside the shared
# write transaction). The model does not say which these are, so they are listed; a unit test checks
# the list against what the model does say (every GET is here; nothing here takes a client token).
READ_ONLY_OPERATIONS = frozenset({
    "GetComponent",
    "GetComponentPolicy",
    "GetContainerRecipe",
    "GetContainerRecipePolicy",
    "GetDistributionConfiguration",
    "GetImage",
    "GetImagePipeline",
    "GetImagePolicy",
    "GetImageRecipe",
    "GetImageRecipePolicy",
    "GetInfrastructureConfiguration",
    "GetLifecycleExecution",
    "GetLifecyclePolicy",
    "GetMarketplaceResource",
    "GetWorkflow",
    "GetWorkflowExecution",
    "GetWorkflowStepExecution",
    "ListComponentBuildVersions",
    "ListComponents",
    "ListContainerRecipes",
    "ListDistributionConfigurations",
    "ListImageBuildVersions",
    "ListImagePackages",
    "ListImagePipelineImages",
    "ListImagePipelines",
    "ListImageRecipes",
    "ListImageScanFindingAggregations",
    "ListImageScanFindings",
    "ListImages",
    "ListInfrastructureConfigurations",
    "ListLifecycleExecutionResources",
    "ListLifecycleExecutions",
    "ListLifecyclePolicies",
    "ListTagsForResource",
    "ListWaitingWorkflowSteps",
    "ListWorkflowBuildVersions",
    "ListWorkflowExecutions",
    "ListWorkflowStepExecutions",
    "ListWorkflows",
})
