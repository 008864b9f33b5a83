"""The service's background work, shared by `oib serve` (embedded) and `oib worker` (alone): the
build engine with its backend, and the pipeline scheduler."""
from __future__ import annotations

from sqlalchemy import Engine

from ..domain.clock import Clock
from ..engine.runner import BuildEngine, WorkerSettings, default_worker_id
from ..engine.simulated import SimulatedBackend, SimulatedSettings
from .settings import Settings


def build_engine(settings: Settings, database: Engine, clock: Clock) -> BuildEngine:
    manual = settings.clock == "manual"
    backend = SimulatedBackend(SimulatedSettings(
        step_seconds=settings.step_seconds, manual_clock=manual,
        fail_steps=frozenset(s.strip() for s in settings.fail_steps.split(",") if s.strip())))
    return BuildEngine(database, clock, backend, WorkerSettings(
        threads=settings.engine_workers, lease_seconds=settings.lease_seconds,
        worker_id=settings.worker_id or default_worker_id(),
        exclusive_store=database.dialect.name == "sqlite"))
