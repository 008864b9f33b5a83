"""Semantic versions as Image Builder uses them: X.Y.Z with service-assigned build numbers and
`x` wildcards that may only run from the right (`1.x.x` yes, `x.2.x` no). Parts may have leading
zeros: AWS documents dates such as `2021.01.01` as versions and echoes `2019.12.03` back as given,
so a version keeps its text while it compares, orders and matches wildcards by its numbers."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_PART = 1073741823  # 2**30 - 1, AWS's documented bound for each part

_EXACT = re.compile(r"^([0-9]+)\.([0-9]+)\.([0-9]+)$")
_MAX_DIGITS = len(str(MAX_PART))  # 10: a part, leading zeros included, is at most this long
_PART = re.compile(r"^(?:[0-9]+|x)$")


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int
    # The text as the client gave it (`2019.12.03`), which ARNs and responses repeat; left out of
    # comparisons so that `2019.12.03` and `2019.12.3` order and match as the same numbers.
    text: str = field(default="", compare=False)

    def __str__(self) -> str:
        return self.text or f"{self.major}.{self.minor}.{self.patch}"


def parse_version(text: str) -> Version | None:
    """An exact version, or None. Parts above MAX_PART are rejected; leading zeros are kept in its text."""
    match = _EXACT.match(text)
    if match is None:
        return None
    if any(len(group) > _MAX_DIGITS for group in match.groups()):
        return None  # bounds the text (ARNs, the store's 40-character column) whatever its zeros
    parts = [int(group) for group in match.groups()]
    if any(part > MAX_PART for part in parts):
        return None
    return Version(parts[0], parts[1], parts[2], text)


@dataclass(frozen=True)
class VersionFilter:
    """X.Y.Z where trailing parts may be `x`; matches exact versions."""
    parts: tuple[int | None, int | None, int | None]

    def matches(self, version: Version) -> bool:
        return all(want is None or want == have
                   for want, have in zip(self.parts, (version.major, version.minor, version.patch), strict=True))

    @property
    def is_exact(self) -> bool:
        return None not in self.parts

    def __str__(self) -> str:
        return ".".join("x" if part is None else str(part) for part in self.parts)


def parse_version_filter(text: str) -> VersionFilter | None:
    pieces = text.split(".")
    if len(pieces) != 3 or not all(_PART.match(piece) for piece in pieces):
        return None
    parts = tuple(None if piece == "x" else int(piece) for piece in pieces)
    seen_wildcard = False
    for part in parts:
        if part is None:
            seen_wildcard = True
        elif seen_wildcard or part > MAX_PART:
            return None  # a number right of an `x`, or out of range
    return VersionFilter(parts)  # type: ignore[arg-type]


@dataclass(frozen=True)
class BuildVersionFilter:
    """A List's `version` filter value: `X.Y.Z` with wildcards as VersionFilter, optionally with
    the build node (`1.2.3/4`) after an exact version. AWS: "The semantic version has four nodes:
    <major>.<minor>.<patch>/<build>. You can assign values for the first three, and can filter on
    all of them." """
    version: VersionFilter
    build: int | None

    def matches(self, version: Version, build: int | None) -> bool:
        return self.version.matches(version) and (self.build is None or self.build == build)


def parse_build_version_filter(text: str) -> BuildVersionFilter | None:
    head, slash, tail = text.partition("/")
    version = parse_version_filter(head)
    if version is None:
        return None
    if not slash:
        return BuildVersionFilter(version, None)
    if not version.is_exact or not tail.isdigit() or len(tail) > _MAX_DIGITS or not 1 <= int(tail) <= MAX_PART:
        return None  # a build number only under an exact version, as in a build-version ARN
    return BuildVersionFilter(version, int(tail))


def parse_build_version(text: str) -> tuple[Version, int | None] | None:
    """`X.Y.Z` or `X.Y.Z/N`, as the version members of responses spell them."""
    head, slash, tail = text.partition("/")
    version = parse_version(head)
    if version is None or (slash and not tail.isdigit()):
        return None
    return version, int(tail) if slash else None


def newest(versions: list[tuple[Version, int]], wanted: VersionFilter) -> tuple[Version, int] | None:
    """The newest (version, build) that the filter matches."""
    matching = [entry for entry in versions if wanted.matches(entry[0])]
    return max(matching) if matching else None


def sort_key(name_id: str, version: Version | None = None, build: int = 0) -> str:
    """A string that orders resources by name, then version numerically, then build."""
    if version is None:
        return name_id
    return f"{name_id}/{version.major:010d}.{version.minor:010d}.{version.patch:010d}/{build:010d}"
