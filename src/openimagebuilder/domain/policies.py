"""Resource policies (PutComponentPolicy, PutImagePolicy, PutImageRecipePolicy,
PutContainerRecipePolicy): the policy document parsed and checked, and the accounts it shares the
resource with: accounts, organizations and organizational units.

AWS documents the policy as an IAM resource-based policy that shares the resource through RAM
(PromoteResourceShareCreatedFromPolicy): statements that Allow the resource type's read actions
(`imagebuilder:GetImage` and `imagebuilder:ListImages` for an image, ...) to AWS principals. The
checks here are those of IAM's policy grammar plus what such a share can express; a policy that
could not become a RAM share is refused, naming what is wrong.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

# The actions a policy on each shareable resource type may allow (AWS's sharing guide shows
# exactly these pairs for each type).
ALLOWED_ACTIONS: Mapping[str, frozenset[str]] = MappingProxyType({
    "component": frozenset({"imagebuilder:GetComponent", "imagebuilder:ListComponents"}),
    "image": frozenset({"imagebuilder:GetImage", "imagebuilder:ListImages"}),
    "image-recipe": frozenset({"imagebuilder:GetImageRecipe", "imagebuilder:ListImageRecipes"}),
    "container-recipe": frozenset({"imagebuilder:GetContainerRecipe", "imagebuilder:ListContainerRecipes"}),
})
POLICY_VERSIONS = frozenset({"2012-10-17", "2008-10-17"})
_STATEMENT_KEYS = frozenset({"Sid", "Effect", "Principal", "Action", "Resource", "Condition",
                             "NotAction", "NotPrincipal", "NotResource"})
_ACCOUNT = re.compile(r"^[0-9]{12}$")
_ROOT = re.compile(r"^arn:aws[a-z-]*:iam::([0-9]{12}):root$")
# RAM's principals besides accounts (its CreateResourceShare documents these ARN forms); AWS
# documents sharing Image Builder resources with organizations and OUs, inside or outside the
# owner's own. The grant names the organization (`o-...`) or the OU (`ou-...`), which an account's
# membership matches (domain/organizations.py).
_ORGANIZATION = re.compile(r"^arn:aws[a-z-]*:organizations::[0-9]{12}:organization/(o-[a-z0-9]{10,32})$")
_UNIT = re.compile(r"^arn:aws[a-z-]*:organizations::[0-9]{12}:ou/o-[a-z0-9]{10,32}/(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$")
_SID = re.compile(r"^[A-Za-z0-9]*$")


class PolicyError(ValueError):
    """The policy is not valid; `message` says why, in AWS's words where known."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ResourcePolicy:
    text: str                    # as given: Get*Policy returns it unchanged
    grantees: frozenset[str]     # account ids, organization ids (o-...) and OU ids (ou-...) it is shared with


def parse_policy(text: str, resource_type: str, resource_arn: str) -> ResourcePolicy:
    """Parses and checks a policy for the resource `resource_arn` of `resource_type`; raises
    PolicyError for anything that is not a valid sharing policy for it."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise PolicyError("The policy is not valid JSON.") from None
    if not isinstance(document, dict):
        raise PolicyError("The policy must be a JSON object.")
    unknown = sorted(set(document) - {"Version", "Id", "Statement"})
    if unknown:
        raise PolicyError(f"The policy has an unknown element: '{unknown[0]}'.")
    version = document.get("Version")
    # Any JSON value may arrive here; a list or object is unhashable, so test the type first.
    if version is not None and (not isinstance(version, str) or version not in POLICY_VERSIONS):
        raise PolicyError(f"The policy Version must be one of [{', '.join(sorted(POLICY_VERSIONS))}].")
    if "Id" in document and not isinstance(document["Id"], str):
        raise PolicyError("The policy Id must be a string.")
    statements = document.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise PolicyError("The policy must contain at least one Statement.")
    grantees: set[str] = set()
    allowed = ALLOWED_ACTIONS[resource_type]
    for index, statement in enumerate(statements):
        grantees |= _statement_grantees(statement, index, allowed, resource_arn)
    return ResourcePolicy(text, frozenset(grantees))


def _statement_grantees(statement: Any, index: int, allowed: frozenset[str], resource_arn: str) -> set[str]:
    where = f"Statement[{index}]"
    if not isinstance(statement, dict):
        raise PolicyError(f"{where} must be a JSON object.")
    unknown = sorted(set(statement) - _STATEMENT_KEYS)
    if unknown:
        raise PolicyError(f"{where} has an unknown element: '{unknown[0]}'.")
    for element in ("NotAction", "NotPrincipal", "NotResource", "Condition"):
        if element in statement:
            raise PolicyError(f"{where}: {element} is not supported in a policy that shares an Image Builder "
                              "resource.")
    sid = statement.get("Sid")
    if sid is not None and (not isinstance(sid, str) or not _SID.match(sid)):
        raise PolicyError(f"{where}: Sid must contain only letters and digits.")
    if statement.get("Effect") != "Allow":
        raise PolicyError(f"{where}: Effect must be Allow; a policy that shares a resource only allows.")
    actions = _strings(statement.get("Action"), f"{where}.Action")
    if not actions:
        raise PolicyError(f"{where}: Action is required.")
    for action in actions:
        if action not in allowed:
            raise PolicyError(f"{where}: the action '{action}' cannot be shared. Allowed actions: "
                              f"[{', '.join(sorted(allowed))}].")
    if "Resource" in statement:
        for resource in _strings(statement["Resource"], f"{where}.Resource"):
            if resource not in (resource_arn, "*"):
                raise PolicyError(f"{where}: the Resource '{resource}' is not the resource this policy is "
                                  f"applied to ('{resource_arn}').")
    return _principals(statement.get("Principal"), where)


def _principals(principal: Any, where: str) -> set[str]:
    if principal is None:
        raise PolicyError(f"{where}: Principal is required.")
    if principal == "*":
        raise PolicyError(f"{where}: the Principal '*' would make the resource public, which Image Builder does "
                          "not allow. Name AWS accounts, organizations or organizational units.")
    if not isinstance(principal, dict) or not principal:
        raise PolicyError(f"{where}: Principal must be an object such as {{\"AWS\": [\"123456789012\"]}}.")
    other = sorted(set(principal) - {"AWS"})
    if other:
        raise PolicyError(f"{where}: the principal type '{other[0]}' cannot be shared with. Name AWS accounts, "
                          "organizations or organizational units under \"AWS\".")
    grantees = set()
    for value in _strings(principal["AWS"], f"{where}.Principal.AWS"):
        if _ACCOUNT.match(value):
            grantees.add(value)
        elif match := _ROOT.match(value) or _ORGANIZATION.match(value) or _UNIT.match(value):
            grantees.add(match.group(1))
        else:
            raise PolicyError(f"{where}: the principal '{value}' is not valid. Use a 12-digit AWS account id, "
                              "arn:aws:iam::<account-id>:root, arn:aws:organizations::<account-id>:organization/"
                              "<organization-id> or arn:aws:organizations::<account-id>:ou/<organization-id>/<ou-id>.")
    if not grantees:
        raise PolicyError(f"{where}: Principal names no account.")
    return grantees


def _strings(value: Any, where: str) -> list[str]:
    """An IAM element that is one string or a list of strings."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    if value is None:
        return []
    raise PolicyError(f"{where} must be a string or a list of strings.")
