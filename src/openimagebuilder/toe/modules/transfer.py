"""AWSTOE's download and upload modules (AWS user guide, "Action modules supported by AWSTOE",
File download and upload): WebDownload, S3Download, S3Upload. Transfers run on the host
(urllib; botocore against the S3-compatible endpoint given with --s3-endpoint-url, credentials
from the environment) and the files reach the target with put_file/get_file."""
from __future__ import annotations

import hashlib
import posixpath
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ...s3 import s3_client
from . import register
from .common import (
    EntryModule,
    Fields,
    InputError,
    Outputs,
    Step,
    StepFailure,
    base_name,
    parent,
    target_path,
    wildcard_regex,
)
from .files import find_files, make_folders, path_kind, path_kinds

# AWS: "Each download operation is allocated a maximum of 5 attempts", with exponential backoff.
WEB_ATTEMPTS = 5
WEB_BACKOFF = 0.5           # seconds before the second attempt; doubled each time
WEB_SOCKET_TIMEOUT = 60.0
CHUNK = 1024 * 1024
# AWS: "The maximum number of objects that can be downloaded is 1000" (one S3 listing page).
S3_MAX_OBJECTS = 1000
_ALGORITHMS = {"md5": "md5", "sha1": "sha1", "sha256": "sha256", "sha512": "sha512"}


def _destination(fields: Fields, key: str = "destination") -> str:
    """A target path that keeps its trailing '/': AWS reads that as "a folder, keep the source's name"."""
    raw = fields.required_text(key)
    resolved = target_path(raw, fields.working_directory)
    return resolved + "/" if raw.endswith("/") and not resolved.endswith("/") else resolved


# ---------------------------------------------------------------- WebDownload

@dataclass(frozen=True)
class WebDownloadInput:
    source: str
    destination: str
    overwrite: bool
    checksum: str | None          # set only when both checksum and algorithm are given (AWS)
    algorithm: str | None
    ignore_certificate_errors: bool

    @property
    def file(self) -> str:
        if not self.destination.endswith("/"):
            return self.destination
        return self.destination + base_name(urllib.parse.urlsplit(self.source).path)


def _read_web_download(fields: Fields) -> WebDownloadInput:
    source = fields.required_text("source")
    parts = urllib.parse.urlsplit(source)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise InputError(f"Invalid value '{source}' for input 'source' of action WebDownload: expected an HTTP or HTTPS URL.")
    destination = _destination(fields)
    if destination.endswith("/") and not base_name(parts.path):
        raise InputError(f"The URL {source} names no file; give a file path as 'destination'.")
    checksum, algorithm = fields.text("checksum"), fields.text("algorithm")
    if algorithm is not None and algorithm.lower() not in _ALGORITHMS:
        raise InputError(f"Invalid value '{algorithm}' for input 'algorithm' of action WebDownload."
                         " Acceptable values: MD5, SHA1, SHA256, SHA512.")
    verified = checksum is not None and algorithm is not None
    return WebDownloadInput(
        source=source, destination=destination, overwrite=fields.flag("overwrite", True),
        checksum=checksum.strip().lower() if verified and checksum else None,
        algorithm=_ALGORITHMS[algorithm.lower()] if verified and algorithm else None,
        ignore_certificate_errors=fields.flag("ignoreCertificateErrors", False))


def _web_download(step: Step, entry: WebDownloadInput) -> Outputs:
    target = entry.file
    kind = path_kind(step, target)
    if kind == "folder":
        raise StepFailure(f"Cannot download to {target}: a folder exists at that path.")
    if kind and not entry.overwrite:
        raise StepFailure(f"The file {target} already exists and overwrite is false.")
    # AWS: with overwrite and a checksum, a file that already has the checksum is not downloaded again.
    if kind and entry.checksum and _digest(entry.algorithm, step.executor.get_file(target)) == entry.checksum:
        return {"destination": target}
    data = _fetch_with_retries(step, entry)
    if entry.checksum and _digest(entry.algorithm, data) != entry.checksum:
        raise StepFailure(f"The {(entry.algorithm or '').upper()} checksum of {entry.source} does not match {entry.checksum}.")
    make_folders(step, parent(target))
    step.executor.put_file(target, data)
    return {"destination": target}


def _digest(algorithm: str | None, data: bytes) -> str:
    return hashlib.new(algorithm or "sha256", data).hexdigest()


class _Retryable(Exception):
    pass


def _fetch_with_retries(step: Step, entry: WebDownloadInput) -> bytes:
    delay = WEB_BACKOFF
    for attempt in range(1, WEB_ATTEMPTS + 1):
        step.remaining()
        try:
            return _fetch(step, entry)
        except _Retryable as error:
            if attempt == WEB_ATTEMPTS:
                raise StepFailure(f"Downloading {entry.source} failed after {WEB_ATTEMPTS} attempts: {error}") from None
            step.on_output("stderr", f"Downloading {entry.source} failed ({error}); retrying in {delay:g}s.")
            left = step.remaining()
            step.cancel.wait(delay if left is None else min(delay, left))
            step.remaining()
            delay *= 2
    raise AssertionError("unreachable")


def _fetch(step: Step, entry: WebDownloadInput) -> bytes:
    context = ssl.create_default_context()
    if entry.ignore_certificate_errors:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    request = urllib.request.Request(entry.source, headers={"User-Agent": "openimagebuilder-toe"})
    try:
        with urllib.request.urlopen(request, timeout=_socket_timeout(step), context=context) as response:
            # AWS: "All HTTP status codes, except for 200, result in an error" (redirects are followed).
            if response.status != 200:
                raise StepFailure(f"Downloading {entry.source} failed: HTTP status {response.status}.")
            return _read_body(step, response)
    except urllib.error.HTTPError as error:
        if error.code >= 500 or error.code == 429:
            raise _Retryable(f"HTTP status {error.code}") from None
        raise StepFailure(f"Downloading {entry.source} failed: HTTP status {error.code}.") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, ssl.SSLCertVerificationError):
            raise StepFailure(f"Downloading {entry.source} failed: {reason.verify_message or reason}"
                              " (set ignoreCertificateErrors to true to skip the check).") from None
        raise _Retryable(str(reason)) from None


def _socket_timeout(step: Step) -> float:
    left = step.remaining()
    return WEB_SOCKET_TIMEOUT if left is None else min(WEB_SOCKET_TIMEOUT, left)


def _read_body(step: Step, response: Any) -> bytes:
    chunks = []
    for chunk in iter(lambda: response.read(CHUNK), b""):
        step.remaining()
        chunks.append(chunk)
    return b"".join(chunks)


# ---------------------------------------------------------------- S3

@dataclass(frozen=True)
class S3Location:
    bucket: str
    key: str                  # an object's key, or with `prefix` the key prefix
    prefix: bool = False      # s3://bucket/prefix/* : every object under the prefix


def _s3_location(fields: Fields, key: str) -> S3Location:
    text = fields.required_text(key)
    parts = urllib.parse.urlsplit(text)
    if parts.scheme != "s3" or not parts.netloc:
        raise InputError(f"Invalid value '{text}' for input '{key}' of action {fields.action}:"
                         " expected s3://bucket/key.")
    object_key = parts.path.lstrip("/")
    if object_key.endswith("*"):
        object_key = object_key[:-1]
        if "*" in object_key:
            raise InputError(f"Input '{key}' of action {fields.action} accepts a wildcard only at its end.")
        return S3Location(parts.netloc, object_key, prefix=True)
    if "*" in object_key:
        raise InputError(f"Input '{key}' of action {fields.action} accepts a wildcard only at its end.")
    return S3Location(parts.netloc, object_key)


def _owner_argument(owner: str | None) -> dict[str, str]:
    return {"ExpectedBucketOwner": owner} if owner else {}


def _s3_client(step: Step) -> Any:
    endpoint = step.settings.s3_endpoint_url
    if not endpoint:
        raise StepFailure("No S3 endpoint is configured: run with --s3-endpoint-url pointing at an"
                          " S3-compatible service.")
    return s3_client(endpoint)


def _s3_calls(function):
    """Turns botocore's failures (no credentials, an error answer) into the step's failure."""
    def run(step: Step, entry: Any) -> Outputs | None:
        try:
            return function(step, entry)
        except ClientError as error:
            details = error.response.get("Error", {})
            raise StepFailure(f"{details.get('Code', 'Error')}: {details.get('Message', error)}") from None
        except BotoCoreError as error:
            raise StepFailure(str(error)) from None
    return run


@dataclass(frozen=True)
class S3DownloadInput:
    source: S3Location
    destination: str
    expected_bucket_owner: str | None
    overwrite: bool


def _read_s3_download(fields: Fields) -> S3DownloadInput:
    return S3DownloadInput(_s3_location(fields, "source"), _destination(fields),
                           fields.text("expectedBucketOwner"), fields.flag("overwrite", True))


@_s3_calls
def _s3_download(step: Step, entry: S3DownloadInput) -> None:
    client = _s3_client(step)
    plan = _download_plan(step, client, entry)
    # AWS: "All folders in the destination path must exist prior to download".
    top = entry.destination.rstrip("/") if entry.source.prefix else parent(entry.destination)
    if path_kind(step, top) != "folder":
        raise StepFailure(f"The folder {top} does not exist.")
    _refuse_existing(step, entry, [target for _, target in plan])
    make_folders(step, *(parent(target) for _, target in plan))
    for key, target in plan:
        step.remaining()
        body = client.get_object(Bucket=entry.source.bucket, Key=key,
                                 **_owner_argument(entry.expected_bucket_owner))["Body"].read()
        step.executor.put_file(target, body)


def _download_plan(step: Step, client: Any, entry: S3DownloadInput) -> list[tuple[str, str]]:
    """(key, target path) of every object to download."""
    source = entry.source
    if not source.prefix:
        target = entry.destination + base_name(source.key) if entry.destination.endswith("/") else entry.destination
        return [(source.key, target)]
    listing = client.list_objects_v2(Bucket=source.bucket, Prefix=source.key, MaxKeys=S3_MAX_OBJECTS,
                                     **_owner_argument(entry.expected_bucket_owner))
    if listing.get("IsTruncated"):
        step.on_output("stderr", f"More than {S3_MAX_OBJECTS} objects match {source.key!r};"
                                 f" only the first {S3_MAX_OBJECTS} are downloaded.")
    plan = []
    folder = entry.destination.rstrip("/")
    for item in listing.get("Contents", []):
        relative = item["Key"][len(source.key):]
        if not relative or relative.endswith("/"):
            continue  # folder markers: the folders come with the files under them
        normalized = posixpath.normpath(relative.lstrip("/"))
        if normalized.startswith("../") or normalized == "..":
            raise StepFailure(f"The key {item['Key']} would be written outside {folder}.")
        plan.append((item["Key"], posixpath.join(folder, normalized)))
    return plan


def _refuse_existing(step: Step, entry: S3DownloadInput, targets: list[str]) -> None:
    for target, kind in zip(targets, path_kinds(step, targets), strict=False):
        if kind == "folder":
            raise StepFailure(f"Cannot download to {target}: a folder exists at that path.")
        if kind and not entry.overwrite:
            # Quoted from AWS's documentation of the module.
            raise StepFailure('File already exists and "overwrite" property for "destination" file is set to false.'
                              " Cannot download.")


@dataclass(frozen=True)
class S3UploadInput:
    source: str
    destination: S3Location
    recurse: bool
    expected_bucket_owner: str | None


def _read_s3_upload(fields: Fields) -> S3UploadInput:
    destination = _s3_location(fields, "destination")
    if destination.prefix:
        raise InputError("Input 'destination' of action S3Upload takes no wildcard; end it with '/' for a key prefix.")
    return S3UploadInput(fields.path("source"), destination, fields.flag("recurse", False),
                         fields.text("expectedBucketOwner"))


@_s3_calls
def _s3_upload(step: Step, entry: S3UploadInput) -> None:
    client = _s3_client(step)
    for path, key in _upload_plan(step, entry):
        step.remaining()
        client.put_object(Bucket=entry.destination.bucket, Key=key, Body=step.executor.get_file(path),
                          **_owner_argument(entry.expected_bucket_owner))


def _upload_plan(step: Step, entry: S3UploadInput) -> list[tuple[str, str]]:
    """(target path, key) of every file to upload."""
    source, key = entry.source, entry.destination.key
    pattern = base_name(source)
    if "*" in pattern:
        folder = parent(source)
        regex = wildcard_regex(pattern)
        files = [path for path in find_files(step, folder, recursive=entry.recurse) if regex.match(base_name(path))]
    else:
        kind = path_kind(step, source)
        if kind is None:
            raise StepFailure(f"The source {source} does not exist.")
        if kind == "file":
            return [(source, key + base_name(source) if key.endswith("/") or not key else key)]
        if not entry.recurse:
            raise StepFailure(f"{source} is a folder; set recurse to true to upload it.")
        folder, files = source, find_files(step, source, recursive=True)
    if not files:
        raise StepFailure(f"No file matches {source}.")
    prefix = key if key.endswith("/") or not key else key + "/"
    root = folder.rstrip("/")
    return [(path, prefix + path[len(root) + 1:]) for path in sorted(files)]


register("WebDownload")(EntryModule(_read_web_download, _web_download,
                                    dry=lambda entry: {"destination": entry.file}))
register("S3Download")(EntryModule(_read_s3_download, _s3_download))
register("S3Upload")(EntryModule(_read_s3_upload, _s3_upload))
