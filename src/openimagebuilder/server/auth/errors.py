"""The errors AWS's REST-JSON services answer when a request does not authenticate, with AWS's
codes, statuses and wording (serialized like every other service error: x-amzn-errortype and a
JSON message)."""
from __future__ import annotations

from ...protocol.errors import ServiceError


class AuthError(ServiceError):
    """A request refused before any operation ran."""


class MissingAuthenticationToken(AuthError):
    code = "MissingAuthenticationTokenException"
    status = 403

    def __init__(self) -> None:
        super().__init__("Missing Authentication Token")


class IncompleteSignature(AuthError):
    code = "IncompleteSignatureException"
    status = 400


class UnrecognizedClient(AuthError):
    code = "UnrecognizedClientException"
    status = 403

    def __init__(self) -> None:
        super().__init__("The security token included in the request is invalid.")


class InvalidSignature(AuthError):
    code = "InvalidSignatureException"
    status = 403


SIGNATURE_MISMATCH = ("The request signature we calculated does not match the signature you provided. "
                      "Check your AWS Secret Access Key and signing method. Consult the service documentation "
                      "for details.")


class AccessDenied(AuthError):
    code = "AccessDeniedException"
    status = 403
