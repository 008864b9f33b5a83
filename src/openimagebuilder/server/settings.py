"""Service configuration: command-line flags, each also settable by an environment variable."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"


def _accounts_from_env(text: str) -> dict[str, str]:
    """OIB_ACCOUNTS="AKIDEXAMPLE=111111111111,AKIDOTHER=222222222222"."""
    pairs = (item.split("=", 1) for item in text.split(",") if "=" in item)
    return {key.strip(): value.strip() for key, value in pairs}


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 4010
    data_dir: str = "./.oib"
    database_url: str | None = None
    account_id: str = DEFAULT_ACCOUNT_ID
    access_key_accounts: dict[str, str] = field(default_factory=dict)
    log_level: str = "info"
    workers: int = 8  # threads that run handlers with PostgreSQL (each holds one database connection)
    engine_workers: int = 2  # threads that advance image builds
    step_seconds: float = 0.1  # simulated backend: duration of each workflow step
    clock: str = "system"  # system | manual (driven with `oib clock`)
    fail_steps: str = ""  # simulated backend: comma-separated workflow step names to fail on purpose

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            host=env.get("OIB_HOST", cls.host),
            port=int(env.get("OIB_PORT", cls.port)),
            data_dir=env.get("OIB_DATA_DIR", cls.data_dir),
            database_url=env.get("OIB_DATABASE_URL") or None,
            account_id=env.get("OIB_ACCOUNT_ID", DEFAULT_ACCOUNT_ID),
            access_key_accounts=_accounts_from_env(env.get("OIB_ACCOUNTS", "")),
            log_level=env.get("OIB_LOG_LEVEL", cls.log_level),
            workers=int(env.get("OIB_WORKERS", cls.workers)),
            engine_workers=int(env.get("OIB_ENGINE_WORKERS", cls.engine_workers)),
            step_seconds=float(env.get("OIB_STEP_SECONDS", cls.step_seconds)),
            fail_steps=env.get("OIB_FAIL_STEPS", cls.fail_steps),
            clock=env.get("OIB_CLOCK", cls.clock),
        )
