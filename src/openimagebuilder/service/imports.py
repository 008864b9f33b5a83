"""ImportVmImage and ImportDiskImage: an image resource made from a disk image rather than built.

The import returns with the image PENDING (documented) and an engine job with no workflows carries
it to AVAILABLE, its output AMI the disk's: the image is then usable as a parent image. Disks are
read from a `file://` URI on the service's machine, or (ImportDiskImage) an `s3://` URI through
the S3-compatible endpoint `--s3-endpoint-url`.
"""
from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlparse

from ..domain.arn import name_to_id
from ..domain.semver import parse_version, sort_key
from ..engine.plan import BuildPlan
from ..protocol.errors import invalid_parameter
from ..store.repository import Resource
from .builds import KIND
from .context import Context

_RESOURCE_ID = re.compile(r"^[a-z0-9-_]+$")


def disk_source(ctx: Context, uri: str, parameter: str, extensions: tuple[str, ...] = ()) -> str:
    """What identifies the disk a URI names — the content hash of a file:// disk, the ETag and
    size of an S3 object (seen through --s3-endpoint-url before the transaction) — so that the
    same disk gives the same AMI id; InvalidParameterValueException saying why not otherwise."""
    if uri.startswith("s3://"):
        if extensions and not uri.endswith(extensions):
            raise invalid_parameter(parameter, f"The object '{uri}' must end with {', '.join(extensions)}.")
        return "s3:" + ctx.inputs.tag(uri, parameter)
    return fingerprint(disk_file(uri, parameter, extensions))


def disk_file(uri: str, parameter: str, extensions: tuple[str, ...] = ()) -> str:
    """The local path of a file:// disk image URI the service can read; InvalidParameterValueException
    saying why not otherwise."""
    parsed = urlparse(uri)
    if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
        raise invalid_parameter(parameter, f"The URI '{uri}' is not supported. Give a file:// URI of a file the "
                                           "service can read, or an s3:// URI (with --s3-endpoint-url).")
    path = unquote(parsed.path)
    if extensions and not path.endswith(extensions):
        raise invalid_parameter(parameter, f"The file '{path}' must end with {', '.join(extensions)}.")
    if not os.path.isfile(path) or not os.access(path, os.R_OK):
        raise invalid_parameter(parameter, f"The file '{path}' does not exist or cannot be read by the service.")
    return path


def fingerprint(path: str) -> str:
    """The disk's content hash (its first 64 MiB and its size): the same disk gives the same AMI id."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        digest.update(handle.read(64 * 1024 * 1024))
    digest.update(str(os.path.getsize(path)).encode())
    return digest.hexdigest()


def import_image(ctx: Context, params: Mapping[str, Any], *, build_type: str, source: str,
                 members: dict[str, Any]) -> str:
    """Creates the image resource (PENDING) and the job that makes it AVAILABLE; its ARN."""
    name_id = name_to_id(params["name"])
    if not _RESOURCE_ID.match(name_id) or len(name_id) > 128:
        raise invalid_parameter("name", f"The name '{params['name']}' cannot make an image ARN: use letters, "
                                        "digits, hyphens, underscores and spaces (at most 128).")
    version = params["semanticVersion"]
    if parse_version(version) is None:
        raise invalid_parameter("semanticVersion", f"The semantic version '{version}' is not valid.")
    # Documented: the same name and version again makes a new build version.
    number = ctx.executions.next_number(f"image/{name_id}/{version}")
    image_arn = str(ctx.arn(KIND, name_id, version, number))
    now = ctx.now()
    document = {
        "arn": image_arn, "name": params["name"], "version": version, "type": "AMI",
        "platform": params["platform"], "osVersion": params.get("osVersion"),
        "description": params.get("description"), "state": {"status": "PENDING"}, "dateCreated": now,
        "tags": params.get("tags") or {}, "buildType": build_type, "imageSource": "IMPORTED",
        "enhancedImageMetadataEnabled": False, **members,
    }
    log_group = (params.get("loggingConfiguration") or {}).get("logGroupName")
    if log_group:
        document["loggingConfiguration"] = {"logGroupName": log_group}
    document = {key: value for key, value in document.items() if value is not None}
    ctx.repo.insert(Resource(KIND, image_arn, name_id, document, now, version=version, build=number,
                             sort_key=sort_key(name_id, parse_version(version), number)))
    ami = "ami-" + hashlib.sha256(f"{image_arn}/{source}".encode()).hexdigest()[:17]
    plan = BuildPlan(stages=[], log_group=log_group or f"/aws/imagebuilder/{params['name']}", image_type="AMI",
                     components=[], distribution_regions=[ctx.region], image_id=ami)
    ctx.executions.add_job(image_arn, ctx.epoch(), plan.to_json())
    ctx.executions.append_log(plan.log_group, image_arn, now, [f"Image {image_arn} imported ({build_type}) from "
                                                              f"{source} as {ami}."])
    return image_arn
