"""The pytest plugin (entry point `pytest11`): fixtures that give a test suite a running `oib`.

- `oib`: for each test, an `Oib` (boto3 clients, the clock, wait_for_image, build_log) in an
  account of its own on the session's service; with `--oib-store=test`, or a `@pytest.mark.oib(...)`
  asking for other service options, on a service with a fresh store of its own.
- `oib_service`: the session's service (`OibService`), started at first use.

Settings: `--oib-mode` / ini `oib_mode` (inprocess, the default, or process), `--oib-store` / ini
`oib_store` (session, the default, or test)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .handle import Oib
    from .service import OibService, ServiceOptions

# Loaded into every pytest run where the package is installed: nothing of the service is imported
# until a test asks for a fixture.
MODES = ("inprocess", "process")
STORES = ("session", "test")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("oib", "openimagebuilder's `oib` fixture")
    group.addoption("--oib-mode", choices=MODES, default=None,
                    help="run the oib service in this process (inprocess, the default) or as `oib serve` (process)")
    group.addoption("--oib-store", choices=STORES, default=None,
                    help="one service and store for the whole run, each test in an account of its own (session, "
                         "the default), or a fresh one per test (test)")
    parser.addini("oib_mode", "inprocess or process (see --oib-mode)", default="inprocess")
    parser.addini("oib_store", "session or test (see --oib-store)", default="session")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "oib(clock='manual', step_seconds=..., fail_steps=[...], account_id=...): this test's `oib` "
                   "runs on a fresh service with these options")


def _setting(config: pytest.Config, name: str, allowed: tuple[str, ...]) -> str:
    value = config.getoption(f"--oib-{name}") or config.getini(f"oib_{name}")
    if value not in allowed:
        raise pytest.UsageError(f"oib_{name} = {value!r} is not one of {', '.join(allowed)}")
    return str(value)


@pytest.fixture(scope="session")
def oib_service(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OibService]:
    """The service this test run shares, with the default options (started at first use)."""
    from .service import OibService, ServiceOptions

    service = OibService(tmp_path_factory.mktemp("oib-session"), ServiceOptions(),
                         _setting(request.config, "mode", MODES))
    service.start()
    try:
        yield service
    finally:
        service.stop()


@pytest.fixture
def oib(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oib]:
    """A running oib for this test, seen from an account of its own."""
    from .handle import Oib
    from .service import OibService

    marker = request.node.get_closest_marker("oib")
    options = _options(marker.kwargs if marker is not None else {})
    fresh = marker is not None or _setting(request.config, "store", STORES) == "test"
    if not fresh:
        service: OibService = request.getfixturevalue("oib_service")
        yield Oib(service.url)
        return
    service = OibService(tmp_path_factory.mktemp("oib"), options, _setting(request.config, "mode", MODES))
    service.start()
    try:
        yield Oib(service.url)
    finally:
        service.stop()


def _options(kwargs: dict[str, Any]) -> ServiceOptions:
    from .service import ServiceOptions

    known = {"clock", "step_seconds", "fail_steps", "account_id", "extra"}
    unknown = set(kwargs) - known
    if unknown:
        raise pytest.UsageError(f"@pytest.mark.oib takes {', '.join(sorted(known))}; not {', '.join(sorted(unknown))}")
    if "fail_steps" in kwargs:
        kwargs = {**kwargs, "fail_steps": tuple(kwargs["fail_steps"])}
    return ServiceOptions(**kwargs)
