"""QEMU as a subprocess: one machine per build or test instance, booted with the base's kernel and
oib's initramfs from a qcow2 disk, with the agent's virtio-serial port on a unix socket, the
serial console in a file and (at most) QEMU's user-mode network. KVM is used only when a probe
shows it really runs a guest; otherwise TCG (software emulation), and the log says which.

Every QEMU process is started by one long-lived thread of its own with a parent-death signal
(SIGKILL), so no machine outlives the oib process that started it, however that process ends."""
from __future__ import annotations

import json
import logging
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..containers.lifetime import die_with_parent
from .disk import ROOT_DEVICE
from .guest import AGENT_PORT
from .settings import VmSettings

log = logging.getLogger(__name__)

QEMU = "qemu-system-x86_64"
KVM_PROBE_SECONDS = 10.0   # a kernel that works under KVM is through its boot in about a second
_kvm_works: dict[Path, bool] = {}
_kvm_lock = threading.Lock()


class MachineError(RuntimeError):
    """QEMU could not start or the machine stopped; the message ends with its console's last lines."""


@dataclass(frozen=True)
class Boot:
    """What a machine boots: a kernel and oib's initramfs for it (kept with the base image)."""
    kernel: Path
    initramfs: Path


def kvm_works(boot: Boot) -> bool:
    """Whether KVM really runs this kernel here. /dev/kvm can exist and still fail ordinary guests
    (a paravirtual KVM on which firmware code crawls and stock kernels hang early in their boot),
    so the probe boots the kernel with oib's initramfs, whose /init powers off at once when it sees
    `oib.probe`: only QEMU exiting by itself in time counts. The answer is kept per process and in
    a file beside the kernel until the host reboots (the probe costs up to 10 s when KVM fails)."""
    with _kvm_lock:
        if boot.kernel in _kvm_works:
            return _kvm_works[boot.kernel]
        cache = boot.kernel.parent / "kvm-probe.json"
        key = f"{_boot_id()} {boot.kernel.resolve()} {boot.kernel.stat().st_mtime_ns}"
        known = _read_probe(cache)
        if key in known:
            works = bool(known[key])
        else:
            works = _probe_kvm(boot)
            try:
                cache.write_text(json.dumps({key: works}))
            except OSError:
                pass   # probed again by the next process
        _kvm_works[boot.kernel] = works
        return works


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return "unknown"


def _read_probe(cache: Path) -> dict[str, bool]:
    try:
        return dict(json.loads(cache.read_text()))
    except (OSError, ValueError):
        return {}


def _probe_kvm(boot: Boot) -> bool:
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False
    try:
        process = subprocess.run(
            [QEMU, "-accel", "kvm", "-cpu", "max", "-machine", "pc", "-nodefaults", "-no-user-config",
             "-display", "none", "-m", "256", "-kernel", str(boot.kernel), "-initrd", str(boot.initramfs),
             "-append", "console=ttyS0 oib.probe quiet", "-nic", "none"],
            capture_output=True, timeout=KVM_PROBE_SECONDS, stdin=subprocess.DEVNULL)
    except (subprocess.TimeoutExpired, OSError):
        return False
    return process.returncode == 0


def accelerator(settings: VmSettings, boot: Boot) -> str:
    """"kvm" or "tcg": the setting, or for "auto" what the probe found for this kernel."""
    if settings.accelerator != "auto":
        return settings.accelerator
    return "kvm" if kvm_works(boot) else "tcg"


class _Spawner:
    """Starts processes from one thread that lives as long as the process: a parent-death signal
    follows the thread that started the child, and a machine must outlive the worker thread (and
    the build step) that asked for it."""

    def __init__(self) -> None:
        self._requests: queue.Queue[tuple[Callable[[], subprocess.Popen[bytes]], queue.Queue[object]]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def spawn(self, start: Callable[[], subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="oib-vm-spawner", daemon=True)
                self._thread.start()
        answer: queue.Queue[object] = queue.Queue()
        self._requests.put((start, answer))
        result = answer.get()
        if isinstance(result, BaseException):
            raise result
        return result  # type: ignore[return-value]

    def _serve(self) -> None:
        while True:
            start, answer = self._requests.get()
            try:
                answer.put(start())
            except BaseException as error:  # noqa: BLE001 - handed to the caller
                answer.put(error)


_spawner = _Spawner()


@dataclass
class Machine:
    """A running QEMU: its process, its directory (disk overlay, sockets, console log) and the
    accelerator it runs on. `process` is None for a machine another process of this host started
    (attach): it is then known by its pid, and only while its command line names its directory."""
    name: str
    process: subprocess.Popen[bytes] | None
    directory: Path
    accelerator: str
    pid: int = 0

    def __post_init__(self) -> None:
        if self.process is not None:
            self.pid = self.process.pid

    @classmethod
    def attach(cls, name: str, directory: Path, pid: int, accelerator: str) -> Machine:
        return cls(name, None, directory, accelerator, pid)

    @property
    def agent_socket(self) -> Path:
        return self.directory / "agent.sock"

    @property
    def console_log(self) -> Path:
        return self.directory / "console.log"

    def running(self) -> bool:
        if self.process is not None:
            return self.process.poll() is None
        try:   # a zombie's command line is empty; a reused pid's names another directory
            return str(self.directory).encode() in Path(f"/proc/{self.pid}/cmdline").read_bytes()
        except OSError:
            return False

    def console_tail(self, lines: int = 20) -> str:
        try:
            text = self.console_log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.replace("\r", "").splitlines()[-lines:])

    def kill(self) -> None:
        """Stops QEMU at once (the disk overlay is left for the caller to keep or remove)."""
        if self.running():
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if not self.wait(10):
            log.error("QEMU %s (pid %d) did not exit after SIGKILL", self.name, self.pid)

    def wait(self, timeout: float) -> bool:
        """True once QEMU has exited, False if it still runs after `timeout` seconds."""
        if self.process is not None:
            try:
                self.process.wait(timeout=timeout)
                return True
            except subprocess.TimeoutExpired:
                return False
        deadline = time.monotonic() + timeout
        while self.running():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True


def launch(settings: VmSettings, boot: Boot, disk: Path, directory: Path, name: str, *,
           memory_mib: int | None = None, cpus: int | None = None, network: str | None = None) -> Machine:
    """Starts QEMU on `disk` (a qcow2 the machine writes to: give it an overlay) with the agent
    started by the initramfs; returns at once (connect an agent.AgentClient to wait for it)."""
    directory.mkdir(parents=True, exist_ok=True)
    accel = accelerator(settings, boot)
    machine_dir = directory
    for stale in ("agent.sock", "console.log"):
        (machine_dir / stale).unlink(missing_ok=True)
    network = network or settings.network
    args = [
        # -cpu max: every instruction set extension QEMU has (TCG emulates up to AVX2), so software
        # built for newer x86-64 levels runs; the KVM probe boots with it too.
        QEMU, "-name", name, "-machine", "pc", "-accel", "kvm" if accel == "kvm" else "tcg,thread=multi", "-cpu", "max",
        "-m", str(memory_mib or settings.memory_mib), "-smp", str(cpus or settings.cpus),
        "-nodefaults", "-no-user-config", "-display", "none",
        "-kernel", str(boot.kernel), "-initrd", str(boot.initramfs),
        "-append", f"console=ttyS0 root={ROOT_DEVICE} rw oib.agent quiet panic=-1",
        "-drive", f"file={disk},if=virtio,format=qcow2,discard=unmap",
        "-serial", f"file:{machine_dir / 'console.log'}",
        "-device", "virtio-serial-pci",
        "-chardev", f"socket,id=agent,path={machine_dir / 'agent.sock'},server=on,wait=off",
        "-device", f"virtserialport,chardev=agent,name={AGENT_PORT}",
    ]
    if network == "user":
        # Slirp: the guest reaches what the host reaches (the package mirrors), nothing reaches the guest.
        args += ["-nic", "user,model=virtio-net-pci"]
    else:
        args += ["-nic", "none"]

    def start() -> subprocess.Popen[bytes]:
        with open(machine_dir / "qemu.log", "ab") as output:
            return subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                    start_new_session=True, preexec_fn=die_with_parent(signal.SIGKILL))
    try:
        process = _spawner.spawn(start)
    except OSError as error:
        raise MachineError(f"QEMU could not start: {error}") from None
    log.info("machine %s started on %s (pid %d, %s)", name, disk, process.pid,
             "KVM" if accel == "kvm" else "TCG, software emulation: KVM is not usable here")
    return Machine(name, process, machine_dir, accel)
