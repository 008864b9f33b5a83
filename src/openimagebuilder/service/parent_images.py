"""Image Builder images used as the parent of a recipe, at the recipe's creation and again at each
build's start: only AVAILABLE and DEPRECATED images can be. AWS documents that deprecated images
still build, that disabling an image "prevents Image Builder pipelines from running for this
image", and that a deleted image resource is removed; images still building, FAILED or CANCELLED
have no output to build on.

A version or wildcard reference (`.../1.x.x`) resolves to the newest usable build it matches, so a
failed, disabled or deleted newest build does not block a recipe that asks for "the latest"; an
exact build-version reference to an unusable image is refused with its state."""
from __future__ import annotations

from ..domain.arn import Arn
from ..domain.semver import parse_version
from ..protocol.errors import invalid_parameter
from ..store.repository import Resource
from .context import Context
from .resources import matching_builds, resolve

USABLE_AS_PARENT = frozenset({"AVAILABLE", "DEPRECATED"})


def image_status(image: Resource) -> str:
    return (image.document.get("state") or {}).get("status", "")


def usable_as_parent(image: Resource) -> bool:
    return image_status(image) in USABLE_AS_PARENT


def resolve_parent_image(ctx: Context, text: str, parameter: str) -> tuple[Resource, Arn]:
    """The image a parent reference names, usable as a parent; InvalidParameterValueException at
    `parameter` if it names none."""
    image, arn = resolve(ctx, text, parameter)
    if usable_as_parent(image):
        return image, arn
    if arn.build is None and arn.version is not None:  # a version or wildcard: the newest usable match
        usable = [build for build in matching_builds(ctx, arn, text, parameter, for_share=True)
                  if usable_as_parent(build)]
        if usable:
            return max(usable, key=lambda build: (parse_version(build.version), build.build)), arn
        raise invalid_parameter(parameter, f"No image that '{text}' matches can be used as a parent image: "
                                           "only AVAILABLE and DEPRECATED images can.")
    raise invalid_parameter(parameter, f"The image '{image.arn}' is {image_status(image)} and cannot be used as a "
                                       "parent image: only AVAILABLE and DEPRECATED images can.")
