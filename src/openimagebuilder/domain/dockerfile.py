"""A container recipe's Dockerfile template, rendered and split where the components run.

AWS's contextual variables (user guide, "Create a container recipe"):
- `{{{ imagebuilder:parentImage }}}` (required): resolves to the recipe's base image;
- `{{{ imagebuilder:environments }}}` (required if the recipe has components): AWS puts directives
  there that copy the component scripts into the image and set their environment variables; it
  runs nothing;
- `{{{ imagebuilder:components }}}` (optional): the command that runs the components, then removes
  their scripts from the image.

oib runs components with its own AWSTOE runner from outside the container, so nothing has to be
staged inside the image: `environments` renders to nothing. `components` is where the build is
split: the part before it is built with `buildah bud` (FROM the parent), the components run in a
working container from that image, the container is committed, and the part after it is built
with `FROM <the committed image>`. Pure: no I/O.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

PLACEHOLDER = re.compile(r"\{\{\{\s*imagebuilder:([A-Za-z0-9_-]*)\s*\}\}\}")
PARENT_IMAGE, ENVIRONMENTS, COMPONENTS = "parentImage", "environments", "components"
KNOWN = (PARENT_IMAGE, ENVIRONMENTS, COMPONENTS)
_FROM = re.compile(r"^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?\s*$", re.IGNORECASE)
_COPY_FROM = re.compile(r"--from=(\S+)", re.IGNORECASE)


class TemplateError(ValueError):
    """The template cannot be built as written; the message says why (it becomes the FAILED reason)."""


@dataclass(frozen=True)
class SplitDockerfile:
    """`before` builds the image the components run in; `after` (None: nothing left to build)
    is the rest of the template, to build FROM the committed working container."""
    before: str
    after: str | None
    runs_components: bool

    def after_from(self, image: str) -> str | None:
        """The part after the components, as a Dockerfile of its own on top of `image`."""
        return None if self.after is None else f"FROM {image}\n{self.after}"


def render(template: str, parent_image: str, *, has_components: bool) -> SplitDockerfile:
    """Substitutes the contextual variables and splits the template at `components`.

    TemplateError when: an unknown `imagebuilder:` variable is used (AWS has only these three);
    `parentImage` is missing (documented as required); the recipe has components but the template
    has no `components` variable (they would never run) or uses it more than once, or not on a
    line of its own (it stands for Dockerfile instructions); the part after it refers to a build
    stage named before it (stages do not survive the split)."""
    names = [match.group(1) for match in PLACEHOLDER.finditer(template)]
    unknown = sorted({name for name in names if name not in KNOWN})
    if unknown:
        raise TemplateError("The Dockerfile template uses unknown contextual variables: "
                            + ", ".join(f"{{{{{{ imagebuilder:{name} }}}}}}" for name in unknown)
                            + f" (known: {', '.join(KNOWN)}).")
    if PARENT_IMAGE not in names:
        raise TemplateError("The Dockerfile template has no {{{ imagebuilder:parentImage }}} variable "
                            "(required: it is where the recipe's parentImage goes).")
    count = names.count(COMPONENTS)
    if count > 1:
        raise TemplateError("The Dockerfile template uses {{{ imagebuilder:components }}} "
                            f"{count} times; the components run once.")
    if has_components and count == 0:
        raise TemplateError("The recipe has components but its Dockerfile template has no "
                            "{{{ imagebuilder:components }}} variable, so they would never run.")
    lines = template.splitlines()
    split_at = next((i for i, line in enumerate(lines) if _names(line).count(COMPONENTS)), None)
    if split_at is not None and PLACEHOLDER.fullmatch(lines[split_at].strip()) is None:
        raise TemplateError("{{{ imagebuilder:components }}} must stand on a line of its own in the "
                            f"Dockerfile template (line {split_at + 1}: '{lines[split_at].strip()}').")
    if split_at is not None and split_at > 0 and lines[split_at - 1].rstrip().endswith("\\"):
        raise TemplateError("{{{ imagebuilder:components }}} continues the instruction on line "
                            f"{split_at} of the Dockerfile template; it must stand on its own.")

    def substitute(text: str) -> str:
        return PLACEHOLDER.sub(lambda m: parent_image if m.group(1) == PARENT_IMAGE else "", text)

    if split_at is None:
        return SplitDockerfile(substitute(template), None, False)
    before = substitute("\n".join(lines[:split_at])) + "\n"
    rest = substitute("\n".join(lines[split_at + 1:]))
    stages = {name.lower() for name in _stage_names(before)}
    for match in _COPY_FROM.finditer(rest):
        if match.group(1).lower() in stages:
            raise TemplateError(f"The Dockerfile template refers to build stage '{match.group(1)}' after "
                                "{{{ imagebuilder:components }}}; stages named before the components "
                                "are not available after them.")
    return SplitDockerfile(before, rest + "\n" if _has_instructions(rest) else None, True)


def _names(line: str) -> list[str]:
    return [match.group(1) for match in PLACEHOLDER.finditer(line)]


def _stage_names(text: str) -> list[str]:
    return [match.group(2) for line in text.splitlines() if (match := _FROM.match(line)) and match.group(2)]


def _has_instructions(text: str) -> bool:
    """Anything but blank lines and comments (parser directives only count at the very top)."""
    return any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines())


@dataclass(frozen=True)
class RecipeOptions:
    """The container recipe members that change how a build runs, checked before anything is built."""
    working_directory: str | None
    os_version: str | None         # imageOsVersionOverride: what CollectImageMetadata reports
    notes: tuple[str, ...]         # members accepted but without effect here, said in the build log


def recipe_options(recipe: dict) -> RecipeOptions:
    """TemplateError naming the member when the recipe asks for something these builds cannot do."""
    if recipe.get("dockerfileTemplateUri") and not recipe.get("dockerfileTemplateData"):
        raise TemplateError(
            f"dockerfileTemplateUri '{recipe['dockerfileTemplateUri']}': Dockerfile templates in S3 are not "
            "supported yet (oib has no S3 endpoint setting); give the template in dockerfileTemplateData.")
    platform = recipe.get("platformOverride") or recipe.get("platform") or "Linux"
    if platform != "Linux":
        raise TemplateError(f"platformOverride '{platform}': only Linux containers are built here.")
    working = recipe.get("workingDirectory")
    if working is not None and not str(working).startswith("/"):
        raise TemplateError(f"workingDirectory '{working}' is not an absolute path in the container.")
    notes = []
    if recipe.get("instanceConfiguration"):
        notes.append("instanceConfiguration describes the EC2 instance AWS builds containers on; here they are "
                     "built on the worker's host with buildah, so it has no effect.")
    if recipe.get("kmsKeyId"):
        notes.append("kmsKeyId: the local registry does not encrypt images; the key is not used.")
    return RecipeOptions(working or None, recipe.get("imageOsVersionOverride") or None, tuple(notes))
