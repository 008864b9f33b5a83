"""Writes protocol/generated.py from botocore's imagebuilder model: one exception class per error
shape, one StrEnum per enum shape, one TypedDict per structure shape.

    python -m openimagebuilder.protocol.generate           # rewrite the module (`make generate`)
    python -m openimagebuilder.protocol.generate --check   # exit 1 if it differs

The module is checked in so that readers and type checkers see the names; a unit test keeps it
equal to this generator's output for the installed model. The output depends on nothing but the
model (shapes in name order, members in model order), so it is reproducible.
"""
from __future__ import annotations

import argparse
import json
import keyword
import re
import sys
from pathlib import Path

from botocore.model import ListShape, MapShape, Shape, StructureShape

from .model import service_model

TARGET = Path(__file__).with_name("generated.py")

HEADER = '''\
"""Types of the imagebuilder API, generated from botocore's service model by
`python -m openimagebuilder.protocol.generate` (`make generate`). Do not edit: a unit test checks
that this file equals the generator's output.

- Errors: one class per error shape, with its code and the model's HTTP status.
- Enums: one StrEnum per enum shape. Requests carry plain strings, which compare equal to the
  members; structure members of an enum shape are typed `str` for that reason.
- Structures: one TypedDict per structure shape (requests, responses and what they contain), keys
  = model member names; the members the model requires are Required, the others may also be None,
  which the serializer leaves out as it does an absent member.
"""
from datetime import datetime
from enum import StrEnum
from typing import Required, TypedDict

from .service_error import ServiceError

# What a timestamp member holds: AWS's date text on the way in, a datetime or epoch seconds from
# the code that builds a response (the serializer formats all three).
Timestamp = str | float | datetime
'''

_SCALARS = {"string": "str", "boolean": "bool", "integer": "int", "long": "int", "float": "float",
            "double": "float", "blob": "bytes", "timestamp": "Timestamp"}
_RESERVED = frozenset({"ServiceError", "StrEnum", "TypedDict", "Required", "Timestamp", "datetime",
                       "annotations", "ERRORS"})


def render() -> str:
    model = service_model()
    shapes = [model.shape_for(name) for name in sorted(model.shape_names)]
    errors = [shape for shape in shapes if shape.metadata.get("exception")]
    enums = [shape for shape in shapes if shape.type_name == "string" and shape.enum]
    structures = [shape for shape in shapes if isinstance(shape, StructureShape)
                  and not shape.metadata.get("exception")]
    for shape in errors + enums + structures:
        if not shape.name.isidentifier() or keyword.iskeyword(shape.name) or shape.name in _RESERVED:
            raise ValueError(f"shape name {shape.name!r} cannot be a Python name here")
    parts = [HEADER, "\n# -- errors " + "-" * 87 + "\n"]
    parts += [_error(shape) for shape in errors]
    parts.append("\n\nERRORS: tuple[type[ServiceError], ...] = (\n"
                 + "".join(f"    {shape.name},\n" for shape in errors) + ")\n")
    parts.append("\n# -- enums " + "-" * 88 + "\n")
    parts += [_enum(shape) for shape in enums]
    parts.append("\n# -- structures " + "-" * 83 + "\n")
    parts += [_structure(shape) for shape in structures]
    return "".join(parts)


def _error(shape: Shape) -> str:
    status = int(shape.metadata.get("error", {}).get("httpStatusCode", 400))
    return f'\n\nclass {shape.name}(ServiceError):\n    code = "{shape.name}"\n    status = {status}\n'


def _enum(shape: Shape) -> str:
    names = [enum_member_name(value) for value in shape.enum]
    if len(set(names)) != len(names):
        raise ValueError(f"enum {shape.name} has members whose names collide: {names}")
    body = "".join(f"    {name} = {json.dumps(value)}\n" for name, value in zip(names, shape.enum, strict=True))
    return f"\n\nclass {shape.name}(StrEnum):\n{body}"


def enum_member_name(value: str) -> str:
    """An enum value as a Python constant: words split at case changes and punctuation, upper case
    (`AWSMarketplace` → AWS_MARKETPLACE, `aws:ec2:image` → AWS_EC2_IMAGE, `gp3` → GP3)."""
    words = re.sub(r"([a-z0-9])([A-Z])|([A-Z])([A-Z][a-z])", r"\1\3_\2\4", value)
    name = re.sub(r"[^0-9A-Za-z]+", "_", words).strip("_").upper()
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"enum value {value!r} has no Python name")
    return name


def _structure(shape: StructureShape) -> str:
    required = set(shape.required_members)
    lines = []
    for member, member_shape in shape.members.items():
        if not member.isidentifier() or keyword.iskeyword(member):
            raise ValueError(f"member {shape.name}.{member} cannot be a Python name")
        annotation = _annotation(member_shape) if member in required else f"{_annotation(member_shape)} | None"
        if _refers_to_structure(member_shape):
            annotation = f'"{annotation}"'  # a forward reference: the structure may be defined further down
        lines.append(f"    {member}: {f'Required[{annotation}]' if member in required else annotation}\n")
    body = "".join(lines) or "    pass\n"
    return f"\n\nclass {shape.name}(TypedDict, total=False):\n{body}"


def _annotation(shape: Shape) -> str:
    if isinstance(shape, StructureShape):
        return str(shape.name)
    if isinstance(shape, ListShape):
        return f"list[{_annotation(shape.member)}]"
    if isinstance(shape, MapShape):
        return f"dict[{_annotation(shape.key)}, {_annotation(shape.value)}]"
    return _SCALARS[shape.type_name]


def _refers_to_structure(shape: Shape) -> bool:
    if isinstance(shape, ListShape):
        return _refers_to_structure(shape.member)
    if isinstance(shape, MapShape):
        return _refers_to_structure(shape.value)
    return isinstance(shape, StructureShape)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 if the checked-in module differs")
    args = parser.parse_args(argv)
    text = render()
    stale = not TARGET.exists() or TARGET.read_text() != text
    if args.check:
        if stale:
            print(f"{TARGET} is not the generator's output; run `make generate`", file=sys.stderr)
        return 1 if stale else 0
    if stale:
        TARGET.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
