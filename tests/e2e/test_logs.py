"""`oib logs`: an image's build log, printed once or followed live until the build ends."""
from __future__ import annotations

import subprocess
import sys

from tests.e2e.helpers import image_recipe, infrastructure


def oib_logs(server, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "openimagebuilder.server.cli", "logs", *args,
                           "--endpoint-url", server.url], capture_output=True, text=True, timeout=60)


def test_follow_streams_until_the_build_ends(server, client):
    arn = client.create_image(imageRecipeArn=image_recipe(client), infrastructureConfigurationArn=infrastructure(client),
                              tags={"oib:step-seconds": "0.05"})["imageBuildVersionArn"]
    followed = oib_logs(server, arn, "--follow")
    assert followed.returncode == 0, followed.stderr
    lines = followed.stdout.splitlines()
    assert "created (USER_INITIATED)" in lines[0]
    assert any("Step ApplyBuildComponents (ExecuteComponents) started." in line for line in lines)
    assert any("update-linux build/" in line for line in lines)  # component step output
    assert lines[-1].endswith("Image status: AVAILABLE")
    again = oib_logs(server, arn)
    assert again.stdout == followed.stdout


def test_unknown_image_is_an_error(server):
    missing = "arn:aws:imagebuilder:us-east-1:123456789012:image/none/1.0.0/1"
    result = oib_logs(server, missing)
    assert result.returncode == 1 and "does not exist" in result.stderr
