"""`oib serve --auth sigv4`: unmodified boto3, the AWS CLI and the AWS SDK for JavaScript verify; missing, unknown, wrong and
stale signatures are refused with AWS's codes; accounts are isolated, the `/_oib/*` endpoints too;
regions outside AWS's (and `--extra-regions`) are refused in both modes; `--auth none` on a
non-loopback address needs `--insecure`. On both stores."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import boto3
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from openimagebuilder.server.auth import chunked
from openimagebuilder.server.auth.credentials import Credential
from tests.conftest import free_port, isolated_server
from tests.e2e.helpers import create_image, error_of, wait_done
from tests.unit.test_sigv4 import chunked_request

USER_ACCOUNT, OTHER_ACCOUNT, ADMIN_ACCOUNT = "111111111111", "222222222222", "333333333333"
FILE_KEY = {"accessKeyId": "AKIAFROMFILE", "secretAccessKey": "file-secret", "accountId": "444455556666"}


def oib(server, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "openimagebuilder.server.cli", *args], env=server.env,
                          capture_output=True, text=True, timeout=60)


def create_key(server, account: str, *flags: str) -> dict:
    created = oib(server, "credentials", "create", "--account-id", account, *flags)
    assert created.returncode == 0, created.stderr
    return json.loads(created.stdout)


def client_for(server, key: dict, region: str = "us-east-1", secret: str | None = None):
    return boto3.client("imagebuilder", endpoint_url=server.url, region_name=region,
                        aws_access_key_id=key["accessKeyId"],
                        aws_secret_access_key=secret or key["secretAccessKey"],
                        config=Config(retries={"total_max_attempts": 1}))


def signed(server, key: dict, method: str, path: str, body: bytes = b"") -> httpx.Response:
    """A request to `path` (an /_oib endpoint) signed as `oib logs` and `oib clock` sign theirs."""
    url = f"{server.url}{path}"
    request = AWSRequest(method=method, url=url, data=body, headers={"content-type": "application/json"})
    SigV4Auth(Credentials(key["accessKeyId"], key["secretAccessKey"]), "imagebuilder", "us-east-1").add_auth(request)
    return httpx.request(method, url, content=body, headers=dict(request.headers.items()), timeout=30)


@pytest.fixture(scope="module")
def secured(server, tmp_path_factory):
    """An `oib serve --auth sigv4 --clock manual` on a store of its own, with a user key in each of two
    accounts and an administrator key."""
    tmp = tmp_path_factory.mktemp("auth")
    from_file = tmp / "credentials.json"
    from_file.write_text(json.dumps([FILE_KEY]))
    from_file.chmod(0o600)
    with isolated_server(server, tmp, {"OIB_AUTH": "sigv4", "OIB_CLOCK": "manual", "OIB_EXTRA_REGIONS": "local-test-1",
                                       "OIB_CREDENTIALS_FILE": str(from_file)}) as started:
        started.keys = {"user": create_key(started, USER_ACCOUNT, "--description", "tests"),
                        "other": create_key(started, OTHER_ACCOUNT),
                        "admin": create_key(started, ADMIN_ACCOUNT, "--admin")}
        yield started


def test_boto3_verifies_and_each_key_acts_in_its_own_account(secured):
    user, other = client_for(secured, secured.keys["user"]), client_for(secured, secured.keys["other"])
    arn = user.create_infrastructure_configuration(name="mine", instanceProfileName="p")["infrastructureConfigurationArn"]
    assert f":{USER_ACCOUNT}:" in arn
    assert user.get_infrastructure_configuration(infrastructureConfigurationArn=arn)
    assert [s["arn"] for s in other.list_infrastructure_configurations()["infrastructureConfigurationSummaryList"]] == []
    assert error_of(other.get_infrastructure_configuration, infrastructureConfigurationArn=arn)[0] == \
        "ResourceNotFoundException"
    # A region the operator added is accepted and scopes resources like any other.
    local = client_for(secured, secured.keys["user"], region="local-test-1")
    assert ":local-test-1:" in local.create_infrastructure_configuration(
        name="mine", instanceProfileName="p")["infrastructureConfigurationArn"]


def test_a_key_from_the_credentials_file_verifies(secured):
    client = client_for(secured, FILE_KEY)
    arn = client.create_infrastructure_configuration(name="filed", instanceProfileName="p")[
        "infrastructureConfigurationArn"]
    assert ":444455556666:" in arn
    assert "AKIAFROMFILE" not in oib(secured, "credentials", "list").stdout  # the store's keys only


def test_aws_chunked_bodies_verify_and_decode(secured):
    """Streamed (aws-chunked) bodies as SDKs send them: signed chunks, and unsigned chunks with a
    trailing checksum; a chunk changed on the way is refused."""
    key = secured.keys["user"]
    credential = Credential(key["accessKeyId"], key["secretAccessKey"], USER_ACCOUNT)
    host = secured.url.removeprefix("http://")
    document = "name: c\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Say\n" \
               "        action: ExecuteBash\n        inputs:\n          commands: ['echo streamed']\n"
    for number, (mode, trailer) in enumerate(((chunked.SIGNED, False), (chunked.UNSIGNED_TRAILER, True))):
        data = json.dumps({"name": f"streamed-{number}", "semanticVersion": "1.0.0", "platform": "Linux",
                           "data": document, "clientToken": f"streamed-{number}"}).encode()
        request = chunked_request(data, 64, mode, trailer, host=host, credential=credential)
        reply = httpx.put(f"{secured.url}/CreateComponent", content=request.body,
                          headers=dict(request.headers.items()))
        assert reply.status_code == 200, reply.text
        assert f":{USER_ACCOUNT}:component/streamed-{number}/1.0.0/1" in reply.json()["componentBuildVersionArn"]
    request = chunked_request(data, 64, chunked.SIGNED, host=host, credential=credential)
    tampered = request.body.replace(b"streamed", b"tampered", 1)
    reply = httpx.put(f"{secured.url}/CreateComponent", content=tampered, headers=dict(request.headers.items()))
    assert (reply.status_code, reply.headers["x-amzn-errortype"]) == (403, "InvalidSignatureException")


def test_refusals_answer_as_aws_does(secured):
    key = secured.keys["user"]
    cases = {
        "wrong secret": (client_for(secured, key, secret="not-the-secret"), "InvalidSignatureException",
                         "The request signature we calculated does not match"),
        "unknown key": (client_for(secured, {**key, "accessKeyId": "AKIAUNKNOWNUNKNOWN00"}),
                        "UnrecognizedClientException", "The security token included in the request is invalid."),
        "unknown region": (client_for(secured, key, region="mars-east-1"), "InvalidSignatureException",
                           "Credential should be scoped to a valid region, not 'mars-east-1'."),
    }
    for what, (client, code, message) in cases.items():
        with pytest.raises(ClientError) as raised:
            client.list_components()
        error = raised.value.response
        assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (code, 403), what
        assert message in error["Error"]["Message"], what
    unsigned = httpx.post(f"{secured.url}/ListComponents", json={})
    assert (unsigned.status_code, unsigned.headers["x-amzn-errortype"], unsigned.json()) == (
        403, "MissingAuthenticationTokenException", {"message": "Missing Authentication Token"})
    # Signed six minutes ago (a replay, or a client clock off by more than AWS's five minutes).
    stale = datetime.now(UTC) - timedelta(minutes=6)
    with mock.patch("botocore.auth.get_current_datetime", return_value=stale.replace(tzinfo=None)):
        with pytest.raises(ClientError) as raised:
            client_for(secured, key).list_components()
    assert raised.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert raised.value.response["Error"]["Message"].startswith(f"Signature expired: {stale:%Y%m%dT%H%M%SZ} is now "
                                                                "earlier than")


def test_presigned_url_verifies(secured):
    client = client_for(secured, secured.keys["user"])
    url = client.generate_presigned_url("list_components", Params={}, ExpiresIn=60)
    assert "X-Amz-Signature=" in url and "Authorization" not in url
    # Sent as botocore signed it: its method, and the content type it included in the signed headers.
    reply = httpx.post(url, headers={"content-type": "application/json"})
    assert reply.status_code == 200, reply.text
    assert httpx.post(url.replace("X-Amz-Expires=60", "X-Amz-Expires=61"),
                      headers={"content-type": "application/json"}).status_code == 403


@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is not installed")
def test_aws_cli_verifies(secured):
    key = secured.keys["user"]
    env = {**os.environ, "AWS_ACCESS_KEY_ID": key["accessKeyId"], "AWS_SECRET_ACCESS_KEY": key["secretAccessKey"],
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    command = ["aws", "imagebuilder", "list-components", "--owner", "Self", "--endpoint-url", secured.url]
    listed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert "componentVersionList" in json.loads(listed.stdout)
    refused = subprocess.run(command, env={**env, "AWS_SECRET_ACCESS_KEY": "wrong"}, capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode != 0 and "InvalidSignatureException" in refused.stderr


def test_deleted_key_stops_working(secured):
    key = create_key(secured, USER_ACCOUNT)
    client = client_for(secured, key)
    client.list_components()
    listed = oib(secured, "credentials", "list")
    assert key["accessKeyId"] in listed.stdout and key["secretAccessKey"] not in listed.stdout
    assert oib(secured, "credentials", "delete", key["accessKeyId"]).returncode == 0
    assert oib(secured, "credentials", "delete", key["accessKeyId"]).returncode == 1
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            client.list_components()
        except ClientError as error:
            assert error.response["Error"]["Code"] == "UnrecognizedClientException"
            return
        time.sleep(0.2)
    raise AssertionError("a deleted key still worked 10 seconds later")


def test_control_endpoints_are_authenticated(secured):
    user, other, admin = secured.keys["user"], secured.keys["other"], secured.keys["admin"]
    # Health: status to anyone, details to administrators only.
    assert httpx.get(f"{secured.url}/_oib/health").json() == {"status": "ok", "service": "imagebuilder"}
    assert "engine" not in signed(secured, user, "GET", "/_oib/health").json()
    assert "engine" in signed(secured, admin, "GET", "/_oib/health").json()
    # The clock: read by any caller, moved by administrators only.
    assert httpx.get(f"{secured.url}/_oib/clock").status_code == 403
    assert signed(secured, user, "GET", "/_oib/clock").status_code == 200
    refused = signed(secured, user, "POST", "/_oib/clock", b'{"advance": 1}')
    assert (refused.status_code, refused.headers["x-amzn-errortype"]) == (403, "AccessDeniedException")
    assert signed(secured, admin, "POST", "/_oib/clock", b'{"advance": 1}').status_code == 200
    # Logs: the image's account (and administrators) only.
    image = create_image(client_for(secured, user))
    wait_done(client_for(secured, user), image)
    path = "/_oib/logs?" + httpx.QueryParams({"imageBuildVersionArn": image}).__str__()
    assert httpx.get(f"{secured.url}{path}").status_code == 403
    assert signed(secured, other, "GET", path).status_code == 403
    assert signed(secured, user, "GET", path).json()["events"]
    assert signed(secured, admin, "GET", path).json()["events"]
    # `oib logs` signs with the credentials in its environment.
    env = {**secured.env, "AWS_ACCESS_KEY_ID": user["accessKeyId"], "AWS_SECRET_ACCESS_KEY": user["secretAccessKey"],
           "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    printed = subprocess.run([sys.executable, "-m", "openimagebuilder.server.cli", "logs", image, "--endpoint-url",
                              secured.url], env=env, capture_output=True, text=True, timeout=60)
    assert printed.returncode == 0, printed.stderr
    assert "Image status: AVAILABLE" in printed.stdout


def test_unknown_regions_are_refused_without_auth_too(server):
    client = server.client(region="mars-east-1")
    code, message = error_of(client.list_components)
    assert code == "InvalidSignatureException"
    assert "Credential should be scoped to a valid region, not 'mars-east-1'." in message
    long_region = "a" * 40 + "-east-1"
    assert error_of(server.client(region=long_region).list_components)[0] == "InvalidSignatureException"


def test_no_auth_on_a_network_address_needs_insecure(tmp_path):
    env = {**os.environ, "OIB_DATA_DIR": str(tmp_path / "data"), "OIB_DATABASE_URL": "", "OIB_HOST": "0.0.0.0",
           "OIB_PORT": str(free_port()), "OIB_BACKEND": "simulated"}
    env.pop("OIB_AUTH", None)
    refused = subprocess.run([sys.executable, "-m", "openimagebuilder.server.cli", "serve"], env=env,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2
    assert "--host 0.0.0.0 accepts connections from other machines" in refused.stderr
    assert "--auth sigv4" in refused.stderr and "--insecure" in refused.stderr


JS_DIR = Path(__file__).resolve().parent.parent / "js"


@pytest.mark.skipif(shutil.which("node") is None or not (JS_DIR / "node_modules" / "@aws-sdk").is_dir(),
                    reason="node or the AWS SDK for JavaScript is not installed (make install puts it in tests/js)")
def test_javascript_sdk_verifies(secured):
    key = secured.keys["user"]

    def calls(secret: str) -> dict:
        ran = subprocess.run(["node", str(JS_DIR / "imagebuilder_calls.mjs"), secured.url, "us-east-1",
                              key["accessKeyId"], secret], capture_output=True, text=True, timeout=120)
        assert ran.returncode == 0, ran.stderr
        return json.loads(ran.stdout.splitlines()[-1])

    answered = calls(key["secretAccessKey"])
    assert answered["ListComponents"] == {"status": 200}
    assert answered["CreateInfrastructureConfiguration"]["status"] == 200
    assert f":{USER_ACCOUNT}:infrastructure-configuration/js-" in answered["CreateInfrastructureConfiguration"]["arn"]
    refused = calls("not-the-secret")["ListComponents"]
    assert (refused["status"], refused["code"]) == (403, "InvalidSignatureException")
