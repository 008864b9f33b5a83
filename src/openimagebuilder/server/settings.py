"""Service configuration: command-line flags, each also settable by an environment variable (a
flag given on the command line wins over its variable)."""
from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from .auth.region_names import valid_region_name
from .limits import Limits

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
CLOCKS = ("system", "manual")
BACKENDS = ("simulated", "real")
AUTH_MODES = ("none", "sigv4")
_ACCOUNT_ID = re.compile(r"^[0-9]{12}$")


class SettingsError(ValueError):
    """A setting's value is unusable; the message names the flag or variable and says why."""


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 4010
    data_dir: str = "./.oib"
    database_url: str | None = None  # when set, the store (the data dir is not used)
    account_id: str = DEFAULT_ACCOUNT_ID
    access_key_accounts: dict[str, str] = field(default_factory=dict)
    log_level: str = "info"
    workers: int = 8  # threads that run handlers with PostgreSQL (each holds one database connection)
    engine_workers: int = 2  # threads that advance image builds
    step_seconds: float = 0.1  # simulated backend: duration of each workflow step
    clock: str = "system"  # system | manual (driven with `oib clock`)
    fail_steps: str = ""  # simulated backend: comma-separated workflow step names to fail on purpose
    no_worker: bool = False  # serve the API only: builds wait for an `oib worker`
    lease_seconds: float = 10.0  # a stopped worker's builds move to another worker after this long
    worker_id: str | None = None  # how this process's build worker names itself (default: host-pid-random)
    # real (default): container images built with buildah, AMIs in QEMU machines; simulated:
    # nothing is built, every image type is simulated, fast and deterministic, for users who only
    # test their API calls.
    backend: str = "real"
    registry_url: str | None = None  # real backend: host:port of an existing registry (default: one oib starts)
    container_root: str | None = None  # real backend: buildah's storage and run state (default <data-dir>/containers)
    # S3-compatible endpoint for s3:// URIs: documents and Dockerfile templates given by URI, and
    # S3Download/S3Upload steps in components (credentials from the environment).
    s3_endpoint_url: str | None = None

    # none: nothing verified (local testing); sigv4: every request's signature verified (server/identity.py).
    auth: str = "none"
    credentials_file: str | None = None  # sigv4: JSON credentials read at start, besides the store's
    extra_regions: str = ""  # comma-separated regions accepted besides botocore's known ones
    insecure: bool = False  # allow --auth none on an address other hosts can reach
    # Bounds on what callers hold (server/limits.py).
    max_connections: int = 4000
    header_timeout: float = 10.0  # seconds for a request head to arrive
    body_timeout: float = 30.0  # seconds for a request body to arrive
    idle_timeout: float = 5.0  # seconds an idle keep-alive connection stays open
    max_body_in_flight: int = 64  # MiB of request bodies held at once, across requests
    rate_limit: float | None = None  # API calls a second per account; default 100 with sigv4, none without
    # PostgreSQL: an `oib serve` whose heartbeat is this old no longer takes a share of the rate
    # limit (server/rate_share.py).
    api_server_timeout: float = 15.0

    def limits(self) -> Limits:
        rate = self.rate_limit if self.rate_limit is not None else (100.0 if self.auth == "sigv4" else 0.0)
        return Limits(max_connections=self.max_connections, header_timeout=self.header_timeout,
                      body_timeout=self.body_timeout, idle_timeout=self.idle_timeout,
                      max_inflight_body_bytes=self.max_body_in_flight * 1024 * 1024, rate_limit=rate)

    @property
    def extra_region_names(self) -> tuple[str, ...]:
        return tuple(filter(None, (region.strip() for region in self.extra_regions.split(","))))

    def exposure_problem(self) -> str | None:
        """Why serving with these settings would let anyone on the network act as any account, or
        None. Serving `--auth none` anywhere but loopback needs `--insecure`."""
        if self.auth == "sigv4" or self.insecure or _loopback(self.host):
            return None
        return (f"--host {self.host} accepts connections from other machines, and with --auth none anyone who "
                "reaches it can act as any account and move the service's clock; serve with --auth sigv4 (and "
                "create credentials with `oib credentials create`), or give --insecure to accept that")

    @classmethod
    def load(cls, environ: Mapping[str, str] = os.environ, flags: Mapping[str, Any] | None = None) -> Settings:
        """Flags (None: not given) over OIB_* variables over the defaults; SettingsError names the
        first unusable value. A variable whose flag is given is not read."""
        given = {name: value for name, value in (flags or {}).items() if value is not None}
        values: dict[str, Any] = {}
        for item in fields(cls):
            variable = "OIB_ACCOUNTS" if item.name == "access_key_accounts" else f"OIB_{item.name.upper()}"
            if item.name in given:
                values[item.name] = given[item.name]
            elif environ.get(variable):
                values[item.name] = _PARSERS.get(item.name, _text)(variable, environ[variable])
        settings = cls(**values)
        settings.validate()
        return settings

    @classmethod
    def from_env(cls) -> Settings:
        return cls.load(os.environ)

    def validate(self) -> None:
        if not 0 <= self.port <= 65535:
            raise SettingsError(f"port {self.port} is not between 0 and 65535")
        for name, account in [("account id", self.account_id)] + [
                (f"OIB_ACCOUNTS entry for {key}", value) for key, value in self.access_key_accounts.items()]:
            if not _ACCOUNT_ID.match(account):
                raise SettingsError(f"{name} '{account}' is not a 12-digit AWS account id")
        if self.log_level.lower() not in LOG_LEVELS:
            raise SettingsError(f"log level '{self.log_level}' is not one of {', '.join(LOG_LEVELS)}")
        if self.clock not in CLOCKS:
            raise SettingsError(f"clock '{self.clock}' is not one of {', '.join(CLOCKS)}")
        if self.workers < 1 or self.engine_workers < 1:
            raise SettingsError("workers and engine workers must be at least 1")
        if self.step_seconds < 0:
            raise SettingsError(f"step seconds {self.step_seconds} is negative")
        if self.backend not in BACKENDS:
            raise SettingsError(f"backend '{self.backend}' is not one of {', '.join(BACKENDS)}")
        bare = (self.registry_url or "").removeprefix("http://").removeprefix("https://")
        if self.registry_url is not None and ("/" in bare or not bare.strip()):
            raise SettingsError(f"registry URL '{self.registry_url}' is not host:port (optionally http:// or "
                                "https://, no path)")
        if not 1 <= self.lease_seconds <= 3600:
            raise SettingsError(f"lease seconds {self.lease_seconds} is not between 1 and 3600")
        if self.auth not in AUTH_MODES:
            raise SettingsError(f"auth '{self.auth}' is not one of {', '.join(AUTH_MODES)}")
        if self.max_connections < 1 or self.max_body_in_flight < 16:
            raise SettingsError("max connections must be at least 1 and max body in flight at least 16 (MiB: one "
                                "request body can be 16 MiB)")
        for name in ("header_timeout", "body_timeout", "idle_timeout"):
            if not 0 < getattr(self, name) <= 3600:
                raise SettingsError(f"{name.replace('_', ' ')} {getattr(self, name)} is not between 0 and 3600 seconds")
        if not 1 <= self.api_server_timeout <= 3600:
            raise SettingsError(f"API server timeout {self.api_server_timeout} is not between 1 and 3600 seconds")
        if self.rate_limit is not None and self.rate_limit < 0:
            raise SettingsError(f"rate limit {self.rate_limit} is negative (0 turns it off)")
        for region in self.extra_region_names:
            if not valid_region_name(region):
                raise SettingsError(f"extra region '{region}' is not a region name (like us-east-1, at most 32 "
                                    "characters)")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


def _number(kind: Callable[[str], Any], description: str) -> Callable[[str, str], Any]:
    def parse(variable: str, text: str) -> Any:
        try:
            return kind(text)
        except ValueError:
            raise SettingsError(f"{variable}='{text}' is not {description}") from None
    return parse


def _text(_variable: str, text: str) -> str:
    return text


def _boolean(variable: str, text: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off", ""):
        return False
    raise SettingsError(f"{variable}='{text}' is not true or false")


def _accounts(variable: str, text: str) -> dict[str, str]:
    """OIB_ACCOUNTS="AKIDEXAMPLE=111111111111,AKIDOTHER=222222222222"."""
    accounts = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, equals, account = item.partition("=")
        if not equals or not key.strip():
            raise SettingsError(f"{variable}: '{item}' is not ACCESS_KEY=ACCOUNT_ID")
        accounts[key.strip()] = account.strip()
    return accounts


_PARSERS: dict[str, Callable[[str, str], Any]] = {
    "port": _number(int, "a port number"),
    "workers": _number(int, "a whole number"),
    "engine_workers": _number(int, "a whole number"),
    "step_seconds": _number(float, "a number of seconds"),
    "lease_seconds": _number(float, "a number of seconds"),
    "no_worker": _boolean,
    "insecure": _boolean,
    "max_connections": _number(int, "a whole number"),
    "max_body_in_flight": _number(int, "a whole number of MiB"),
    "header_timeout": _number(float, "a number of seconds"),
    "body_timeout": _number(float, "a number of seconds"),
    "idle_timeout": _number(float, "a number of seconds"),
    "rate_limit": _number(float, "a number of calls a second"),
    "api_server_timeout": _number(float, "a number of seconds"),
    "access_key_accounts": _accounts,
}
