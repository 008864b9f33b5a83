"""buildah as a subprocess, configured by files of our own: every call gets CONTAINERS_CONF,
CONTAINERS_STORAGE_CONF, CONTAINERS_REGISTRIES_CONF, a signature policy and an auth file written
under run_root (the host's /etc/containers is never read for what matters), runc with its state
under run_root, the host network namespace or none (no bridges, no iptables rules), and scratch
space under run_root instead of /var/tmp. Working containers carry labels so that clean_up finds
what a killed worker left behind."""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..file_lock import file_lock
from ..host_tools import ToolsMissing
from ..toe.executor import OutputSink, RunOutcome, TargetError
from ..toe.local import _Reader, _SerialSink, _wait
from .lifetime import die_with_parent
from .registry import is_loopback
from .settings import ContainerSettings, require_tools

# Our own label on every working container: which of its labels were given by from_image (and are
# taken off the image at commit), so that clean_up can tell ours from an image's.
TRACKING_LABEL = "org.openimagebuilder.tracking"
NAME_PREFIX = "oib-"
BUD_PREFIX = "bud-"   # a bud's scratch directory, and the key of its runs' runc state
ABANDONED_SCRATCH_SECONDS = 60.0
# After SIGTERM, buildah stops its runc container and exits in ~0.05–0.6 s; past this it is killed
# and the runc state removed by hand, so a cancel completes well within a second.
TERMINATE_GRACE = 0.6
# Scripts longer than this go through a file in the container (argv strings are limited to 128 KiB).
INLINE_SCRIPT_LIMIT = 64 * 1024
# buildah's own failures end in "Error: ..." on stderr; a script's non-zero exit also shows as
# this line, which is buildah's, not the script's, and is kept out of the step's output.
RUNTIME_EXIT_LINE = "Error: while running runtime: exit status "
COMMAND_TIMEOUT = 300.0
# If oib dies (even by kill -9), buildah gets SIGTERM: it stops its runc container and removes a
# bud's intermediate containers itself; clean_up then finds only the working containers.
ON_PARENT_DEATH = die_with_parent(signal.SIGTERM)
# Files up to this size go in on stdin (one run); larger ones by buildah copy and a move.
STDIN_FILE_LIMIT = 256 * 1024
LOGRUS_LINE = re.compile(r'^time="[^"]*" level=\w+ msg=')


class BuildahError(RuntimeError):
    """A buildah command failed; the message has its stderr."""


class Buildah:
    def __init__(self, settings: ContainerSettings) -> None:
        # Only what buildah itself needs: a user of an existing registry needs no docker-registry.
        require_tools(["buildah", "runc"] if settings.runtime == "runc" else ["buildah"])
        if settings.runtime != "runc" and shutil.which(settings.runtime) is None:
            raise ToolsMissing(f"{settings.runtime} not found: install that OCI runtime, or use runc")
        self.settings = settings
        self._prepare()
        self.environment = self._environment()

    # -- working containers ------------------------------------------------------------------

    def from_image(self, image_ref: str, *, labels: Mapping[str, str],
                   cancel: threading.Event | None = None) -> str:
        """A new working container from `image_ref` ("scratch", a local image name or id, or a registry
        reference host[:port]/repo:tag); its name, which every other call accepts as its id."""
        if not image_ref or image_ref != image_ref.strip():
            raise ValueError(f"not an image reference: {image_ref!r}")
        for key in labels:
            if not key or "=" in key or key == TRACKING_LABEL:
                raise ValueError(f"not a usable label name: {key!r}")
        name = f"{NAME_PREFIX}{uuid.uuid4().hex[:16]}"
        with self._image_lock(fcntl.LOCK_SH):
            self._call(["from", "--name", name, "--quiet", "--retry", "0", *self._tls(image_ref),
                        "--signature-policy", str(self._policy), image_ref], cancel=cancel)
        try:
            label_args = [f"--label={key}={value}" for key, value in labels.items()]
            label_args.append(f"--label={TRACKING_LABEL}={json.dumps(sorted(labels))}")
            self._call(["config", *label_args, name])
        except BaseException:
            self.remove_container(name)
            raise
        return name

    def run(self, container: str, script: str, *, timeout: float | None = None,
            on_output: OutputSink | None = None, cancel: threading.Event | None = None,
            env: Mapping[str, str] | None = None, cwd: str | None = None,
            shell: str | Sequence[str] = "/bin/sh") -> RunOutcome:
        """Runs `script` with `shell -c` in the container (its own runc state, the configured network),
        streaming each line to `on_output`. A timeout or cancel ends it within about a second and
        leaves no runc container behind. TargetError when buildah itself fails (no such container)."""
        script_path = None
        if len(script.encode("utf-8", "surrogateescape")) > INLINE_SCRIPT_LIMIT or "\0" in script:
            script_path = f"/.oib-script-{uuid.uuid4().hex[:12]}.sh"
            self.put_file(container, script_path, script.encode("utf-8", "surrogateescape"), 0o700)
        argv = [*self._run_args(container), *_env_args(env)]
        if cwd:
            argv += ["--workingdir", cwd]
        shell_argv = [shell] if isinstance(shell, str) else list(shell)
        argv += [container, "--", *shell_argv, *([script_path] if script_path else ["-c", script])]
        try:
            return self._stream(container, argv, timeout, on_output, cancel)
        finally:
            if script_path:
                self._call([*self._run_args(container), container, "--", "rm", "-f", script_path], check=False)

    def put_file(self, container: str, path: str, data: bytes, mode: int | None = None) -> None:
        """Writes `data` to `path` in the container. The write itself happens inside the container
        (sh and cat there), so the path and any symlink on it resolve as on the target, never on
        the host. Small files travel on stdin; larger ones (buildah's stdin relay is slow) are
        copied to a fresh name at the container's root first and moved into place there."""
        if not path.startswith("/"):
            raise ValueError(f"container paths are absolute, not {path!r}")
        chmod = f' && chmod {mode:o} "$1"' if mode is not None else ""
        if len(data) <= STDIN_FILE_LIMIT:
            script, stdin = f'cat > "$1"{chmod}', data
        else:
            staged = f"/.oib-put-{uuid.uuid4().hex[:12]}"
            self.copy_in(container, data, staged)
            script, stdin = f'mv -f {staged} "$1"{chmod}', b""
        process = subprocess.run([self._buildah, *self._run_args(container), container, "--", "/bin/sh", "-c",
                                  script, "sh", path], env=self.environment, input=stdin, capture_output=True, preexec_fn=ON_PARENT_DEATH,
                                 timeout=COMMAND_TIMEOUT)
        if process.returncode != 0:
            reason = _stderr_text(process.stderr) or f"exit status {process.returncode}"
            raise TargetError(f"Cannot write {path}: {reason}")

    def copy_in(self, container: str, data: bytes, path: str, mode: int = 0o644) -> None:
        """`buildah copy` of `data` to `path`: needs nothing in the container (an empty image), but
        follows buildah's copy rules, so give it a path that does not exist yet."""
        with tempfile.NamedTemporaryFile(dir=self.settings.tmp_dir, prefix="put-") as source:
            source.write(data)
            source.flush()
            try:
                self._call(["copy", "--quiet", "--chmod", f"{mode:o}", container, source.name, path])
            except BuildahError as error:
                raise TargetError(f"Cannot write {path}: {error}") from None

    def add_archive(self, container: str, archive: bytes, directory: str = "/") -> None:
        """Unpacks a tar archive into `directory` of the container (buildah add), links and modes kept."""
        with tempfile.NamedTemporaryFile(dir=self.settings.tmp_dir, prefix="add-", suffix=".tar") as source:
            source.write(archive)
            source.flush()
            self._call(["add", "--quiet", container, source.name, directory])

    def get_file(self, container: str, path: str) -> bytes:
        """The content of `path` in the container, read by cat inside it (never through the host's view)."""
        process = subprocess.run([self._buildah, *self._run_args(container), container, "--", "cat", "--", path],
                                 env=self.environment, stdin=subprocess.DEVNULL, capture_output=True,
                                 timeout=COMMAND_TIMEOUT, preexec_fn=ON_PARENT_DEATH)
        if process.returncode != 0:
            reason = _stderr_text(process.stderr) or f"exit status {process.returncode}"
            raise TargetError(f"Cannot read {path}: {reason}")
        return process.stdout

    def config(self, container: str, *, env: Mapping[str, str] | None = None, workdir: str | None = None,
               cmd: Sequence[str] | str | None = None, entrypoint: Sequence[str] | str | None = None,
               labels: Mapping[str, str] | None = None) -> None:
        """Sets the image configuration the container will commit (lists: exec form; strings: shell form)."""
        args: list[str] = []
        for key, value in (env or {}).items():
            args.append(f"--env={key}={value}")
        if workdir is not None:
            args.append(f"--workingdir={workdir}")
        if cmd is not None:
            args.append(f"--cmd={cmd if isinstance(cmd, str) else json.dumps(list(cmd))}")
        if entrypoint is not None:
            args.append(f"--entrypoint={entrypoint if isinstance(entrypoint, str) else json.dumps(list(entrypoint))}")
        for key, value in (labels or {}).items():
            if key == TRACKING_LABEL:
                raise ValueError(f"{TRACKING_LABEL} is reserved")
            args.append(f"--label={key}={value}")
        if args:
            self._call(["config", *args, container])

    def commit(self, container: str, image_name: str) -> str:
        """Commits the container as `image_name`; the image id. The tracking labels from_image put on
        the container are not part of the image."""
        labels = self._labels(container)
        tracked = json.loads(labels[TRACKING_LABEL]) + [TRACKING_LABEL] if TRACKING_LABEL in labels else []
        if tracked:
            self._call(["config", *[f"--label={key}-" for key in tracked], container])
        try:
            output = self._call(["commit", "--quiet", "--signature-policy", str(self._policy), container, image_name])
        finally:
            if tracked:
                self._call(["config", *[f"--label={key}={labels[key]}" for key in tracked if key in labels], container])
        return output.strip().splitlines()[-1]

    def build(self, dockerfile: str, *, context_dir: Path, tag: str, on_output: OutputSink | None = None,
              cancel: threading.Event | None = None) -> str:
        """`buildah bud` of `dockerfile` (its text) in `context_dir`, tagged `tag`; the image id.
        BuildahError with the end of the output if the build fails."""
        if not Path(context_dir).is_dir():
            raise ValueError(f"the build context {context_dir} is not a directory")
        scratch = Path(tempfile.mkdtemp(prefix=BUD_PREFIX, dir=self.settings.tmp_dir))
        # Held by this process and by buildah (which inherits it) while the bud lives: a sweep
        # that finds it free knows the bud is gone, however it ended (see reap_abandoned_runs).
        alive = os.open(scratch, os.O_RDONLY | os.O_DIRECTORY)
        fcntl.flock(alive, fcntl.LOCK_EX)
        try:
            (scratch / "Dockerfile").write_text(dockerfile)
            runc_key = scratch.name
            argv = [self._buildah, "bud", "--isolation", self.settings.isolation, "--runtime", self.settings.runtime,
                    "--runtime-flag", f"root={self._runc_root(runc_key)}", "--network", self.settings.network,
                    "--signature-policy", str(self._policy), "--retry", "0", "--iidfile", str(scratch / "iid"),
                    "--layers", "--force-rm", "-f", str(scratch / "Dockerfile"), "-t", tag, *self._insecure_registries(),
                    str(context_dir)]
            with self._image_lock(fcntl.LOCK_SH):
                outcome = self._stream(runc_key, argv, None, on_output, cancel, hold=alive)
            if outcome.cancelled:
                raise BuildahError("buildah bud cancelled")
            if outcome.exit_code != 0:
                raise BuildahError(f"buildah bud failed (exit status {outcome.exit_code}):\n"
                                   f"{_tail(outcome.stdout + outcome.stderr)}")
            return (scratch / "iid").read_text().strip().removeprefix("sha256:")
        finally:
            _remove_tree(scratch)
            os.close(alive)

    def push(self, image: str, destination: str, *, cancel: threading.Event | None = None) -> str:
        """Pushes `image` to the registry reference `destination` (host:port/repo:tag); the digest of
        the manifest as pushed ("sha256:..."), which is what the registry serves for that tag."""
        if "/" not in destination or destination.startswith("docker://"):
            raise ValueError(f"destination must be host:port/repository:tag, not {destination!r}")
        with tempfile.NamedTemporaryFile(dir=self.settings.tmp_dir, prefix="digest-") as digest_file:
            self._call(["push", "--quiet", "--retry", "0", "--signature-policy", str(self._policy),
                        *self._tls(destination), "--digestfile", digest_file.name, image, f"docker://{destination}"],
                       cancel=cancel)
            return Path(digest_file.name).read_text().strip()

    def remove_container(self, container: str) -> None:
        """Removes the working container and any runc state of its runs; nothing if it is gone already."""
        self._reap_runc(container)
        self._call(["rm", container], check=False)

    def remove_image(self, image: str) -> None:
        """Removes the name `image` from local storage, and the image with it when that was its
        last name and no container uses it; nothing if it is not there. Never --force: an image
        pulled back from the registry can be the very same image (same configuration, same id)
        under another name, and a forced removal would take the working containers made from it."""
        with self._image_lock(fcntl.LOCK_EX):
            self._call(["rmi", image], check=False)

    def clean_up(self, label: str, value: str) -> int:
        """Removes every working container labelled label=value by from_image (with its runc state,
        however its process ended); how many."""
        removed = 0
        for container, labels in self.labelled_containers().items():
            if labels.get(label) == value:
                self.remove_container(container)
                removed += 1
        return removed

    def reap_abandoned_runs(self) -> int:
        """Removes what buildah processes that were killed (with oib, kill -9) left behind them: the
        runc state of their runs (containers stopped, never deleted) and the scratch directories of
        their buds; how many runc state directories. Runs still going are left alone: a bud's
        scratch directory is locked while the bud lives, and a working container's runs are its
        container's (removed with it)."""
        root = self.settings.runc_root
        keys = sorted(os.listdir(root)) if root.is_dir() else []
        containers = set(self.containers())   # listed after the keys: a key's container existed first
        reaped = 0
        for key in keys:
            scratch = self.settings.tmp_dir / key
            if key.startswith(BUD_PREFIX):
                if _bud_alive(scratch):
                    continue
                _remove_tree(scratch)
            elif key in containers:
                continue
            self._reap_runc(key)
            reaped += 1
        for scratch in self.settings.tmp_dir.glob(f"{BUD_PREFIX}*"):
            # Old enough that its bud took the lock long ago (mkdtemp comes just before it).
            if time.time() - _mtime(scratch) > ABANDONED_SCRATCH_SECONDS and not _bud_alive(scratch):
                _remove_tree(scratch)
        return reaped

    def labelled_containers(self) -> dict[str, dict[str, str]]:
        """Each working container from_image made in this storage → the labels it was given there
        (not those its image brought), e.g. for a sweep that decides by label whose it is."""
        found: dict[str, dict[str, str]] = {}
        for container in self.containers():
            labels = self._labels(container)
            if TRACKING_LABEL not in labels:
                continue   # gone meanwhile, or not made by from_image
            try:
                given = json.loads(labels[TRACKING_LABEL])
            except ValueError:
                continue
            found[container] = {key: labels[key] for key in given if key in labels}
        return found

    def containers(self) -> list[str]:
        """The names of the working containers from_image made in this storage."""
        listing = json.loads(self._call(["containers", "--json"]) or "[]") or []
        return [entry["containername"] for entry in listing if entry["containername"].startswith(NAME_PREFIX)]

    def image_names(self) -> list[str]:
        """The names of every image in this storage (an image with several names gives each)."""
        listing = json.loads(self._call(["images", "--json"]) or "[]") or []
        return sorted(name for entry in listing for name in entry.get("names") or [])

    def runc_containers(self) -> list[str]:
        """runc containers alive under our runc state directory (none once every run has ended)."""
        found = []
        root = self.settings.runc_root
        for key in sorted(os.listdir(root)) if root.is_dir() else []:
            found += [f"{key}/{name}" for name in _runc_list(self.settings.runtime, root / key)]
        return found

    # -- plumbing ------------------------------------------------------------------------------

    # containers/storage shares layers between images. A pull that finds a layer already present
    # (say, from an ended build's image of the same content) reuses it, and an rmi of that image in
    # between deletes it under the pull: "creating image ...: layer not known". So every call that
    # pulls or builds holds this storage's image lock shared, and every removal holds it alone. It
    # is an flock on a file of the storage: it orders threads and processes (several workers may
    # share one storage), and the kernel drops it with a killed holder.
    def _image_lock(self, mode: int) -> contextlib.AbstractContextManager[None]:
        return file_lock(self.settings.storage_root / "oib-images.lock", mode)

    @property
    def _buildah(self) -> str:
        return "buildah"

    @property
    def _policy(self) -> Path:
        return self.settings.config_dir / "policy.json"

    def _prepare(self) -> None:
        settings = self.settings
        for directory in (settings.storage_root, settings.config_dir, settings.runc_root, settings.tmp_dir):
            directory.mkdir(parents=True, exist_ok=True)
        files = {
            "storage.conf": (f'[storage]\ndriver = "{settings.storage_driver}"\n'
                             f"graphroot = {json.dumps(str(settings.storage_root))}\n"
                             f"runroot = {json.dumps(str(settings.run_root / 'storage'))}\n"),
            # host or no network namespace: never the default bridge with its iptables rules.
            "containers.conf": (f'[containers]\nnetns = "{settings.network}"\n'
                                f'[engine]\nruntime = "{settings.runtime}"\ncgroup_manager = "cgroupfs"\n'
                                f'events_logger = "none"\nimage_copy_tmp_dir = {json.dumps(str(settings.tmp_dir))}\n'
                                # AWS images are named in full; short names would be resolved through
                                # search registries we do not want to depend on.
                                'short_name_mode = "enforcing"\n'),
            "registries.conf": self._registries_conf(),
            "policy.json": json.dumps({"default": [{"type": "insecureAcceptAnything"}]}),
            "auth.json": "{}",
        }
        for name, text in files.items():
            path = settings.config_dir / name
            if not path.exists() or path.read_text() != text:
                path.write_text(text)

    def _registries_conf(self) -> str:
        lines = ["unqualified-search-registries = []", ""]
        for location in self._insecure_locations():
            lines += ["[[registry]]", f"location = {json.dumps(location)}", "insecure = true", ""]
        return "\n".join(lines)

    def _insecure_locations(self) -> list[str]:
        url = self.settings.registry_url
        return [url] if url and is_loopback(url) else []

    def _environment(self) -> dict[str, str]:
        config = self.settings.config_dir
        return {
            "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            "HOME": os.environ.get("HOME", "/root"),
            "LANG": "C.UTF-8",
            "CONTAINERS_CONF": str(config / "containers.conf"),
            "CONTAINERS_STORAGE_CONF": str(config / "storage.conf"),
            "CONTAINERS_REGISTRIES_CONF": str(config / "registries.conf"),
            "REGISTRY_AUTH_FILE": str(config / "auth.json"),
            "BUILDAH_ISOLATION": self.settings.isolation,
            "TMPDIR": str(self.settings.tmp_dir),
            "XDG_RUNTIME_DIR": str(self.settings.run_root),
        }

    def _tls(self, reference: str) -> list[str]:
        """--tls-verify=false for a registry on loopback (the managed one speaks plain HTTP)."""
        host = reference.split("/", 1)[0] if "/" in reference else ""
        return ["--tls-verify=false"] if host and is_loopback(host) else []

    def _insecure_registries(self) -> list[str]:
        # buildah bud takes one --tls-verify for every registry a Dockerfile names; TLS is only
        # turned off when the registry in use is on loopback.
        url = self.settings.registry_url
        return ["--tls-verify=false"] if url is None or is_loopback(url) else []

    def _run_args(self, container: str) -> list[str]:
        return ["run", "--isolation", self.settings.isolation, "--runtime", self.settings.runtime,
                "--runtime-flag", f"root={self._runc_root(container)}", "--network", self.settings.network]

    def _runc_root(self, key: str) -> Path:
        # One runc state directory per working container: what a killed run leaves is found by name.
        return self.settings.runc_root / key

    def _call(self, args: list[str], *, check: bool = True, cancel: threading.Event | None = None) -> str:
        if cancel is None:
            process = subprocess.run([self._buildah, *args], env=self.environment, stdin=subprocess.DEVNULL,
                                     capture_output=True, timeout=COMMAND_TIMEOUT, preexec_fn=ON_PARENT_DEATH)
            stdout, stderr, code = process.stdout, process.stderr, process.returncode
        else:
            stdout, stderr, code = self._cancellable([self._buildah, *args], cancel)
        if check and code != 0:
            raise BuildahError(f"buildah {args[0]} failed: {_stderr_text(stderr) or f'exit status {code}'}")
        return stdout.decode("utf-8", "replace")

    def _cancellable(self, argv: list[str], cancel: threading.Event) -> tuple[bytes, bytes, int]:
        process = subprocess.Popen(argv, env=self.environment, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, start_new_session=True, preexec_fn=ON_PARENT_DEATH)
        result: list[tuple[bytes, bytes]] = []
        reader = threading.Thread(target=lambda: result.append(process.communicate()), daemon=True)
        reader.start()
        while reader.is_alive():
            if cancel.wait(0.05):
                _stop_group(process)
                reader.join()
                raise BuildahError(f"buildah {argv[1]} cancelled")
            reader.join(0)
        return result[0][0], result[0][1], process.returncode

    def _stream(self, runc_key: str, argv: list[str], timeout: float | None, on_output: OutputSink | None,
                cancel: threading.Event | None, hold: int | None = None) -> RunOutcome:
        """Runs buildah, its output to `on_output` line by line; `hold`: a descriptor buildah inherits."""
        sink = _SerialSink(_without_buildah_noise(on_output))
        try:
            process = subprocess.Popen([self._buildah, *argv] if argv[0] != self._buildah else argv,
                                       env=self.environment, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, start_new_session=True,
                                       preexec_fn=ON_PARENT_DEATH, pass_fds=(hold,) if hold is not None else ())
        except OSError as error:
            raise TargetError(f"Cannot start buildah: {error.strerror or error}") from None
        readers = [_Reader(process.stdout, "stdout", sink), _Reader(process.stderr, "stderr", sink)]
        stopped = _wait(process, time.monotonic() + timeout if timeout is not None else None, cancel)
        if stopped:
            _stop_group(process)
            self._reap_runc(runc_key)
        process.wait()
        for reader in readers:
            reader.join(1.0)
        stdout, stderr = readers[0].text(), readers[1].text()
        stderr_lines = stderr.splitlines()
        if not stopped and process.returncode != 0 and stderr_lines and argv[0] == "run" \
                and stderr_lines[-1].startswith("Error: ") and not stderr_lines[-1].startswith(RUNTIME_EXIT_LINE):
            # Not the script's exit: buildah could not run it at all.
            raise TargetError(f"buildah run failed: {stderr_lines[-1].removeprefix('Error: ')}")
        stderr = "".join(line + "\n" for line in stderr_lines if not _is_buildah_noise(line))
        return RunOutcome(exit_code=-1 if stopped else process.returncode, stdout=stdout, stderr=stderr,
                          timed_out=stopped == "timeout", cancelled=stopped == "cancel")

    def _reap_runc(self, key: str) -> None:
        """Kills and deletes every runc container under the key's state directory, and the bundle
        directories buildah made for them; then the directory itself."""
        root = self._runc_root(key)
        if not root.is_dir():
            return
        runtime = self.settings.runtime
        for name in _runc_list(runtime, root):
            bundle = _runc_bundle(runtime, root, name)
            subprocess.run([runtime, "--root", str(root), "kill", "--all", name, "KILL"], capture_output=True)
            subprocess.run([runtime, "--root", str(root), "delete", "--force", name], capture_output=True)
            if bundle is not None and bundle.parent == self.settings.tmp_dir:
                _remove_tree(bundle)
        try:
            root.rmdir()
        except OSError:
            pass

    def _labels(self, container: str) -> dict[str, str]:
        # buildah 1.28's --format has no json function: the whole description it is.
        output = self._call(["inspect", "--type", "container", container], check=False)
        try:
            return json.loads(output)["OCIv1"]["config"].get("Labels") or {}
        except (ValueError, KeyError, TypeError):
            return {}


def _env_args(env: Mapping[str, str] | None) -> list[str]:
    args = []
    for key, value in (env or {}).items():
        if not key or "=" in key:
            raise ValueError(f"not an environment variable name: {key!r}")
        args += ["--env", f"{key}={value}"]
    return args


def _without_buildah_noise(sink: OutputSink | None) -> OutputSink | None:
    if sink is None:
        return None

    def forward(stream: str, line: str) -> None:
        if not (stream == "stderr" and _is_buildah_noise(line)):
            sink(stream, line)
    return forward


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to buildah's process group (buildah then stops its runc container), SIGKILL after the grace."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(TERMINATE_GRACE)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _bud_alive(scratch: Path) -> bool:
    """Whether the bud of this scratch directory still runs (its lock is held)."""
    try:
        descriptor = os.open(scratch, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return time.time()


def _runc_list(runtime: str, root: Path) -> list[str]:
    process = subprocess.run([runtime, "--root", str(root), "list", "--quiet"], capture_output=True, text=True)
    return process.stdout.split() if process.returncode == 0 else []


def _runc_bundle(runtime: str, root: Path, name: str) -> Path | None:
    process = subprocess.run([runtime, "--root", str(root), "state", name], capture_output=True, text=True)
    try:
        return Path(json.loads(process.stdout)["bundle"])
    except (ValueError, KeyError):
        return None


def _stderr_text(stderr: bytes | str) -> str:
    """The line that says why: the last one, or the one before buildah's "exit status" line."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    lines = [line for line in text.strip().splitlines() if line.strip() and not _is_buildah_noise(line)]
    return lines[-1].removeprefix("Error: ") if lines else ""


def _is_buildah_noise(line: str) -> bool:
    """buildah's own log lines (logrus format) and its report of the script's exit status: not the
    script's output. A cancelled run makes buildah log that it killed the container."""
    return (line.startswith(RUNTIME_EXIT_LINE) or bool(LOGRUS_LINE.match(line))
            or line == "container exited on killed")


def _tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
