"""Resource policies: PutComponentPolicy / GetComponentPolicy, PutImagePolicy / GetImagePolicy,
PutImageRecipePolicy / GetImageRecipePolicy, PutContainerRecipePolicy / GetContainerRecipePolicy.

A policy shares one of the caller's own resources with other accounts (domain/policies.py checks
it); what it shares is found by those accounts' lookups (service/resources.py).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..domain.arn import parse_arn
from ..domain.policies import PolicyError, parse_policy
from ..protocol.errors import invalid_parameter
from ..protocol.generated import ResourceNotFoundException
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


def _put(ctx: Context, params: Mapping[str, Any], member: str, kind: str) -> dict[str, Any]:
    resource = _own(ctx, params[member], kind, for_update=True)
    try:
        policy = parse_policy(params["policy"], kind, resource.arn)
    except PolicyError as error:
        raise invalid_parameter("policy", error.message) from None
    policies.put_policy(ctx.repo, resource, policy.text, policy.grantees)
    return {member: resource.arn}


def _get(ctx: Context, params: Mapping[str, Any], member: str, kind: str) -> dict[str, Any]:
    resource = _own(ctx, params[member], kind)
    policy = policies.get_policy(ctx.repo, resource.arn)
    if policy is None:
        raise ResourceNotFoundException(
            f"The resource ARN '{resource.arn}' does not have a policy.")
    return {"policy": policy}


# (the model's type word in the operation names, the ARN member, the ARN resource type)
SHAREABLE = (("Component", "componentArn", "component"), ("Image", "imageArn", "image"),
             ("ImageRecipe", "imageRecipeArn", "image-recipe"),
             ("ContainerRecipe", "containerRecipeArn", "container-recipe"))


def _register(word: str, member: str, kind: str) -> None:
    operation(f"Put{word}Policy")(lambda ctx, params: _put(ctx, params, member, kind))
    operation(f"Get{word}Policy")(lambda ctx, params: _get(ctx, params, member, kind))


for _word, _member, _kind in SHAREABLE:
    _register(_word, _member, _kind)
