"""The S3-compatible endpoint oib reads objects through (`--s3-endpoint-url`: MinIO, Ceph, moto,
or AWS itself): one way to make a client and to name an object, for the service (documents and
templates given by `s3://` URI) and for the component runner (S3Download, S3Upload). Credentials
come from the process's environment, as for any AWS SDK."""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError


class S3ReadError(RuntimeError):
    """An object could not be read; the message says why (the endpoint's error code and message)."""


def s3_client(endpoint_url: str) -> Any:
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return botocore.session.get_session().create_client(
        "s3", endpoint_url=endpoint_url, region_name=region,
        # Path-style requests: S3-compatible servers (MinIO, moto, Ceph) seldom have bucket DNS names.
        config=Config(s3={"addressing_style": "path"}, retries={"mode": "standard", "max_attempts": 3},
                      connect_timeout=5, read_timeout=30))


def split_s3_uri(uri: str) -> tuple[str, str]:
    """(bucket, key) of s3://bucket/key; ValueError naming what is wrong."""
    parts = urlparse(uri)
    key = parts.path.lstrip("/")
    if parts.scheme != "s3" or not parts.netloc or not key:
        raise ValueError(f"'{uri}' is not an S3 object URI (s3://bucket/key)")
    return parts.netloc, key


@contextlib.contextmanager
def _reading(uri: str) -> Iterator[tuple[str, str]]:
    """(bucket, key) of `uri`, with the endpoint's failures turned into S3ReadError."""
    try:
        bucket, key = split_s3_uri(uri)
    except ValueError as error:
        raise S3ReadError(str(error)) from None
    try:
        yield bucket, key
    except ClientError as error:
        details = error.response.get("Error", {})
        raise S3ReadError(f"reading {uri} failed: {details.get('Code', 'Error')}: "
                          f"{details.get('Message', error)}") from None
    except BotoCoreError as error:
        raise S3ReadError(f"reading {uri} failed: {error}") from None


def object_tag(client: Any, uri: str) -> str:
    """The object's ETag and size ("etag:size"): what identifies its content without reading it;
    S3ReadError if it cannot be seen."""
    with _reading(uri) as (bucket, key):
        head = client.head_object(Bucket=bucket, Key=key)
    etag = str(head.get("ETag", "")).strip('"')
    return f"{etag}:{head.get('ContentLength', 0)}"


def read_object(client: Any, uri: str, limit: int) -> bytes:
    """The object's bytes; S3ReadError if it cannot be read or is larger than `limit` bytes."""
    with _reading(uri) as (bucket, key):
        response = client.get_object(Bucket=bucket, Key=key)
        if response.get("ContentLength", 0) > limit:
            response["Body"].close()
            raise S3ReadError(f"the object {uri} is larger than {limit} bytes")
        data = response["Body"].read(limit + 1)
    if len(data) > limit:
        raise S3ReadError(f"the object {uri} is larger than {limit} bytes")
    return data
