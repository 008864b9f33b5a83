"""Which actions a target's platform can run. AWS's user guide marks ExecutePowerShell,
InstallMSI, UninstallMSI and SetRegistry as Windows-only, and CreateSymlink, the owner and
permission modules and ExecuteBash as not supported on Windows. Our targets are Linux (POSIX sh),
so the Windows-only actions are registered here as modules that fail with a clear message; the
interpreter or a validator can ask `platform_problem` before a run to refuse such a document early."""
from __future__ import annotations

from . import ModuleResult, StepCall, register

WINDOWS_ONLY_ACTIONS = frozenset({"ExecutePowerShell", "InstallMSI", "UninstallMSI", "SetRegistry"})
NOT_ON_WINDOWS_ACTIONS = frozenset({"ExecuteBash", "CreateSymlink", "SetFileOwner", "SetFolderOwner",
                                    "SetFilePermissions", "SetFolderPermissions"})


def windows_only_actions() -> frozenset[str]:
    return WINDOWS_ONLY_ACTIONS


def platform_problem(action: str, platform: str) -> str | None:
    """Why `action` cannot run on a target of `platform` (Linux, Windows, macOS), or None."""
    windows = platform.strip().lower() == "windows"
    if action in WINDOWS_ONLY_ACTIONS and not windows:
        return f"Action {action} is supported only on Windows."
    if action in NOT_ON_WINDOWS_ACTIONS and windows:
        return f"Action {action} is not supported on Windows."
    return None


@register(*sorted(WINDOWS_ONLY_ACTIONS))
def windows_only(call: StepCall) -> ModuleResult:
    problem = platform_problem(call.action, call.settings.platform)
    # On a Windows target the action is valid, but this runner drives targets with POSIX sh only.
    message = problem or f"Action {call.action} needs a Windows target, which this runner does not drive."
    return ModuleResult(succeeded=False, message=message)
