"""The base of every error the service answers with: a code and an HTTP status, serialized as
rest-json errors are (`x-amzn-ErrorType`, `{"message": ...}`). The model's error classes
(protocol/generated.py) and the protocol's own (protocol/errors.py) derive from it."""
from __future__ import annotations


class ServiceError(Exception):
    code: str = "ServiceException"
    status: int = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
