"""Operation name → handler (handler modules register themselves with @operation), and the
operations that only read."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..service.context import Context

Handler = Callable[[Context, dict[str, Any]], dict[str, Any]]

HANDLERS: dict[str, Handler] = {}


def operation(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if name in HANDLERS:
            raise RuntimeError(f"two handlers for {name}")
        HANDLERS[name] = handler
        return handler
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
