"""An instance: a machine booted from a copy-on-write overlay of an image, with its agent connected.
Everything it has lives in one directory (overlay, agent socket, console log), so removing the
directory after killing QEMU leaves nothing behind."""
from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .agent import AgentClient, AgentError
from .disk import create_overlay, grow_disk
from .qemu import Boot, Machine, MachineError, launch
from .settings import VmSettings

POWER_OFF_SECONDS = 30.0
ATTACH_SECONDS = 15.0      # how long another process may take to let go of a machine's agent


@dataclass
class Instance:
    machine: Machine
    agent: AgentClient
    overlay: Path
    boot: Boot              # the kernel and initramfs it runs (an image made from it boots with them too)
    boot_seconds: float
    disk_grown: bool = False   # its partition was grown: the file system needs resize2fs

    @property
    def directory(self) -> Path:
        return self.machine.directory

    @classmethod
    def start(cls, settings: VmSettings, boot: Boot, image: Path, directory: Path, name: str, *,
              cancel: threading.Event | None = None, memory_mib: int | None = None,
              cpus: int | None = None, on_console: Callable[[str], None] | None = None,
              disk_bytes: int | None = None) -> Instance:
        """Boots `image` (left untouched: the machine writes to an overlay in `directory`) and waits
        for its agent; `on_console` gets the serial console's lines while it boots; `disk_bytes`:
        the disk's size, when larger than the image's (its partition grown; see disk.grow_disk). On
        any failure nothing is left running and `directory` is removed."""
        try:
            overlay = create_overlay(image, directory / "disk.qcow2")
            grown = grow_disk(overlay, disk_bytes) if disk_bytes else False
            machine = launch(settings, boot, overlay, directory, name, memory_mib=memory_mib, cpus=cpus)
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        agent = AgentClient(machine.agent_socket, machine.running, machine.console_tail)
        booted = threading.Event()
        follower = None
        if on_console is not None:
            follower = threading.Thread(target=_follow, args=(machine.console_log, on_console, booted),
                                        name=f"oib-console-{name}", daemon=True)
            follower.start()
        try:
            seconds = agent.connect(settings.boot_timeout, cancel)
        except BaseException:
            agent.close()
            machine.kill()
            shutil.rmtree(directory, ignore_errors=True)
            raise
        finally:
            booted.set()
            if follower is not None:
                follower.join(timeout=2)
        return cls(machine, agent, overlay, boot, seconds, grown)

    @classmethod
    def attach(cls, directory: Path, name: str, pid: int, accelerator: str, boot: Boot) -> Instance:
        """A machine another process of this host started (and still runs): its agent is reached
        through the socket in `directory` once that process has let go of it (release)."""
        machine = Machine.attach(name, directory, pid, accelerator)
        return cls(machine, AgentClient(machine.agent_socket, machine.running, machine.console_tail),
                   directory / "disk.qcow2", boot, 0.0)

    def connected(self, timeout: float = ATTACH_SECONDS, cancel: threading.Event | None = None) -> Instance:
        """This instance with its agent connected (again, after release)."""
        if not self.agent.connected:
            self.agent.connect(timeout, cancel)
        return self

    def release(self) -> None:
        """Lets go of the agent's connection between build steps, so that whichever worker process
        of this host runs the next step can take it."""
        self.agent.close()

    def power_off(self, timeout: float = POWER_OFF_SECONDS) -> float:
        """Syncs and stops the machine, leaving its overlay consistent; the seconds it took."""
        started = time.monotonic()
        try:
            self.agent.power_off(timeout)
        except AgentError:
            if self.machine.running():
                raise
        finally:
            self.agent.close()
        if not self.machine.wait(timeout):
            self.machine.kill()
            raise MachineError(f"machine {self.machine.name} did not power off within {timeout:.0f} s")
        return time.monotonic() - started

    def kill(self) -> None:
        self.agent.close()
        self.machine.kill()

    def remove(self) -> None:
        """Kills QEMU and removes the instance's directory with its overlay."""
        self.kill()
        shutil.rmtree(self.directory, ignore_errors=True)


def _follow(path: Path, on_line: Callable[[str], None], stop: threading.Event) -> None:
    """Hands each line written to `path` to `on_line` until `stop` is set (and then the rest)."""
    position, pending = 0, b""
    while True:
        done = stop.wait(0.2)
        try:
            with open(path, "rb") as handle:
                handle.seek(position)
                chunk = handle.read()
        except OSError:
            chunk = b""
        position += len(chunk)
        *lines, pending = (pending + chunk).split(b"\n")
        for line in lines:
            text = line.decode(errors="replace").rstrip("\r")
            if text.strip():
                on_line(text)
        if done:
            return
