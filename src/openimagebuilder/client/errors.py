"""One line for whatever a client command can fail with, and the exit status it ends with."""
from __future__ import annotations

from urllib.parse import urlsplit

USAGE = 2        # the command line is wrong
UNAVAILABLE = 1  # the service refused, or could not be reached


class CommandError(Exception):
    """The command cannot be carried out: the message is the one line to print, `status` the exit
    status (wrong command line: 2; the service refused or could not be reached: 1, except for
    `oib run`, where 1 means the image did not become available and it is 2)."""

    def __init__(self, message: str, status: int = USAGE) -> None:
        super().__init__(message)
        self.status = status


def describe(error: BaseException) -> str:
    """A boto3/botocore failure as one line: the service's error code and message, or why the
    service could not be reached."""
    from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"{details.get('Code', 'Error')}: {details.get('Message', '')}".rstrip(": ")
    if isinstance(error, EndpointConnectionError):
        parts = urlsplit(str(error.kwargs.get("endpoint_url", "")))
        return (f"cannot reach {parts.scheme}://{parts.netloc} (is `oib serve` running? --endpoint-url or "
                "OIB_ENDPOINT_URL point elsewhere)")
    if isinstance(error, NoCredentialsError):
        return "no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
    return str(error) or type(error).__name__
