"""The imagebuilder service model, loaded once from botocore's installed data."""
from __future__ import annotations

from functools import lru_cache

import botocore.session
from botocore.model import OperationModel, ServiceModel

SERVICE_NAME = "imagebuilder"


@lru_cache(maxsize=1)
def service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model(SERVICE_NAME)


def operation(name: str) -> OperationModel:
    return service_model().operation_model(name)


def error_shape_names() -> list[str]:
    return [shape.name for shape in service_model().error_shapes]
