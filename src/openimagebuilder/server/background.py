"""The service's background work, shared by `oib serve` (embedded) and `oib worker` (alone): the
build engine with its backend, and the pipeline scheduler."""
from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from ..domain.clock import Clock
from ..engine.backend import Backend
from ..engine.routing import RoutingBackend
from ..engine.runner import BuildEngine, WorkerSettings, default_worker_id
from ..engine.simulated import SimulatedBackend, SimulatedSettings
from ..engine.unavailable import UnavailableBackend
from ..store.database import transaction
from ..store.tables import build_jobs
from .settings import Settings

log = logging.getLogger("openimagebuilder")


class BackendUnavailable(RuntimeError):
    """The configured backend cannot run here (a tool missing, the registry not starting); the
    message says what to install or change."""


def build_engine(settings: Settings, database: Engine, clock: Clock) -> BuildEngine:
    manual = settings.clock == "manual"
    simulated = SimulatedBackend(SimulatedSettings(
        step_seconds=settings.step_seconds, manual_clock=manual,
        fail_steps=frozenset(s.strip() for s in settings.fail_steps.split(",") if s.strip())))
    backend: Backend = simulated
    # One id for the engine's leases and the labels on the containers this worker makes.
    worker_id = settings.worker_id or default_worker_id()
    if settings.backend == "real":
        backend = RoutingBackend({"DOCKER": _available(_container_backend, settings, database, worker_id),
                                  "AMI": _available(_vm_backend, settings, database, worker_id)},
                                 default=simulated)
    return BuildEngine(database, clock, backend, WorkerSettings(
        threads=settings.engine_workers, lease_seconds=settings.lease_seconds, worker_id=worker_id))


def _available(make: Callable[[Settings, Engine, str], Backend], settings: Settings, database: Engine,
               worker_id: str) -> Backend:
    """The real backend `make` builds, or, when it cannot run here, one that fails each build of
    its image type with the reason: the service still starts, serves the API and builds the rest."""
    try:
        return make(settings, database, worker_id)
    except BackendUnavailable as error:
        log.warning("%s", error)
        return UnavailableBackend(str(error))


def describe_backend(backend: Any) -> str:
    """Which backend builds which recipe type, for the start-up log."""
    if isinstance(backend, RoutingBackend):
        return ", ".join(f"{label} on {_describe_one(backend.backend_for(kind))}"
                         for kind, label in (("DOCKER", "container recipes (DOCKER)"),
                                             ("AMI", "image recipes (AMI)")))
    return f"container recipes (DOCKER) and image recipes (AMI) on {_describe_one(backend)}"


def _describe_one(backend: Any) -> str:
    if isinstance(backend, UnavailableBackend):
        return f"nothing: they fail ({backend.reason})"
    registry = getattr(backend, "registry", None)
    name = {"SimulatedBackend": "the simulated backend (nothing is built)",
            "ContainerBackend": "buildah", "VmBackend": "QEMU machines"}.get(type(backend).__name__, type(backend).__name__)
    return f"{name}, registry {registry.url}" if registry is not None else name


def close_backend(backend: Any) -> None:
    close = getattr(backend, "close", None)
    if close is not None:
        close()


def _container_backend(settings: Settings, database: Engine, worker_id: str) -> Any:
    from ..containers.buildah import Buildah
    from ..containers.executor import ContainerExecutor
    from ..containers.registry import ExternalRegistry, LocalRegistry, RegistryError
    from ..containers.settings import ContainerSettings, require_tools
    from ..engine.container import ContainerBackend, ContainerBackendSettings
    from ..host_tools import ToolsMissing

    try:
        require_tools()
    except ToolsMissing as error:
        raise BackendUnavailable(f"container recipes cannot be built here: {error}") from None
    root = Path(settings.container_root) if settings.container_root else Path(settings.data_dir) / "containers"
    registry: Any
    if settings.registry_url:
        registry = ExternalRegistry(settings.registry_url)
    else:
        registry = LocalRegistry(settings.data_dir)
        try:
            registry.start()
        except RegistryError as error:
            raise BackendUnavailable(f"container recipes cannot be built here: the local registry did not "
                                     f"start: {error}") from None
    containers = ContainerSettings(storage_root=root / "storage", run_root=root / "run", registry_url=registry.url)
    buildah = Buildah(containers)

    def build_running(image_arn: str) -> bool:
        with transaction(database, write=False) as connection:
            return connection.execute(select(build_jobs.c.image_arn).where(
                build_jobs.c.image_arn == image_arn)).first() is not None

    def running_builds() -> list[str]:
        # Every build with a job, on any worker of this store: the sweep keeps their containers.
        with transaction(database, write=False) as connection:
            return list(connection.scalars(select(build_jobs.c.image_arn)))

    backend = ContainerBackend(
        buildah, registry, ContainerBackendSettings(scratch_dir=containers.tmp_dir,
                                                    s3_endpoint_url=settings.s3_endpoint_url),
        executor_factory=ContainerExecutor, managed_parent=_managed_parent(registry),
        build_running=build_running, running_builds=running_builds, worker_id=worker_id)
    backend.on_close = getattr(registry, "stop", None)  # the local registry lives as long as the backend
    return backend


def _vm_backend(settings: Settings, database: Engine, worker_id: str) -> Any:
    """Image recipes (AMIs) in QEMU machines (engine/vm.py, docs/vm.md)."""
    from ..engine.vm import vm_backend
    from ..host_tools import ToolsMissing

    try:
        return vm_backend(settings.data_dir, database, worker_id, s3_endpoint_url=settings.s3_endpoint_url)
    except ToolsMissing as error:
        raise BackendUnavailable(f"image recipes cannot be built here: {error}") from None


def _managed_parent(registry: Any) -> Any:
    """The lookup of managed container images' local base images (containers.bootstrap), or one
    that finds none while that module is not there."""
    try:
        from ..containers import bootstrap
    except ImportError:
        return lambda arn: None
    lookup = bootstrap.managed_parent

    def managed(arn: str) -> str | None:
        try:
            return lookup(arn, registry)
        except TypeError:
            return lookup(arn)
    return managed


def registry_cleanup(settings: Settings, builds: BuildEngine | None) -> Any:
    """What DeleteImage hands deleted container images to (engine/registry_cleanup.py): the
    registry this process's backend pushes to, or the one `--registry-url` names for an API-only
    process; None when images are not built for real."""
    if settings.backend != "real":
        return None
    from ..engine.registry_cleanup import RegistryCleanup
    registry = None
    if builds is not None and isinstance(builds.backend, RoutingBackend):
        registry = getattr(builds.backend.backend_for("DOCKER"), "registry", None)
    if registry is not None:
        return RegistryCleanup(registry.url, getattr(registry, "scheme", "http"))
    if settings.registry_url:
        url = settings.registry_url
        scheme = "https" if url.startswith("https://") else "http"
        return RegistryCleanup(url.removeprefix("https://").removeprefix("http://"), scheme)
    return None
