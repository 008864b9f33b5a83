"""Where the client commands find the service, and how they call it: the endpoint URL, boto3
clients bound to it, and the service's own `/_oib/...` endpoints (logs, clock)."""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

DEFAULT_PORT = 4010
DEFAULT_ENDPOINT_URL = f"http://127.0.0.1:{DEFAULT_PORT}"
DEFAULT_REGION = "us-east-1"
# Signatures are checked against the keys a service knows, where it checks them; a service that
# maps no keys takes any, so a machine without AWS credentials still gets answers.
FALLBACK_ACCESS_KEY = "test"
FALLBACK_SECRET_KEY = "test"


class ServiceUnreachable(Exception):
    """The service answered with an error, or could not be reached; the message says which."""


def endpoint_url(given: str | None = None, environ: Mapping[str, str] = os.environ) -> str:
    """--endpoint-url, else OIB_ENDPOINT_URL, else AWS_ENDPOINT_URL_IMAGEBUILDER (what boto3 and the
    AWS CLI read), else the address `oib serve` listens on by default."""
    return (given or environ.get("OIB_ENDPOINT_URL") or environ.get("AWS_ENDPOINT_URL_IMAGEBUILDER")
            or DEFAULT_ENDPOINT_URL).rstrip("/")


def imagebuilder_client(url: str, region: str | None = None) -> Any:
    """A boto3 Image Builder client for the service at `url`: the region and credentials of the
    usual AWS chain (variables, profile), else us-east-1 and placeholder keys; no retries, so a
    service that is down is reported at once."""
    import boto3
    from botocore.config import Config

    session = boto3.session.Session()
    credentials = session.get_credentials()
    keys = {} if credentials is not None else {
        "aws_access_key_id": FALLBACK_ACCESS_KEY, "aws_secret_access_key": FALLBACK_SECRET_KEY}
    return session.client("imagebuilder", endpoint_url=url, region_name=region or session.region_name or DEFAULT_REGION,
                          config=Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=60),
                          **keys)


def call_service(url: str, path: str, body: dict[str, Any] | None = None, timeout: float = 30) -> dict[str, Any]:
    """One request to an `/_oib/...` endpoint of a running service: JSON in, JSON out."""
    from ..server.auth.client_signing import signed_headers  # signed when AWS credentials are at hand

    data, method = json.dumps(body).encode() if body is not None else None, "POST" if body is not None else "GET"
    request = urllib.request.Request(f"{url}{path}", data=data, method=method, headers=signed_headers(
        method, f"{url}{path}", data, {"content-type": "application/json"}))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return dict(json.loads(reply.read()))
    except urllib.error.HTTPError as error:
        try:
            message = json.loads(error.read()).get("message", error.reason)
        except ValueError:
            message = error.reason
        raise ServiceUnreachable(str(message)) from None
    except (urllib.error.URLError, OSError) as error:
        raise ServiceUnreachable(f"cannot reach {url}: {getattr(error, 'reason', error)} "
                                 "(is `oib serve` running? --endpoint-url or OIB_ENDPOINT_URL point elsewhere)") from None
