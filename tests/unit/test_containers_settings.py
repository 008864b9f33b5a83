"""Container settings and the tool check, without running anything."""
from __future__ import annotations

from pathlib import Path

import pytest

from openimagebuilder.containers.registry import ExternalRegistry, is_loopback
from openimagebuilder.containers.settings import ContainerSettings, missing_tools, require_tools
from openimagebuilder.host_tools import ToolsMissing


def test_defaults_under_the_data_dir():
    settings = ContainerSettings.for_data_dir("/data")
    assert settings.storage_root == Path("/data/containers/storage")
    assert settings.run_root == Path("/data/containers/run")
    assert (settings.storage_driver, settings.runtime, settings.isolation, settings.network) == ("vfs", "runc", "oci", "host")
    assert settings.config_dir == Path("/data/containers/run/config")


@pytest.mark.parametrize("field, value, message", [
    ("storage_driver", "btrfs", "storage_driver must be one of vfs, overlay"),
    ("isolation", "rootless", "isolation must be one of oci, chroot"),
    ("network", "bridge", "network must be host or none"),
    ("registry_url", "http://127.0.0.1:5000", "registry_url must be host:port"),
])
def test_bad_settings_are_refused_clearly(field, value, message):
    with pytest.raises(ValueError, match=message):
        ContainerSettings.for_data_dir("/data", **{field: value})


def test_missing_tools_name_their_debian_packages(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    missing = dict(missing_tools())
    assert missing["buildah"] == "buildah" and missing["docker-registry"] == "docker-registry"
    with pytest.raises(ToolsMissing, match=r"^buildah not found: install the Debian package buildah "
                                           r"\(apt-get install buildah\)"):
        require_tools()
    with pytest.raises(ToolsMissing, match=r"^docker-registry not found: .*docker-registry\)$"):
        require_tools(["docker-registry"])


def test_registry_urls():
    assert is_loopback("127.0.0.1:5000") and is_loopback("localhost:5000") and not is_loopback("registry.example.com")
    assert ExternalRegistry("127.0.0.1:5000").scheme == "http"
    assert ExternalRegistry("registry.example.com:443").scheme == "https"
    with pytest.raises(ValueError):
        ExternalRegistry("registry.example.com/path")
