"""A new user's first mistakes and first start: any mistake on the `oib` command line is one line
on stderr and a non-zero exit, never a traceback; `oib --version`; a busy port is refused before
anything claims to be serving, with the way to choose another; the first start is quiet; the
request log names the error code of an error answer; build logs read as the documents were written."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import free_port, new_account_id, start_server, unique
from tests.e2e.helpers import error_of, infrastructure, wait_until

OIB = str(Path(sys.executable).parent / "oib")


def oib(*args: str, cwd: Path | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OIB_", "AWS_"))}
    return subprocess.run([OIB, *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)


def one_line_error(result: subprocess.CompletedProcess, status: int = 2) -> str:
    assert result.returncode == status, result
    assert result.stdout == "" and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result
    return result.stderr.rstrip("\n")


@pytest.mark.parametrize(("args", "expected"), [
    (("clock", "advance", "banana"), "oib clock: error: 'banana' is not a duration like 90s, 15m, 24h or 2d"),
    (("clock", "advance"), "oib clock: error: `oib clock advance` needs a value, e.g. oib clock advance 24h"),
    (("clock", "set"), "oib clock: error: `oib clock set` needs a value, e.g. oib clock set 2026-12-01T00:00:00Z"),
    (("clock", "advance", "inf"), "oib clock: error: 'inf' is not a duration the clock can move forward by"),
    (("clock", "rewind"), "oib clock: error: argument action: invalid choice: 'rewind' (choose from "),
    ((), "oib: error: the following arguments are required: command (see oib --help)"),
    (("serve", "--port", "eighty"), "oib serve: error: argument --port: invalid int value: 'eighty' "
                                    "(see oib serve --help)"),
    (("run",), "oib run: error: the following arguments are required: PIPELINE (see oib run --help)"),
    (("pipelines",), "oib pipelines: error: the following arguments are required: pipelines_command "
                     "(see oib pipelines --help)"),
])
def test_a_command_line_mistake_is_one_line_and_status_2(args, expected):
    """`expected`: the line, or its beginning where argparse's wording varies across Pythons."""
    message = one_line_error(oib(*args))
    assert message == expected or (expected.endswith("(choose from ") and message.startswith(expected))


def test_version():
    from importlib.metadata import version

    shown = oib("--version")
    assert (shown.returncode, shown.stdout) == (0, f"oib {version('openimagebuilder')}\n")


def test_no_service_is_one_line_and_status_1():
    closed = f"http://127.0.0.1:{free_port()}"
    message = one_line_error(oib("clock", "advance", "1h", "--endpoint-url", closed), status=1)
    assert message.startswith(f"oib clock: error: cannot reach {closed}")
    message = one_line_error(oib("logs", "arn:aws:imagebuilder:us-east-1:123456789012:image/a/1.0.0/1",
                                 "--endpoint-url", closed), status=1)
    assert message.startswith(f"oib logs: error: cannot reach {closed}")


def test_a_busy_port_is_refused_at_once_with_the_way_to_choose_another(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = oib("serve", "--port", str(port), "--data-dir", str(tmp_path / "data"), "--backend", "simulated",
                      timeout=30)
    message = one_line_error(refused)
    assert message == (f"oib serve: error: port {port} on 127.0.0.1 is already in use (another oib serve?); "
                       f"choose another port: make run PORT={port + 1}, oib serve --port {port + 1}, "
                       f"or OIB_PORT={port + 1}")
    assert not (tmp_path / "data").exists()  # refused before the store was opened


def test_first_start_is_quiet_and_4xx_lines_name_the_error_code(tmp_path):
    server = start_server("sqlite", "", tmp_path)
    try:
        client = server.client(new_account_id())
        code, _ = error_of(client.get_image, imageBuildVersionArn="arn:aws:imagebuilder:us-east-1:123456789012:"
                                                                  "image/missing/1.0.0/1")
        assert code == "ResourceNotFoundException"
        log = server.log_path.read_text()
        assert "alembic" not in log and "Running upgrade" not in log
        startup = [line for line in log.splitlines() if "openimagebuilder.request" not in line]
        assert len(startup) == 3, startup  # serving on ..., builds: ..., build worker ... started
        assert " GetImage GET 404 ResourceNotFoundException " in log
        assert " 200 ResourceNotFoundException" not in log
    finally:
        server.stop()


def test_build_log_shows_step_inputs_as_yaml_and_no_empty_lines(server, client):
    component = client.create_component(name=unique("c"), semanticVersion="1.0.0", platform="Linux", data="""
name: shown
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Script
        action: ExecuteBash
        inputs:
          commands:
            - |
              echo one
              echo two
            - echo three
      - name: Bare
        action: Reboot
""")["componentBuildVersionArn"]
    recipe = client.create_image_recipe(
        name=unique("r"), semanticVersion="1.0.0", parentImage="arn:aws:imagebuilder:us-east-1:aws:image/"
                                                              "amazon-linux-2-x86/x.x.x",
        components=[{"componentArn": component}])["imageRecipeArn"]
    image = client.create_image(imageRecipeArn=recipe, infrastructureConfigurationArn=infrastructure(client),
                                tags={"oib:step-seconds": "0.02"})["imageBuildVersionArn"]
    wait_until(lambda: client.get_image(imageBuildVersionArn=image)["image"]["state"]["status"] == "AVAILABLE",
               what="the image")
    result = subprocess.run([OIB, "logs", image, "--endpoint-url", server.url], capture_output=True, text=True,
                            timeout=60)
    messages = [line.split(" ", 1)[1] for line in result.stdout.splitlines()]
    script = [m.split("build/Script: ", 1)[1] for m in messages if "build/Script: " in m]
    start = script.index("[dry run] ExecuteBash")
    assert script[start:start + 6] == ["[dry run] ExecuteBash", "  commands:", "  - |", "    echo one", "    echo two",
                                       "  - echo three"]
    assert any(m.endswith("build/Bare: [dry run] Reboot") for m in messages)  # no inputs: nothing after it
    assert not [m for m in messages if not m.split(": ", 1)[-1].strip() or m.endswith((" null", " {}"))], messages
    assert "{'" not in result.stdout and '{"commands"' not in result.stdout

