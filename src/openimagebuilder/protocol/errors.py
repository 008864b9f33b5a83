"""Service errors: the model's (one class per error shape, in protocol/generated.py), plus the two
that the rest-json protocol itself produces (SerializationException, UnknownOperationException),
and NotImplementedException (501) for modelled operations this service does not implement yet.

Handlers raise e.g. ``ResourceNotFoundException("...")`` imported from protocol/generated.py; the
server serializes the class's code and the model's HTTP status.
"""
from __future__ import annotations

from .generated import ERRORS, InvalidParameterValueException
from .service_error import ServiceError

__all__ = ["ERROR_CLASSES", "NotImplementedException", "SerializationException", "ServiceError",
           "UnknownOperationException", "invalid_parameter"]


# Produced by the protocol layer, not modelled as shapes.
class SerializationException(ServiceError):
    code = "SerializationException"
    status = 400


class UnknownOperationException(ServiceError):
    code = "UnknownOperationException"
    status = 404


class NotImplementedException(ServiceError):
    code = "NotImplementedException"
    status = 501


_PROTOCOL_ERRORS: tuple[type[ServiceError], ...] = (
    SerializationException, UnknownOperationException, NotImplementedException)

# Every error the service can answer with, by code.
ERROR_CLASSES: dict[str, type[ServiceError]] = {error.code: error for error in ERRORS + _PROTOCOL_ERRORS}


def invalid_parameter(path: str, detail: str) -> ServiceError:
    """AWS's frame for a constraint failure on one parameter."""
    return InvalidParameterValueException(
        f"The value supplied for parameter '{path}' is not valid. {detail}")
