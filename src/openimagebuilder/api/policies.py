"""Resource policies: PutComponentPolicy / GetComponentPolicy, PutImagePolicy / GetImagePolicy,
PutImageRecipePolicy / GetImageRecipePolicy, PutContainerRecipePolicy / GetContainerRecipePolicy.

A policy shares one of the caller's own resources with other accounts (domain/policies.py checks
it); what it shares is found by those accounts' lookups (service/resources.py).
"""
from __future__ import annotations

from ..domain.arn import parse_arn
from ..domain.policies import PolicyError, parse_policy
from ..protocol.errors import invalid_parameter
from ..protocol.generated import (
    GetComponentPolicyRequest,
    GetComponentPolicyResponse,
    GetContainerRecipePolicyRequest,
    GetContainerRecipePolicyResponse,
    GetImagePolicyRequest,
    GetImagePolicyResponse,
    GetImageRecipePolicyRequest,
    GetImageRecipePolicyResponse,
    PutComponentPolicyRequest,
    PutComponentPolicyResponse,
    PutContainerRecipePolicyRequest,
    PutContainerRecipePolicyResponse,
    PutImagePolicyRequest,
    PutImagePolicyResponse,
    PutImageRecipePolicyRequest,
    PutImageRecipePolicyResponse,
    ResourceNotFoundException,
)
from ..service.context import Context
from ..store import policies
from ..store.repository import Resource
from .common import not_found
from .registry import operation


def _own(ctx: Context, arn_text: str, kind: str, for_update: bool = False) -> Resource:
    """One of the caller's own resources of `kind` by exact ARN (AWS-managed ones are not the
    caller's to share); ResourceNotFoundException otherwise."""
    arn = parse_arn(arn_text)
    if arn is None or arn.resource_type != kind or arn.owner != ctx.account_id:
        raise not_found(arn_text)
    resource = ctx.repo.get(arn_text, for_update=for_update)
    if resource is None:
        raise not_found(arn_text)
    return resource


def _put(ctx: Context, arn_text: str, text: str, kind: str) -> str:
    """Sets the policy of one of the caller's own resources of `kind`; its ARN."""
    resource = _own(ctx, arn_text, kind, for_update=True)
    try:
        policy = parse_policy(text, kind, resource.arn)
    except PolicyError as error:
        raise invalid_parameter("policy", error.message) from None
    policies.put_policy(ctx.repo, resource, policy.text, policy.grantees)
    return resource.arn


def _get(ctx: Context, arn_text: str, kind: str) -> str:
    """The policy of one of the caller's own resources of `kind`."""
    resource = _own(ctx, arn_text, kind)
    policy = policies.get_policy(ctx.repo, resource.arn)
    if policy is None:
        raise ResourceNotFoundException(
            f"The resource ARN '{resource.arn}' does not have a policy.")
    return policy


@operation("PutComponentPolicy")
def put_component_policy(ctx: Context, params: PutComponentPolicyRequest) -> PutComponentPolicyResponse:
    return {"componentArn": _put(ctx, params["componentArn"], params["policy"], "component")}


@operation("GetComponentPolicy")
def get_component_policy(ctx: Context, params: GetComponentPolicyRequest) -> GetComponentPolicyResponse:
    return {"policy": _get(ctx, params["componentArn"], "component")}


@operation("PutImagePolicy")
def put_image_policy(ctx: Context, params: PutImagePolicyRequest) -> PutImagePolicyResponse:
    return {"imageArn": _put(ctx, params["imageArn"], params["policy"], "image")}


@operation("GetImagePolicy")
def get_image_policy(ctx: Context, params: GetImagePolicyRequest) -> GetImagePolicyResponse:
    return {"policy": _get(ctx, params["imageArn"], "image")}


@operation("PutImageRecipePolicy")
def put_image_recipe_policy(ctx: Context, params: PutImageRecipePolicyRequest) -> PutImageRecipePolicyResponse:
    return {"imageRecipeArn": _put(ctx, params["imageRecipeArn"], params["policy"], "image-recipe")}


@operation("GetImageRecipePolicy")
def get_image_recipe_policy(ctx: Context, params: GetImageRecipePolicyRequest) -> GetImageRecipePolicyResponse:
    return {"policy": _get(ctx, params["imageRecipeArn"], "image-recipe")}


@operation("PutContainerRecipePolicy")
def put_container_recipe_policy(ctx: Context,
                                params: PutContainerRecipePolicyRequest) -> PutContainerRecipePolicyResponse:
    return {"containerRecipeArn": _put(ctx, params["containerRecipeArn"], params["policy"], "container-recipe")}


@operation("GetContainerRecipePolicy")
def get_container_recipe_policy(ctx: Context,
                                params: GetContainerRecipePolicyRequest) -> GetContainerRecipePolicyResponse:
    return {"policy": _get(ctx, params["containerRecipeArn"], "container-recipe")}
