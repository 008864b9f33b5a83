"""Signing the requests `oib logs` and `oib clock` send to a service, with the AWS credentials
botocore finds (environment, profile), so they work against `oib serve --auth sigv4`; without
credentials the request goes unsigned (`--auth none`)."""
from __future__ import annotations

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.session import get_session

from ...server.settings import DEFAULT_REGION
from .sigv4 import SERVICE


def signed_headers(method: str, url: str, body: bytes | None, headers: dict[str, str]) -> dict[str, str]:
    session = get_session()
    credentials = session.get_credentials()
    if credentials is None:
        return headers
    region = session.get_config_variable("region") or DEFAULT_REGION
    request = AWSRequest(method=method, url=url, data=body or b"", headers=headers)
    SigV4Auth(credentials.get_frozen_credentials(), SERVICE, region).add_auth(request)
    return dict(request.headers.items())
