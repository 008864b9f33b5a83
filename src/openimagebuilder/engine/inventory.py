"""CollectImageMetadata on a real target (a container or a machine): one shell script that prints
the OS name and the installed packages of whichever package manager is there, and its reading."""
from __future__ import annotations

INVENTORY_SCRIPT = """. /etc/os-release 2>/dev/null && echo "os:${PRETTY_NAME:-$NAME}"
if command -v dpkg-query >/dev/null 2>&1; then dpkg-query -W -f 'pkg:${Package} ${Version}\\n'
elif command -v rpm >/dev/null 2>&1; then rpm -qa --qf 'pkg:%{NAME} %{VERSION}-%{RELEASE}\\n'
elif command -v apk >/dev/null 2>&1; then apk info -v 2>/dev/null | sed 's/^/apk:/'
fi
true
"""


def read_inventory(text: str) -> tuple[str | None, list[dict[str, str]]]:
    """The target's OS name and packages, from what INVENTORY_SCRIPT printed."""
    os_version, packages = None, []
    for line in text.splitlines():
        kind, _, rest = line.partition(":")
        if kind == "os" and rest:
            os_version = rest
        elif kind == "pkg" and " " in rest:
            name, version = rest.split(" ", 1)
            packages.append({"packageName": name, "packageVersion": version})
        elif kind == "apk" and "-" in rest:
            name, version, release = rest.rsplit("-", 2) if rest.count("-") >= 2 else (rest, "", "")
            packages.append({"packageName": name, "packageVersion": f"{version}-{release}".strip("-")})
    return os_version, packages
