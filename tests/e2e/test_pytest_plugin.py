"""The pytest plugin as a user meets it: the complete example of docs/pytest-plugin.md, run as it
stands by a pytest of its own (the plugin found through its entry point, nothing configured), with
the service in process and as an `oib serve` process, shared by the run or fresh for each test."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "pytest-plugin.md"
EXAMPLE_TESTS = 5


def example() -> str:
    """The python block under the doc's "A complete example" heading."""
    section = DOC.read_text().split("## A complete example", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def run_pytest(directory: Path, *options: str) -> subprocess.CompletedProcess:
    # A pytest of its own: nothing of this run's (its xdist worker's variables, PYTEST_ADDOPTS) reaches it.
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("PYTEST_XDIST_") and key != "PYTEST_ADDOPTS"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options],
                          cwd=directory, env=env, capture_output=True, text=True, timeout=300)


def test_the_plugin_is_registered_as_a_pytest_entry_point():
    [plugin] = [entry for entry in entry_points(group="pytest11") if entry.name == "openimagebuilder"]
    assert plugin.value == "openimagebuilder.testing.plugin"


@pytest.mark.parametrize("options", [(), ("--oib-mode", "process"), ("--oib-store", "test")],
                         ids=["inprocess-session", "process-session", "inprocess-per-test"])
def test_the_documented_example_passes(tmp_path, options):
    (tmp_path / "test_image_pipeline.py").write_text(example())
    result = run_pytest(tmp_path, *options)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert f"{EXAMPLE_TESTS} passed" in result.stdout.splitlines()[-1], result.stdout[-2000:]


def test_a_failing_user_test_shows_the_build_log_of_an_image_that_never_finishes(tmp_path):
    (tmp_path / "test_slow.py").write_text('''
from openimagebuilder.testing import build_tags

def test_slow(oib):
    ib = oib.imagebuilder
    recipe = ib.create_image_recipe(
        name="slow", semanticVersion="1.0.0",
        parentImage="arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2-x86/x.x.x",
        components=[{"componentArn": "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x"}])
    infra = ib.create_infrastructure_configuration(name="slow", instanceProfileName="p")
    arn = ib.create_image(imageRecipeArn=recipe["imageRecipeArn"], tags=build_tags(step_seconds=30),
                          infrastructureConfigurationArn=infra["infrastructureConfigurationArn"])
    oib.wait_for_image(arn["imageBuildVersionArn"], timeout=0.5)
''')
    result = run_pytest(tmp_path)
    assert result.returncode == 1
    assert "ImageTimeout" in result.stdout and "after 0.5 s; its build log:" in result.stdout
    assert "created (USER_INITIATED)." in result.stdout and "Image status: CREATING" in result.stdout


def test_an_unknown_marker_option_is_a_usage_error(tmp_path):
    (tmp_path / "test_marked.py").write_text('''
import pytest

@pytest.mark.oib(colck="manual")
def test_marked(oib):
    pass
''')
    result = run_pytest(tmp_path)
    assert result.returncode != 0
    assert "@pytest.mark.oib takes account_id, clock, extra, fail_steps, step_seconds; not colck" in (
        result.stdout + result.stderr)
