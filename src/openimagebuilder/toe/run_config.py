"""AWSTOE's input configuration file for `run --config` (AWS: "Configure input for the AWSTOE run
command"): the documents with their own parameters, parameters for all of them, and phases.
Settings about CloudWatch, S3 log upload, log and state directories and tracing have no meaning
here and are ignored."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


class RunConfigError(ValueError):
    """The file cannot be used; the message says why."""


@dataclass(frozen=True)
class ConfiguredDocument:
    path: str
    parameters: dict[str, str]


@dataclass(frozen=True)
class RunConfig:
    documents: tuple[ConfiguredDocument, ...]
    parameters: dict[str, str]          # given to every document; a document's own win
    phases: str | None                  # "build,test", as --phases


def load_run_config(text: str) -> RunConfig:
    try:
        loaded = json.loads(text)
    except ValueError as error:
        raise RunConfigError(f"not valid JSON: {error}") from None
    if not isinstance(loaded, dict):
        raise RunConfigError("the configuration must be a JSON object")
    documents = loaded.get("documents")
    if not isinstance(documents, list) or not documents:
        raise RunConfigError("'documents' must be a non-empty array (it is required)")
    configured = []
    for index, document in enumerate(documents):
        if not isinstance(document, dict) or not isinstance(document.get("path"), str) or not document["path"]:
            raise RunConfigError(f"documents[{index}] needs a 'path' string")
        configured.append(ConfiguredDocument(document["path"],
                                             _parameters(document.get("parameters"), f"documents[{index}].parameters")))
    phases = loaded.get("phases")
    if phases is not None and not isinstance(phases, str):
        raise RunConfigError("'phases' must be a comma-separated string")
    return RunConfig(tuple(configured), _parameters(loaded.get("parameters"), "parameters"), phases)


def _parameters(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, list):
        raise RunConfigError(f"'{where}' must be an array of {{name, value}} objects")
    parameters = {}
    for index, entry in enumerate(value):
        if (not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]
                or not isinstance(entry.get("value"), str)):
            raise RunConfigError(f"{where}[{index}] needs 'name' and 'value' strings")
        parameters[entry["name"]] = entry["value"]
    return parameters
