"""The OCI registry that stands in for ECR: Debian's docker-registry managed by oib on a loopback
port (LocalRegistry), or an existing registry given by URL (ExternalRegistry). Both answer the few
questions the backend asks through the registry's HTTP API (distribution spec v2)."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Protocol

from .lifetime import die_with_parent

# Manifests the registry may hold; asked for all so that HEAD answers with the stored one's digest.
MANIFEST_TYPES = ", ".join((
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
))
START_TIMEOUT = 10.0
START_ATTEMPTS = 3
# A registry just stopped (or killed with the oib before) frees its port within milliseconds; a
# kept port still taken after this long is held by something else.
PORT_FREE_WAIT = 2.0
REQUEST_TIMEOUT = 10.0


class RegistryError(RuntimeError):
    """The registry could not be started or answered a request with an unexpected error."""


class Registry(Protocol):
    url: str   # host:port

    def digest(self, repository: str, tag: str) -> str | None:
        """The manifest digest ("sha256:...") `repository:tag` points at, or None if there is none."""
        ...

    def tags(self, repository: str) -> list[str]:
        """The repository's tags, sorted; [] for a repository that does not exist."""
        ...

    def delete_tag(self, repository: str, tag: str) -> bool:
        """Removes the tag; False if it did not exist."""
        ...


class _HttpRegistry:
    """The distribution API calls both kinds of registry answer the same way."""

    url: str
    scheme: str = "http"

    def digest(self, repository: str, tag: str) -> str | None:
        try:
            reply = self._request("HEAD", f"/v2/{_checked(repository)}/manifests/{_checked_tag(tag)}")
        except _NotFound:
            return None
        return reply.headers.get("Docker-Content-Digest")

    def tags(self, repository: str) -> list[str]:
        try:
            reply = self._request("GET", f"/v2/{_checked(repository)}/tags/list")
        except _NotFound:
            return []
        return sorted(json.loads(reply.read()).get("tags") or [])

    def delete_tag(self, repository: str, tag: str) -> bool:
        # The v2 API deletes manifests, not tags: deleting the digest would also drop every other
        # tag of the same image. Only tags alone on their manifest are deleted that way here.
        digest = self.digest(repository, tag)
        if digest is None:
            return False
        shared = [other for other in self.tags(repository) if other != tag and self.digest(repository, other) == digest]
        if shared:
            raise RegistryError(f"{repository}:{tag} shares its manifest with {', '.join(shared)}; this registry can "
                                "only delete whole manifests")
        self._request("DELETE", f"/v2/{_checked(repository)}/manifests/{digest}")
        return True

    def _request(self, method: str, path: str) -> urllib.response.addinfourl:
        request = urllib.request.Request(f"{self.scheme}://{self.url}{path}", method=method,
                                         headers={"Accept": MANIFEST_TYPES})
        try:
            return urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT)
        except urllib.error.HTTPError as error:
            if error.code == 404:
                raise _NotFound() from None
            raise RegistryError(f"registry {self.url}: {method} {path}: HTTP {error.code} {error.reason}") from None
        except urllib.error.URLError as error:
            raise RegistryError(f"registry {self.url} not reachable: {error.reason}") from None


class LocalRegistry(_HttpRegistry):
    """Debian's docker-registry serving <data-dir>/registry on 127.0.0.1 and a port kept in
    <data-dir>/registry/port (free when first chosen, the same on every start after). It lives
    no longer than the process that started it: its own process group (stop() kills it all) and a
    parent-death signal, so even a kill -9 of oib takes it down."""

    def __init__(self, data_dir: Path | str) -> None:
        self.data_dir = Path(data_dir) / "registry"
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Starts the registry on the port it had before (kept in <data-dir>/registry/port), so
        the image URIs builds recorded keep resolving across restarts; on a new port, which is
        then kept, the first time. RegistryError if the kept port is taken by something else:
        moving silently would break every URI recorded so far."""
        if self._process is not None:
            return
        executable = shutil.which("docker-registry")
        if executable is None:
            raise RegistryError("docker-registry not found: install the Debian package docker-registry "
                                "(apt-get install docker-registry)")
        (self.data_dir / "storage").mkdir(parents=True, exist_ok=True)
        kept = self.kept_port()
        if kept is not None:
            if not _wait_port_free(kept, PORT_FREE_WAIT):
                raise RegistryError(self._port_taken(kept))
            try:
                self._start_on(executable, kept)
            except RegistryError as error:
                # Taken between the check and docker-registry's bind: the same answer.
                raise RegistryError(f"{self._port_taken(kept)}\n{error}") from None
            return
        # The free port is found by binding and releasing it; another process may take it before
        # the registry binds, so a registry that exits at start is tried again on a new port.
        for attempt in range(START_ATTEMPTS):
            try:
                self._start_on(executable, _free_port())
                break
            except RegistryError:
                if attempt == START_ATTEMPTS - 1:
                    raise
        self._keep_port()

    @property
    def port_file(self) -> Path:
        return self.data_dir / "port"

    def kept_port(self) -> int | None:
        """The port this data dir's registry listens on, once it has started; None before."""
        try:
            port = int(self.port_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return port if 0 < port < 65536 else None

    def serving_url(self) -> str | None:
        """host:port of this data dir's registry if one answers on its kept port now (started by an
        `oib serve` on the same data dir), else None."""
        port = self.kept_port()
        if port is None:
            return None
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=2) as reply:
                return f"127.0.0.1:{port}" if reply.status == 200 else None
        except (OSError, ValueError):
            return None

    def _keep_port(self) -> None:
        # Written whole or not at all (rename): a half-written port file would lose the port.
        partial = self.port_file.with_suffix(".partial")
        partial.write_text(f"{self.url.rsplit(':', 1)[1]}\n")
        partial.replace(self.port_file)

    def _port_taken(self, port: int) -> str:
        return (f"the local registry's port 127.0.0.1:{port} (kept in {self.port_file} so that recorded image "
                "URIs keep resolving) is taken by another process. If it is another oib on this data dir, give "
                f"this one --registry-url 127.0.0.1:{port}; otherwise stop what holds the port, or delete "
                f"{self.port_file} to start on a new port (image URIs recorded so far then no longer resolve)")

    def _start_on(self, executable: str, port: int) -> None:
        config = self.data_dir / "config.yml"
        config.write_text(_config_yaml(self.data_dir / "storage", port))
        with open(self.data_dir / "registry.log", "ab") as log:
            self._process = subprocess.Popen(
                [executable, "serve", str(config)], stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True, preexec_fn=die_with_parent(signal.SIGKILL))
        self.url = f"127.0.0.1:{port}"
        self._wait_ready()

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=5)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def __enter__(self) -> LocalRegistry:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        assert self._process is not None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                log = (self.data_dir / "registry.log").read_text(errors="replace")[-2000:]
                self._process = None
                raise RegistryError(f"docker-registry exited at start:\n{log}")
            try:
                with socket.create_connection(("127.0.0.1", int(self.url.rsplit(":", 1)[1])), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RegistryError(f"docker-registry did not listen on {self.url} within {START_TIMEOUT:.0f} s")


class ExternalRegistry(_HttpRegistry):
    """A registry someone else runs, given as host:port (plain HTTP on loopback, HTTPS elsewhere)."""

    def __init__(self, url: str) -> None:
        if not url or "/" in url.removeprefix("http://").removeprefix("https://"):
            raise ValueError(f"registry URL must be host:port, not {url!r}")
        self.scheme = "https" if url.startswith("https://") else "http" if url.startswith("http://") else (
            "http" if is_loopback(url) else "https")
        self.url = url.removeprefix("http://").removeprefix("https://")


def is_loopback(host_port: str) -> bool:
    """True for a registry on this machine's loopback interface, which is spoken to without TLS."""
    host = host_port.rsplit(":", 1)[0] if not host_port.endswith("]") else host_port
    host = host.strip("[]")
    return host in ("localhost", "::1") or host.startswith("127.")


class _NotFound(Exception):
    pass


def _checked(repository: str) -> str:
    if not repository or repository != repository.lower() or any(part == "" for part in repository.split("/")):
        raise ValueError(f"not a repository name: {repository!r}")
    return urllib.parse.quote(repository, safe="/")


def _checked_tag(tag: str) -> str:
    if not tag or len(tag) > 128 or "/" in tag:
        raise ValueError(f"not a tag: {tag!r}")
    return urllib.parse.quote(tag)


def _config_yaml(storage: Path, port: int) -> str:
    # JSON is YAML: no hand-quoting of paths.
    return json.dumps({
        "version": 0.1,
        "log": {"level": "warn", "accesslog": {"disabled": True}},
        "storage": {"filesystem": {"rootdirectory": str(storage)}, "delete": {"enabled": True}},
        "http": {"addr": f"127.0.0.1:{port}"},
    }, indent=2)


def _wait_port_free(port: int, seconds: float) -> bool:
    """True once 127.0.0.1:port can be bound (as docker-registry binds it: SO_REUSEADDR, so a
    connection in TIME_WAIT does not count), within `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
                return True
            except OSError:
                pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

