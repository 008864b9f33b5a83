"""Windows-only actions on a Linux target fail with a clear message, and the platform table the
interpreter consults agrees with AWS's action list."""
from __future__ import annotations

import threading

import pytest

from openimagebuilder.domain.component_document import ACTIONS
from openimagebuilder.toe.local import LocalExecutor
from openimagebuilder.toe.modules import MODULES, RunnerSettings, StepCall
from openimagebuilder.toe.modules.platforms import (
    NOT_ON_WINDOWS_ACTIONS,
    WINDOWS_ONLY_ACTIONS,
    platform_problem,
    windows_only_actions,
)


@pytest.mark.parametrize("action", sorted(WINDOWS_ONLY_ACTIONS))
def test_windows_only_actions_fail_on_linux(action, tmp_path):
    call = StepCall(action=action, inputs={"path": "C:\\x.msi"}, executor=LocalExecutor(tmp_path),
                    settings=RunnerSettings(platform="Linux"), timeout=None, cancel=threading.Event(),
                    on_output=lambda stream, line: None)
    result = MODULES[action](call)
    assert not result.succeeded
    assert result.message == f"Action {action} is supported only on Windows."
    assert list(tmp_path.iterdir()) == []


def test_platform_table():
    assert windows_only_actions() == {"ExecutePowerShell", "InstallMSI", "UninstallMSI", "SetRegistry"}
    assert WINDOWS_ONLY_ACTIONS | NOT_ON_WINDOWS_ACTIONS <= set(ACTIONS)
    assert platform_problem("InstallMSI", "linux") == "Action InstallMSI is supported only on Windows."
    assert platform_problem("InstallMSI", "Windows") is None
    assert platform_problem("CreateSymlink", "Windows") == "Action CreateSymlink is not supported on Windows."
    assert platform_problem("CreateFile", "macOS") is None
