"""The compact catalog tables (data/component_table.yaml, data/image_table.yaml) expanded into the
documents GetComponent and GetImage return, with the same "{region}" / "{partition}"
placeholders as the full documents in the other data files.

A table lists many resources that differ only in a few members; writing each out in full would
hide those differences among repeated boilerplate. What the expansion adds is fixed by AWS's
shapes (owner Amazon, encrypted, ACTIVE / AVAILABLE states, AMAZON_MANAGED images)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import yaml

_COMPONENT_ARN = "arn:{partition}:imagebuilder:{region}:aws:component/%s/%s/1"
_IMAGE_ARN = "arn:{partition}:imagebuilder:{region}:aws:image/%s/%s/1"
_PHASES = ("build", "validate", "test")


def arn_id(name: str) -> str:
    """The ARN's resource id for a name, as Image Builder derives it: lower case, spaces and
    underscores as hyphens."""
    return name.lower().replace(" ", "-").replace("_", "-")


@dataclass(frozen=True)
class ComponentRow:
    name: str
    platform: str
    supported_os_versions: list[str]
    description: str
    versions: dict[str, str]                # version → dateCreated
    component_type: str                     # BUILD | TEST
    commands: dict[str, list[str]]          # phase → commands, in document order

    @classmethod
    def read(cls, row: dict[str, Any], os_groups: dict[str, list[str]]) -> ComponentRow:
        os = row["os"]
        commands = {phase: [str(c) for c in row[phase]] for phase in _PHASES if row.get(phase)}
        only_test = set(commands) == {"test"}
        return cls(name=row["name"], platform=row["platform"],
                   supported_os_versions=list(os_groups[os] if isinstance(os, str) else os),
                   description=row["description"], versions={str(k): v for k, v in row["versions"].items()},
                   component_type=row.get("type") or ("TEST" if only_test else "BUILD"), commands=commands)

    def document_text(self) -> str:
        """A minimal AWSTOE document: one step per phase running the row's commands; without
        commands, one step in the type's phase that says what the component does."""
        action = "ExecutePowerShell" if self.platform == "Windows" else "ExecuteBash"
        commands = self.commands or {
            "test" if self.component_type == "TEST" else "build": [_stand_in(self.platform, self.name)]}
        phases = [{"name": phase, "steps": [{"name": phase.capitalize(), "action": action, "onFailure": "Abort",
                                              "inputs": {"commands": commands[phase]}}]}
                  for phase in _PHASES if phase in commands]
        document = {"name": arn_id(self.name), "description": self.description, "schemaVersion": 1.0,
                    "phases": phases}
        return yaml.safe_dump(document, sort_keys=False, width=120)

    def documents(self) -> list[dict[str, Any]]:
        data = self.document_text()
        return [{
            "arn": _COMPONENT_ARN % (arn_id(self.name), version), "name": self.name, "version": version,
            "description": self.description, "changeDescription": "Initial version" if index == 0 else
            f"Version {version}", "type": self.component_type, "platform": self.platform,
            "supportedOsVersions": self.supported_os_versions, "state": {"status": "ACTIVE"}, "owner": "Amazon",
            "encrypted": True, "obfuscate": False, "dateCreated": date, "tags": {}, "data": data}
            for index, (version, date) in enumerate(self.versions.items())]


def _stand_in(platform: str, name: str) -> str:
    text = f"{name} - AWS-managed component; its document is not published, so this step records the run."
    return f"Write-Host '{text}'" if platform == "Windows" else f"echo '{text}'"


@dataclass(frozen=True)
class ImageRow:
    name: str
    image_type: str                         # AMI | DOCKER
    platform: str
    os_version: str
    versions: dict[str, str]                # version → dateCreated

    @classmethod
    def read(cls, row: dict[str, Any]) -> ImageRow:
        return cls(name=row["name"], image_type=row["type"], platform=row["platform"], os_version=row["osVersion"],
                   versions={str(k): v for k, v in row["versions"].items()})

    def documents(self) -> list[dict[str, Any]]:
        return [{
            "arn": _IMAGE_ARN % (arn_id(self.name), version), "type": self.image_type, "name": self.name,
            "version": version, "platform": self.platform, "osVersion": self.os_version,
            "state": {"status": "AVAILABLE"}, "imageSource": "AMAZON_MANAGED", "dateCreated": date,
            "outputResources": self._outputs(version), "tags": {}}
            for version, date in self.versions.items()]

    def _outputs(self, version: str) -> dict[str, Any]:
        image_id = arn_id(self.name)
        if self.image_type == "DOCKER":
            return {"containers": [{"region": "{region}",
                                    "imageUris": [f"public.ecr.aws/imagebuilder/{image_id}:{version}"]}]}
        # A stand-in AMI id, the same in every region: stable across releases of this table.
        digest = hashlib.sha256(f"{image_id}/{version}".encode()).hexdigest()
        return {"amis": [{"region": "{region}", "image": f"ami-{digest[:17]}"}]}


def component_documents(text: str) -> list[dict[str, Any]]:
    table = yaml.safe_load(text)
    groups = table["os_groups"]
    return [document for row in table["components"] for document in ComponentRow.read(row, groups).documents()]


def image_documents(text: str) -> list[dict[str, Any]]:
    return [document for row in yaml.safe_load(text)["images"] for document in ImageRow.read(row).documents()]
