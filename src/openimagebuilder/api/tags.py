"""TagResource, UntagResource, ListTagsForResource: tags live in each resource's document."""
from __future__ import annotations

from ..domain.arn import parse_arn
from ..protocol.generated import (
    InvalidParameterException,
    ListTagsForResourceRequest,
    ListTagsForResourceResponse,
    TagResourceRequest,
    TagResourceResponse,
    UntagResourceRequest,
    UntagResourceResponse,
)
from ..service.context import Context
from ..store.repository import Resource
from .common import not_found
from .registry import operation

MAX_TAGS = 50


def _taggable(ctx: Context, arn: str) -> Resource:
    parsed = parse_arn(arn)
    if parsed is not None and parsed.is_aws_managed:
        raise InvalidParameterException(
            f"The resource '{arn}' is managed by AWS and cannot be tagged.")
    resource = ctx.repo.get(arn, for_update=True)
    if resource is None:
        raise not_found(arn)
    return resource


@operation("ListTagsForResource")
def list_tags(ctx: Context, params: ListTagsForResourceRequest) -> ListTagsForResourceResponse:
    resource = ctx.repo.get(params["resourceArn"])
    if resource is None:
        raise not_found(params["resourceArn"])
    return {"tags": resource.document.get("tags") or {}}


@operation("TagResource")
def tag(ctx: Context, params: TagResourceRequest) -> TagResourceResponse:
    resource = _taggable(ctx, params["resourceArn"])
    tags = {**(resource.document.get("tags") or {}), **params["tags"]}
    if len(tags) > MAX_TAGS:
        raise InvalidParameterException(
            f"A resource can have at most {MAX_TAGS} tags; this request would leave {len(tags)}.")
    ctx.repo.replace_document(resource.arn, {**resource.document, "tags": tags})
    return {}


@operation("UntagResource")
def untag(ctx: Context, params: UntagResourceRequest) -> UntagResourceResponse:
    resource = _taggable(ctx, params["resourceArn"])
    removed = set(params["tagKeys"])
    tags = {key: value for key, value in (resource.document.get("tags") or {}).items() if key not in removed}
    ctx.repo.replace_document(resource.arn, {**resource.document, "tags": tags})
    return {}
