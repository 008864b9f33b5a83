"""A VM instance as a build target for the component runner (toe.executor.Executor): each script is
one RUN on the guest agent with its output streamed, files go through the agent, and Reboot really
restarts the machine and waits for the agent to come back."""
from __future__ import annotations

import threading
from collections.abc import Mapping

from ..toe.executor import OutputSink, RunOutcome, TargetError
from .agent import AgentClient, AgentError

LONGEST_ARGUMENT = 100_000


def _quote(value: str) -> str:
    return "'" + value.replace("'", "'\"'\"'") + "'"


class VmExecutor:
    def __init__(self, agent: AgentClient, boot_timeout: float = 90.0, shell: str = "/bin/sh") -> None:
        self.agent = agent
        self.boot_timeout = boot_timeout
        self.shell = shell

    def run(self, script: str, *, timeout: float | None = None, on_output: OutputSink | None = None,
            cancel: threading.Event | None = None, env: Mapping[str, str] | None = None,
            cwd: str | None = None) -> RunOutcome:
        # The agent runs a file with /bin/sh; the environment, working directory and shell asked
        # for are set by a prologue, and the script itself runs as `shell -c script`, as buildah
        # and the local executor run it.
        lines = [f"export {name}={_quote(value)}" for name, value in (env or {}).items()]
        if cwd:
            lines.append(f"cd {_quote(cwd)} || exit 1")
        if len(script) < LONGEST_ARGUMENT:
            lines.append(f"exec {_quote(self.shell)} -c {_quote(script)}")
        else:   # too long for one argument (the kernel's limit is 128 KiB): run it in the agent's sh
            lines.append(script)
        try:
            return self.agent.run("\n".join(lines) + "\n", timeout=timeout, on_output=on_output, cancel=cancel)
        except AgentError as error:
            if cancel is not None and cancel.is_set():
                return RunOutcome(-1, "", str(error), cancelled=True)
            raise

    def put_file(self, path: str, data: bytes, *, mode: int | None = None) -> None:
        self.agent.put_file(path, data, mode)

    def get_file(self, path: str) -> bytes:
        return self.agent.get_file(path)

    def reboot(self, cancel: threading.Event | None = None) -> None:
        try:
            self.agent.reboot(self.boot_timeout, cancel)
        except AgentError as error:
            raise TargetError(f"the machine did not come back after a reboot: {error}") from None
