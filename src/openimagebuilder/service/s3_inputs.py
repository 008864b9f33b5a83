"""Request members that name an S3 object: a component or workflow document (`uri`), a Dockerfile
template (`dockerfileTemplateUri`), whose content AWS reads once, at creation, and keeps; and a disk
image to import (ImportDiskImage `uri`), of which the request needs only what identifies it. They
are read through the configured S3-compatible endpoint before the request's transaction (a slow
endpoint never holds the store), and the handler takes what was read from its context."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..protocol.errors import invalid_parameter
from ..s3 import S3ReadError, object_tag, read_object, s3_client


@dataclass(frozen=True)
class S3Member:
    name: str
    content: bool = True   # False: only the object's identity (ETag and size), e.g. a disk image


S3_INPUT_MEMBERS: Mapping[str, tuple[S3Member, ...]] = {
    "CreateComponent": (S3Member("uri"),),
    "ImportComponent": (S3Member("uri"),),
    "CreateWorkflow": (S3Member("uri"),),
    "CreateContainerRecipe": (S3Member("dockerfileTemplateUri"),),
    "ImportDiskImage": (S3Member("uri", content=False),),
}
# AWS's default service quota for a component document from S3 (the model: "64 KB by default");
# workflow documents and Dockerfile templates are held to the same.
MAX_OBJECT_BYTES = 64 * 1024
NO_ENDPOINT = ("openimagebuilder has no S3-compatible endpoint to read Amazon S3 objects from: start it with "
               "--s3-endpoint-url (OIB_S3_ENDPOINT_URL), or {instead}.")


@dataclass
class S3Inputs:
    """What was read for one request: URI → content or identity, or URI → why it could not be read."""
    objects: dict[str, bytes] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)

    def text(self, uri: str, parameter: str, inline: str) -> str:
        """The object's content as text; InvalidParameterValueException on `parameter` if it could
        not be read (no endpoint, no such object, too large, not UTF-8). `inline`: the member that
        takes the content instead, for the message."""
        if uri in self.objects:
            try:
                return self.objects[uri].decode("utf-8")
            except UnicodeDecodeError:
                raise invalid_parameter(parameter, f"The S3 object {uri} is not UTF-8 text.") from None
        raise self._unread(uri, parameter, f"pass the content in '{inline}'")

    def tag(self, uri: str, parameter: str) -> str:
        """The object's ETag and size; InvalidParameterValueException on `parameter` if it cannot be seen."""
        if uri in self.tags:
            return self.tags[uri]
        raise self._unread(uri, parameter, "give a file:// URI of a file the service can read")

    def content(self, params: Mapping[str, Any], inline: str, member: str) -> str | None:
        """The text a request gives in `inline`, or the content read for its S3 URI `member`;
        None if neither is there (the handler says why)."""
        text = params.get(inline)
        if isinstance(text, str):
            return text
        uri = params.get(member)
        data = self.objects.get(uri) if isinstance(uri, str) else None
        return data.decode("utf-8", errors="replace") if data is not None else None

    def _unread(self, uri: str, parameter: str, instead: str) -> Exception:
        return invalid_parameter(parameter, self.failures.get(uri) or NO_ENDPOINT.format(instead=instead))


def members_to_read(operation: str, params: Mapping[str, Any]) -> list[tuple[S3Member, str]]:
    """(member, s3:// URI) for each member of `params` that names an S3 object."""
    # A disk may also be a file:// URI, read by the handler; a document is always an S3 object.
    return [(member, params[member.name]) for member in S3_INPUT_MEMBERS.get(operation, ())
            if isinstance(params.get(member.name), str)
            and (member.content or params[member.name].startswith("s3://"))]


def read_inputs(wanted: list[tuple[S3Member, str]], endpoint_url: str | None) -> S3Inputs:
    inputs = S3Inputs()
    if not wanted or not endpoint_url:
        return inputs
    client = s3_client(endpoint_url)
    for member, uri in wanted:
        try:
            if member.content:
                inputs.objects[uri] = read_object(client, uri, MAX_OBJECT_BYTES)
            else:
                inputs.tags[uri] = object_tag(client, uri)
        except S3ReadError as error:
            inputs.failures[uri] = f"The S3 object could not be read: {error}."
    return inputs
