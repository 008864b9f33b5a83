"""The service as a whole: health, protocol errors, regions, logging, the AWS CLI, restarts."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.conftest import new_account_id, start_server, unique

AUTH = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/imagebuilder/aws4_request, SignedHeaders=host, Signature=0"


def test_health(server):
    response = httpx.get(f"{server.url}/_oib/health")
    assert response.status_code == 200 and response.json()["status"] == "ok"


@pytest.mark.parametrize("method,path,body,status,code", [
    ("GET", "/NoSuchOperation", b"", 404, "UnknownOperationException"),
    ("PUT", "/CreateImagePipeline", b"{not json", 400, "SerializationException"),
    ("PUT", "/CreateImagePipeline", b"[1, 2]", 400, "SerializationException"),
    ("PUT", "/CreateImagePipeline", b'{"name": 5}', 400, "InvalidParameterValueException"),
    ("PUT", "/ImportVmImage", b"{}", 400, "InvalidParameterValueException"),
    ("PUT", "/ImportVmImage", json.dumps({"name": "vm-import", "semanticVersion": "1.0.0", "platform": "Linux",
                                         "vmImportTaskId": "t", "clientToken": "c"}).encode(), 400,
     "InvalidParameterValueException"),
])
def test_protocol_errors_in_rest_json_form(server, method, path, body, status, code):
    response = httpx.request(method, f"{server.url}{path}", content=body, headers={"Authorization": AUTH})
    assert response.status_code == status
    assert response.headers["x-amzn-errortype"] == code
    assert response.headers["x-amzn-requestid"]
    assert set(response.json()) == {"message"}


@pytest.mark.parametrize("method,path,body,expected", [
    ("POST", "/ListComponents", {"maxResults": True}, "'maxResults' must be an integer."),
    ("POST", "/ListComponents", {"maxResults": False}, "'maxResults' must be an integer."),
    ("PUT", "/CreateImagePipeline", {"name": "pipe", "clientToken": "t",
                              "infrastructureConfigurationArn":
                                  "arn:aws:imagebuilder:us-east-1:123456789012:infrastructure-configuration/i",
                              "imageTestsConfiguration": {"timeoutMinutes": True}},
     "'imageTestsConfiguration.timeoutMinutes' must be an integer."),
])
def test_json_booleans_are_not_integers(server, method, path, body, expected):
    # boto3 refuses these client-side; raw HTTP and other SDKs reach the server, and Python's bool
    # is an int, so only an explicit check keeps `true` from passing as 1.
    response = httpx.request(method, f"{server.url}{path}", json=body, headers={"Authorization": AUTH})
    assert response.status_code == 400
    assert response.headers["x-amzn-errortype"] == "InvalidParameterValueException"
    assert set(response.json()) == {"message"}
    assert response.json()["message"].endswith(expected)


def test_region_from_credential_scope(server):
    account = new_account_id()
    west, east = server.client(account, "eu-west-1"), server.client(account, "us-east-1")
    arn = west.create_infrastructure_configuration(name=unique(), instanceProfileName="p")["infrastructureConfigurationArn"]
    assert arn.startswith(f"arn:aws:imagebuilder:eu-west-1:{account}:")
    assert east.list_infrastructure_configurations()["infrastructureConfigurationSummaryList"] == []
    with pytest.raises(ClientError):
        east.get_infrastructure_configuration(infrastructureConfigurationArn=arn)


def test_one_log_line_per_request(server, client):
    response = client.list_image_pipelines()
    request_id = response["ResponseMetadata"]["RequestId"]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [line for line in server.log_path.read_text().splitlines() if request_id in line]
        if lines:
            break
        time.sleep(0.05)
    assert len(lines) == 1
    assert "ListImagePipelines" in lines[0] and " 200 " in lines[0] and "ms" in lines[0]


def test_aws_cli_flow(server):
    env = {**os.environ, "AWS_ACCESS_KEY_ID": new_account_id(), "AWS_SECRET_ACCESS_KEY": "s",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}

    def aws(*args: str) -> dict:
        output = subprocess.run([sys.executable, "-m", "awscli", "imagebuilder", *args, "--endpoint-url", server.url,
                                 "--output", "json"], env=env, capture_output=True, text=True, timeout=60)
        assert output.returncode == 0, output.stderr
        return json.loads(output.stdout) if output.stdout.strip() else {}

    name = unique("cli")
    arn = aws("create-infrastructure-configuration", "--name", name, "--instance-profile-name", "p",
              "--tags", "team=cli")["infrastructureConfigurationArn"]
    got = aws("get-infrastructure-configuration", "--infrastructure-configuration-arn", arn)
    assert got["infrastructureConfiguration"]["tags"] == {"team": "cli"}
    listed = aws("list-infrastructure-configurations")["infrastructureConfigurationSummaryList"]
    assert [item["name"] for item in listed] == [name]
    aws("tag-resource", "--resource-arn", arn, "--tags", "more=yes")
    assert aws("list-tags-for-resource", "--resource-arn", arn)["tags"] == {"team": "cli", "more": "yes"}
    aws("delete-infrastructure-configuration", "--infrastructure-configuration-arn", arn)
    failed = subprocess.run([sys.executable, "-m", "awscli", "imagebuilder", "get-infrastructure-configuration",
                             "--infrastructure-configuration-arn", arn, "--endpoint-url", server.url],
                            env=env, capture_output=True, text=True, timeout=60)
    assert failed.returncode != 0 and "ResourceNotFoundException" in failed.stderr


@pytest.fixture
def own_server(server, tmp_path):
    """A second `oib serve` on the same store as the session's server (SQLite: its own data dir)."""
    started = start_server(server.store, server.database_url, tmp_path)
    yield started
    started.stop()


def test_acknowledged_writes_survive_kill_9(own_server):
    client = own_server.client()
    arns = [client.create_infrastructure_configuration(name=unique(), instanceProfileName="p")
            ["infrastructureConfigurationArn"] for _ in range(20)]
    own_server.restart(sig="kill")
    client = own_server.client(account_id=client._request_signer._credentials.access_key)
    for arn in arns:
        client.get_infrastructure_configuration(infrastructureConfigurationArn=arn)


def test_sigterm_shuts_down_cleanly(own_server):
    own_server.client().list_image_pipelines()
    own_server.process.send_signal(signal.SIGTERM)
    assert own_server.process.wait(timeout=20) == 0


def test_two_processes_share_one_store(server, own_server):
    if server.store == "sqlite":
        pytest.skip("two processes share PostgreSQL; SQLite is one process's embedded store")
    account = new_account_id()
    arn = server.client(account).create_infrastructure_configuration(
        name=unique(), instanceProfileName="p")["infrastructureConfigurationArn"]
    assert own_server.client(account).get_infrastructure_configuration(
        infrastructureConfigurationArn=arn)["infrastructureConfiguration"]["arn"] == arn
