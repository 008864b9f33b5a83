"""The `oib` command line's parser: a mistake on it is one line on stderr and exit status 2, never
a usage block or a traceback; `oib --version` names the installed version."""
from __future__ import annotations

import argparse
import sys
from importlib import metadata
from typing import NoReturn

USAGE_ERROR = 2


class OneLineParser(argparse.ArgumentParser):
    """argparse's parser, with its errors on one line that points at --help. Subcommand parsers
    are of the same class (argparse makes them with type(parent))."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def version() -> str:
    try:
        return metadata.version("openimagebuilder")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def command_name(argv: list[str]) -> str:
    """`oib clock` for `oib clock advance 1h`: how a command's one-line errors begin."""
    words = [word for word in argv if not word.startswith("-")][:1]
    return " ".join(["oib", *words])


def fail(prefix: str, message: str, status: int) -> int:
    print(f"{prefix}: error: {message}", file=sys.stderr)
    return status
