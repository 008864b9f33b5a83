"""UpdateOS on a target whose package managers are small recording scripts: which manager is
chosen, and how include and exclude reach it."""
from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path

import pytest

from openimagebuilder.toe.executor import RunOutcome
from openimagebuilder.toe.local import LocalExecutor
from openimagebuilder.toe.modules import RunnerSettings, StepCall
from openimagebuilder.toe.modules.execute import update_os


class TargetWithPath(LocalExecutor):
    """This machine with PATH limited to one folder: the target has exactly the tools put there."""

    def __init__(self, working_directory: Path, path: Path) -> None:
        super().__init__(working_directory)
        self.path = path

    def run(self, script: str, *, env: Mapping[str, str] | None = None, **options: object) -> RunOutcome:
        return super().run(script, env={**(env or {}), "PATH": str(self.path)}, **options)  # type: ignore[arg-type]


def fake_tools(folder: Path, *names: str) -> Path:
    folder.mkdir(exist_ok=True)
    for name in names:
        tool = folder / name
        tool.write_text(f'#!/bin/sh\necho "{name} $*" >> "{folder}/calls"\n')
        tool.chmod(0o755)
    return folder


def update(tmp_path: Path, tools: Path, inputs: object, dry_run: bool = False):  # type: ignore[no-untyped-def]
    return update_os(StepCall("UpdateOS", inputs, TargetWithPath(tmp_path, tools), RunnerSettings(dry_run=dry_run),
                              60.0, threading.Event(), lambda stream, line: None))


def calls(tools: Path) -> list[str]:
    return (tools / "calls").read_text().splitlines() if (tools / "calls").exists() else []


def test_no_package_manager_fails_clearly(tmp_path: Path) -> None:
    result = update(tmp_path, fake_tools(tmp_path / "bin"), {})
    assert not result.succeeded
    assert result.message == ("UpdateOS failed: UpdateOS: no supported package manager found on the target"
                              " (apt-get, dnf, yum, zypper, apk)")


def test_apt_get_updates_everything_but_holds_excluded_packages(tmp_path: Path) -> None:
    tools = fake_tools(tmp_path / "bin", "apt-get", "apt-mark")
    result = update(tmp_path, tools, {"exclude": ["ec2-hibinit-agent"]})
    assert result.succeeded, result.message
    assert calls(tools) == ["apt-get update", "apt-mark hold ec2-hibinit-agent", "apt-get upgrade -y",
                            "apt-mark unhold ec2-hibinit-agent"]


def test_include_minus_exclude_with_dnf_and_no_glob_expansion(tmp_path: Path) -> None:
    tools = fake_tools(tmp_path / "bin", "dnf", "yum")
    (tmp_path / "kernel-match").write_text("")   # a '*' must reach dnf, not be expanded here
    result = update(tmp_path, tools, {"include": ["kernel*", "curl", "openssl"], "exclude": ["curl"]})
    assert result.succeeded, result.message
    assert calls(tools) == ["dnf -y --exclude=curl upgrade kernel* openssl"]


def test_yum_zypper_and_apk_are_found_in_turn(tmp_path: Path) -> None:
    yum = fake_tools(tmp_path / "yum", "yum")
    assert update(tmp_path, yum, {}).succeeded and calls(yum) == ["yum -y upgrade"]
    zypper = fake_tools(tmp_path / "zypper", "zypper")
    assert update(tmp_path, zypper, {"exclude": ["kernel-default"]}).succeeded
    assert calls(zypper) == ["zypper --non-interactive refresh", "zypper --non-interactive addlock kernel-default",
                             "zypper --non-interactive update", "zypper --non-interactive removelock kernel-default"]
    apk = fake_tools(tmp_path / "apk", "apk")
    assert update(tmp_path, apk, {"include": ["musl"]}).succeeded and calls(apk) == ["apk update", "apk upgrade musl"]
    refused = update(tmp_path, apk, {"exclude": ["musl"]})
    assert not refused.succeeded and "not supported with apk" in refused.message


def test_everything_excluded_updates_nothing_and_a_dry_run_runs_nothing(tmp_path: Path) -> None:
    tools = fake_tools(tmp_path / "bin", "apt-get", "apt-mark")
    assert update(tmp_path, tools, {"include": ["a"], "exclude": ["a"]}).succeeded
    assert update(tmp_path, tools, {}, dry_run=True).succeeded
    assert calls(tools) == []


@pytest.mark.parametrize("inputs", [{"include": "curl"}, {"exclude": [["nested"]]}])
def test_package_lists_must_be_lists_of_names(tmp_path: Path, inputs: object) -> None:
    result = update(tmp_path, fake_tools(tmp_path / "bin", "apt-get"), inputs)
    assert not result.succeeded and "must be a list of package names" in result.message
