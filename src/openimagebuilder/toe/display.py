"""A step's inputs as a person reads them in a log: the YAML they were written in, one line per
log line, long scripts as the block they are (not JSON with escaped newlines)."""
from __future__ import annotations

from typing import Any

import yaml


class _LogDumper(yaml.SafeDumper):
    pass


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_LogDumper.add_representer(str, _text)


def inputs_lines(inputs: Any) -> list[str]:
    """The inputs as YAML lines; none for inputs that are empty (no inputs, {}, [])."""
    if inputs is None or inputs == {} or inputs == []:
        return []
    text = yaml.dump(inputs, Dumper=_LogDumper, default_flow_style=False, sort_keys=False, allow_unicode=True,
                     width=1 << 16)
    return [line for line in text.splitlines() if line.strip() and line != "..."]
