"""EC2 instance types as machine sizes. An infrastructure configuration's `instanceTypes` name what
AWS would build on; here the first one oib knows sets the machine's vCPUs and memory, capped by
what the host is configured to give one machine (VmSettings.max_cpus / max_memory_mib): a build
host is not a fleet. Arm (Graviton) types are refused: oib's machines are x86_64."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .settings import VmSettings

# (vCPUs, GiB) per size, from EC2's instance type tables, for the families builds commonly name.
Sizes = dict[str, tuple[int, float]]
_T2: Sizes = {"nano": (1, 0.5), "micro": (1, 1), "small": (1, 2), "medium": (2, 4), "large": (2, 8),
              "xlarge": (4, 16), "2xlarge": (8, 32)}
_T3: Sizes = {"nano": (2, 0.5), "micro": (2, 1), "small": (2, 2), "medium": (2, 4), "large": (2, 8),
              "xlarge": (4, 16), "2xlarge": (8, 32)}
_M: Sizes = {"large": (2, 8), "xlarge": (4, 16), "2xlarge": (8, 32), "4xlarge": (16, 64), "8xlarge": (32, 128)}
_C: Sizes = {"large": (2, 4), "xlarge": (4, 8), "2xlarge": (8, 16), "4xlarge": (16, 32), "9xlarge": (36, 72)}
_R: Sizes = {"large": (2, 16), "xlarge": (4, 32), "2xlarge": (8, 64), "4xlarge": (16, 128)}
FAMILIES: dict[str, Sizes] = {
    "t2": _T2, "t3": _T3, "t3a": _T3,
    **{family: _M for family in ("m4", "m5", "m5a", "m5n", "m6i", "m6a", "m7i", "m7a")},
    **{family: _C for family in ("c4", "c5", "c5a", "c5n", "c6i", "c6a", "c7i", "c7a")},
    **{family: _R for family in ("r4", "r5", "r5a", "r6i", "r6a", "r7i")},
}
_ARM = re.compile(r"^[a-z]+\d+g[a-z]*$")   # t4g, m6g, c7gn, r8g, ...


class UnsupportedInstanceType(ValueError):
    pass


@dataclass(frozen=True)
class MachineSize:
    cpus: int
    memory_mib: int
    note: str            # what was chosen and why, for the build log


def machine_size(instance_types: list[str], settings: VmSettings) -> MachineSize:
    """The size of a machine for an infrastructure configuration's instance types."""
    default = MachineSize(settings.cpus, settings.memory_mib,
                          f"{settings.cpus} vCPU, {settings.memory_mib} MiB (oib's default machine size)")
    for instance_type in instance_types:
        family, _, size = instance_type.partition(".")
        if _ARM.match(family):
            raise UnsupportedInstanceType(f"Instance type {instance_type} is an Arm (Graviton) type; oib's "
                                          "machines are x86_64.")
        known = FAMILIES.get(family, {}).get(size)
        if known is None:
            continue
        cpus = min(known[0], settings.max_cpus)
        memory = min(int(known[1] * 1024), settings.max_memory_mib)
        capped = " (capped by this host's limits)" if (cpus, memory) != (known[0], int(known[1] * 1024)) else ""
        return MachineSize(cpus, memory, f"{cpus} vCPU, {memory} MiB for {instance_type}{capped}")
    if instance_types:
        return MachineSize(default.cpus, default.memory_mib,
                           f"{default.note}: none of {', '.join(instance_types)} is a type oib knows")
    return default
