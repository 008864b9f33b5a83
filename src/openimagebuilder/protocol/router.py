"""(HTTP method, path) → operation, from each operation's `requestUri` in the model.

Paths are matched segment by segment on the *raw* (still percent-encoded) path, so that a label
such as `/tags/{resourceArn}` captures an ARN whose `/` the client encoded as `%2F`.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import unquote

from botocore.model import OperationModel, ServiceModel


@dataclass(frozen=True)
class _Template:
    operation: OperationModel
    segments: tuple[str, ...]  # literal text, or "{label}" / "{label+}"

    def match(self, parts: list[str]) -> dict[str, str] | None:
        labels: dict[str, str] = {}
        for index, segment in enumerate(self.segments):
            if segment.startswith("{") and segment.endswith("+}"):
                labels[segment[1:-2]] = unquote("/".join(parts[index:]))
                return labels if index < len(parts) and labels[segment[1:-2]] else None
            if index >= len(parts):
                return None
            if segment.startswith("{"):
                if not parts[index]:
                    return None
                labels[segment[1:-1]] = unquote(parts[index])
            elif segment != parts[index]:
                return None
        return labels if len(parts) == len(self.segments) else None


@dataclass(frozen=True)
class Route:
    operation: OperationModel
    uri_labels: Mapping[str, str]


# The labels of a path without labels. Read-only, because one Route per such path is made once and
# returned for every request.
_NO_LABELS: Mapping[str, str] = MappingProxyType({})


class Router:
    def __init__(self, model: ServiceModel) -> None:
        self._exact: dict[tuple[str, str], Route] = {}
        self._templates: dict[str, list[_Template]] = {}
        for name in model.operation_names:
            op = model.operation_model(name)
            method = op.http["method"].upper()
            path = op.http["requestUri"].split("?", 1)[0]
            if "{" in path:
                self._templates.setdefault(method, []).append(
                    _Template(op, tuple(path.strip("/").split("/"))))
            else:
                self._exact[(method, path)] = Route(op, _NO_LABELS)

    def resolve(self, method: str, raw_path: str) -> Route | None:
        route = self._exact.get((method, raw_path)) or self._exact.get((method, raw_path.rstrip("/") or "/"))
        if route is not None:
            return route
        parts = raw_path.strip("/").split("/")
        for template in self._templates.get(method, ()):
            labels = template.match(parts)
            if labels is not None:
                return Route(template.operation, labels)
        return None
