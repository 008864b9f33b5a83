"""A buildah working container as a build target for the component runner (toe.executor.Executor):
each script is one `buildah run`, files go in and out through buildah."""
from __future__ import annotations

import threading
from collections.abc import Mapping

from ..toe.executor import OutputSink, RunOutcome, TargetError
from .buildah import Buildah


class ContainerExecutor:
    def __init__(self, buildah: Buildah, container: str, shell: str = "/bin/sh") -> None:
        self.buildah = buildah
        self.container = container
        self.shell = shell

    def run(self, script: str, *, timeout: float | None = None, on_output: OutputSink | None = None,
            cancel: threading.Event | None = None, env: Mapping[str, str] | None = None,
            cwd: str | None = None) -> RunOutcome:
        return self.buildah.run(self.container, script, timeout=timeout, on_output=on_output, cancel=cancel,
                                env=env, cwd=cwd, shell=self.shell)

    def put_file(self, path: str, data: bytes, *, mode: int | None = None) -> None:
        self.buildah.put_file(self.container, path, data, mode)

    def get_file(self, path: str) -> bytes:
        return self.buildah.get_file(self.container, path)

    def reboot(self, cancel: threading.Event | None = None) -> None:
        # A container has no kernel or init of its own to restart; AWS does not support Reboot
        # in container builds either.
        raise TargetError("a container cannot reboot")
