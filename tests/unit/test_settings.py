"""Settings from flags and OIB_* variables: flags win, and an unusable value is refused with a
message naming it (`oib serve` prints it and exits 2) instead of failing later."""
from __future__ import annotations

import subprocess
import sys

import pytest

from openimagebuilder.server.settings import Settings, SettingsError


def test_flags_win_over_variables_which_win_over_defaults():
    settings = Settings.load({"OIB_PORT": "5000", "OIB_HOST": "0.0.0.0", "OIB_STEP_SECONDS": "0.5"},
                             {"port": 6000, "host": None})
    assert (settings.port, settings.host, settings.step_seconds, settings.workers) == (6000, "0.0.0.0", 0.5, 8)


def test_a_variable_whose_flag_is_given_is_not_read():
    assert Settings.load({"OIB_PORT": "not a number"}, {"port": 4010}).port == 4010


def test_access_key_map():
    settings = Settings.load({"OIB_ACCOUNTS": " AK1 = 111111111111 ,AK2=222222222222,"})
    assert settings.access_key_accounts == {"AK1": "111111111111", "AK2": "222222222222"}


@pytest.mark.parametrize(("environ", "flags", "message"), [
    ({"OIB_PORT": "abc"}, {}, "OIB_PORT='abc' is not a port number"),
    ({}, {"port": 70000}, "port 70000 is not between 0 and 65535"),
    ({"OIB_WORKERS": "many"}, {}, "OIB_WORKERS='many' is not a whole number"),
    ({"OIB_STEP_SECONDS": "fast"}, {}, "OIB_STEP_SECONDS='fast' is not a number of seconds"),
    ({}, {"step_seconds": -1.0}, "step seconds -1.0 is negative"),
    ({"OIB_ENGINE_WORKERS": "0"}, {}, "workers and engine workers must be at least 1"),
    ({"OIB_ACCOUNT_ID": "12345"}, {}, "account id '12345' is not a 12-digit AWS account id"),
    ({"OIB_ACCOUNTS": "AK1=111111111111,AK2"}, {}, "OIB_ACCOUNTS: 'AK2' is not ACCESS_KEY=ACCOUNT_ID"),
    ({"OIB_ACCOUNTS": "AK1=not-an-account"}, {},
     "OIB_ACCOUNTS entry for AK1 'not-an-account' is not a 12-digit AWS account id"),
    ({"OIB_LOG_LEVEL": "loud"}, {}, "log level 'loud' is not one of debug, info, warning, error, critical"),
    ({"OIB_CLOCK": "lunar"}, {}, "clock 'lunar' is not one of system, manual"),
    ({"OIB_BACKEND": "vm"}, {}, "backend 'vm' is not one of simulated, real"),
    ({"OIB_REGISTRY_URL": "registry.example.com/team"}, {},
     "registry URL 'registry.example.com/team' is not host:port (optionally http:// or https://, no path)"),
])
def test_unusable_values_are_refused_by_name(environ, flags, message):
    with pytest.raises(SettingsError) as raised:
        Settings.load(environ, flags)
    assert str(raised.value) == message


def test_the_backend_is_real_unless_asked_and_a_registry_may_be_given_with_its_scheme():
    assert Settings.load({}).backend == "real"
    assert Settings.load({"OIB_BACKEND": "simulated"}).backend == "simulated"
    settings = Settings.load({"OIB_BACKEND": "real", "OIB_REGISTRY_URL": "https://registry.example.com:5000",
                              "OIB_CONTAINER_ROOT": "/dev/shm/oib"})
    assert (settings.backend, settings.registry_url, settings.container_root) == (
        "real", "https://registry.example.com:5000", "/dev/shm/oib")


def test_oib_serve_prints_the_error_and_exits_2(tmp_path):
    result = subprocess.run([sys.executable, "-m", "openimagebuilder.server.cli", "serve", "--data-dir",
                             str(tmp_path / "data")], env={"OIB_PORT": "abc", "PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == "oib serve: error: OIB_PORT='abc' is not a port number"
    assert not (tmp_path / "data").exists()  # refused before anything was created
