"""Service errors: one exception class per error shape in the model, plus the two that the
rest-json protocol itself produces (SerializationException, UnknownOperationException), and
NotImplementedException (501) for modelled operations this service does not implement yet.

Handlers raise e.g. ``errors.ResourceNotFoundException("...")``; the server serializes the class's
code and the model's HTTP status.
"""
from __future__ import annotations

from typing import Any

from .model import service_model


class ServiceError(Exception):
    code: str = "ServiceException"
    status: int = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _generate() -> dict[str, type[ServiceError]]:
    classes: dict[str, type[ServiceError]] = {}
    for shape in service_model().error_shapes:
        status = int(shape.metadata.get("error", {}).get("httpStatusCode", 400))
        classes[shape.name] = type(shape.name, (ServiceError,), {"code": shape.name, "status": status})
    # Produced by the protocol layer, not modelled as shapes.
    classes["SerializationException"] = type(
        "SerializationException", (ServiceError,), {"code": "SerializationException", "status": 400})
    classes["UnknownOperationException"] = type(
        "UnknownOperationException", (ServiceError,), {"code": "UnknownOperationException", "status": 404})
    classes["NotImplementedException"] = type(
        "NotImplementedException", (ServiceError,), {"code": "NotImplementedException", "status": 501})
    return classes


ERROR_CLASSES = _generate()
globals().update(ERROR_CLASSES)


def __getattr__(name: str) -> Any:  # keeps type checkers quiet about generated names
    try:
        return ERROR_CLASSES[name]
    except KeyError:
        raise AttributeError(name) from None


def invalid_parameter(path: str, detail: str) -> ServiceError:
    """AWS's frame for a constraint failure on one parameter."""
    return ERROR_CLASSES["InvalidParameterValueException"](
        f"The value supplied for parameter '{path}' is not valid. {detail}")
