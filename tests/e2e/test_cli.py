"""The command lines: the `oib` console script and its flags, OIB_ACCOUNTS, the AWS CLI beyond one
flow, and AWS_ENDPOINT_URL_IMAGEBUILDER in place of an explicit endpoint URL."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.conftest import (
    free_port,
    isolated_server,
    new_account_id,
    scratch_database,
    served_url,
    unique,
    wait_healthy,
)
from tests.e2e.helpers import PARENT_IMAGE, UPDATE_LINUX, error_of

BIN_DIR = Path(sys.executable).parent
DEFAULT_ACCOUNT = "123456789012"  # README: account of callers whose access key is not mapped


def _executable(name: str) -> str | None:
    """`name` from this interpreter's bin dir (the project's venv), else from PATH."""
    local = BIN_DIR / name
    return str(local) if local.exists() else shutil.which(name)


def _clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any OIB_* or endpoint setting that would leak into a child."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("OIB_", "AWS_ENDPOINT_URL")) and key != "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"}
    return {**env, **extra}


def _client(url: str | None, access_key: str, region: str = "us-east-1"):
    kwargs = {"endpoint_url": url} if url else {}
    return boto3.session.Session().client(
        "imagebuilder", region_name=region, aws_access_key_id=access_key, aws_secret_access_key="secret",
        config=Config(retries={"total_max_attempts": 1}), **kwargs)


def _infrastructure(client, name: str | None = None) -> str:
    return client.create_infrastructure_configuration(
        name=name or unique("infra"), instanceProfileName="p")["infrastructureConfigurationArn"]


# --- the `oib` console script -------------------------------------------------------------------

@dataclass
class OibProcess:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> int:
        """SIGTERM, then the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            raise


def _oib() -> str:
    oib = _executable("oib")
    if oib is None:
        pytest.fail("the `oib` console script is not installed (pip install -e . provides it)")
    return oib


@contextmanager
def oib_serve(tmp: Path, *flags: str, port: int | None = None, env: dict[str, str] | None = None,
              data_dir: Path | None = None) -> Iterator[OibProcess]:
    """`oib serve --host 127.0.0.1 --port <port> --data-dir <data_dir> <flags>`, healthy; SIGTERM on exit."""
    data_dir = data_dir or tmp / "data"
    log_path = tmp / f"oib-cli-{port or 0}-{uuid.uuid4().hex[:6]}.log"
    command = [_oib(), "serve", "--host", "127.0.0.1", "--port", str(port or 0), "--data-dir", str(data_dir), *flags]
    with open(log_path, "ab") as log:
        process = subprocess.Popen(command, env=env if env is not None else _clean_env(), stdout=log,
                                   stderr=subprocess.STDOUT, cwd=tmp)
    started = OibProcess(f"http://127.0.0.1:{port}", process, log_path)
    try:
        if not port:
            # The server takes a free port and says which (see conftest.start_server).
            started.url = served_url(process, log_path)
        wait_healthy(started.url, started.process, started.log_path)
        yield started
    finally:
        started.stop()


@pytest.fixture
def scratch_postgres() -> Iterator[str]:
    with scratch_database() as url:
        yield url


def test_console_script_serves_from_its_data_dir_and_keeps_data_across_restart(tmp_path):
    data_dir = tmp_path / "data"
    assert not data_dir.exists()
    account = new_account_id()
    with oib_serve(tmp_path, data_dir=data_dir) as oib:
        health = httpx.get(f"{oib.url}/_oib/health")
        assert health.status_code == 200
        assert health.headers["content-type"] == "application/json"
        assert health.json()["status"] == "ok" and "sharedCommits" in health.json()  # the embedded SQLite store
        assert (data_dir / "oib.db").is_file(), sorted(p.name for p in tmp_path.iterdir())
        name = unique("kept")
        arn = _infrastructure(_client(oib.url, account), name)
        assert arn == f"arn:aws:imagebuilder:us-east-1:{account}:infrastructure-configuration/{name}"
        assert oib.stop() == 0
        assert "serving the Image Builder API on http://127.0.0.1:" in oib.log()
    with oib_serve(tmp_path, data_dir=data_dir) as again:
        got = _client(again.url, account).get_infrastructure_configuration(infrastructureConfigurationArn=arn)
        assert got["infrastructureConfiguration"]["name"] == name
        assert again.stop() == 0


def test_database_url_flag_serves_from_postgresql(tmp_path, scratch_postgres):
    from sqlalchemy import create_engine, text

    env_database = tmp_path / "from-env.db"
    env = _clean_env(OIB_DATABASE_URL=f"sqlite:///{env_database}")  # the flag wins over it
    with oib_serve(tmp_path, "--database-url", scratch_postgres, env=env) as oib:
        health = httpx.get(f"{oib.url}/_oib/health")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert "sharedCommits" not in health.json()  # reported only by the embedded SQLite store
        assert "(store: postgresql+psycopg://" in oib.log()
        arn = _infrastructure(_client(oib.url, new_account_id()))
        assert oib.stop() == 0
    assert not env_database.exists()
    # With PostgreSQL the data dir holds only what builds make (registry, container storage).
    assert not (tmp_path / "data" / "oib.db").exists()
    engine = create_engine(scratch_postgres)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM resources WHERE arn = :arn"), {"arn": arn}).scalar() == 1
    finally:
        engine.dispose()


def test_flags_win_over_environment_and_unflagged_environment_still_applies(tmp_path):
    env_port, env_dir = free_port(), tmp_path / "env-data"
    flag_dir = tmp_path / "flag-data"
    env = _clean_env(OIB_PORT=str(env_port), OIB_DATA_DIR=str(env_dir), OIB_ACCOUNT_ID="111111111111",
                     OIB_ACCOUNTS="AKIDFROMENV=333333333333", OIB_HOST="127.0.0.2")
    with oib_serve(tmp_path, "--account-id", "222222222222", env=env, data_dir=flag_dir) as oib:
        assert oib.url != f"http://127.0.0.1:{env_port}"
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{env_port}/_oib/health", timeout=2)
        assert (flag_dir / "oib.db").is_file() and not env_dir.exists()
        assert ":222222222222:" in _infrastructure(_client(oib.url, "AKIDNOTMAPPED"))  # --account-id over OIB_ACCOUNT_ID
        assert ":333333333333:" in _infrastructure(_client(oib.url, "AKIDFROMENV"))  # OIB_ACCOUNTS has no flag
        assert oib.stop() == 0
    # Without the flag, OIB_ACCOUNT_ID applies alongside the other flags.
    with oib_serve(tmp_path, env=env, data_dir=flag_dir) as oib:
        assert ":111111111111:" in _infrastructure(_client(oib.url, "AKIDNOTMAPPED"))
        assert oib.stop() == 0


# --- OIB_ACCOUNTS --------------------------------------------------------------------------------

def test_access_key_account_map(server, tmp_path):
    alpha, beta, mapped_digits = new_account_id(), new_account_id(), new_account_id()
    own_digits = new_account_id()
    accounts = f"AKIDALPHA={alpha}, AKIDBETA = {beta},999999999999={mapped_digits}"
    with isolated_server(server, tmp_path, {"OIB_ACCOUNTS": accounts}) as oib:
        clients = {key: _client(oib.url, key) for key in
                   ("AKIDALPHA", "AKIDBETA", own_digits, "999999999999", "AKIDUNMAPPED", "AKIDOTHER",
                    "12345678901", "1234567890123")}
        arns = {key: _infrastructure(client) for key, client in clients.items()}
        expected = {"AKIDALPHA": alpha, "AKIDBETA": beta,
                    own_digits: own_digits,  # a 12-digit key is the account id itself
                    "999999999999": mapped_digits,  # ... unless the map says otherwise
                    "AKIDUNMAPPED": DEFAULT_ACCOUNT, "AKIDOTHER": DEFAULT_ACCOUNT,
                    "12345678901": DEFAULT_ACCOUNT, "1234567890123": DEFAULT_ACCOUNT}
        for key, account in expected.items():
            assert arns[key].startswith(f"arn:aws:imagebuilder:us-east-1:{account}:infrastructure-configuration/"), key

        def visible(key: str) -> set[str]:
            listed = clients[key].list_infrastructure_configurations()["infrastructureConfigurationSummaryList"]
            return {item["arn"] for item in listed}

        assert visible("AKIDALPHA") == {arns["AKIDALPHA"]}
        assert visible("AKIDBETA") == {arns["AKIDBETA"]}
        assert visible(own_digits) == {arns[own_digits]}
        assert visible("999999999999") == {arns["999999999999"]}
        defaults = {arns[key] for key, account in expected.items() if account == DEFAULT_ACCOUNT}
        assert len(defaults) == 4 and visible("AKIDUNMAPPED") == visible("AKIDOTHER") == defaults
        code, _ = error_of(clients["AKIDBETA"].get_infrastructure_configuration,
                           infrastructureConfigurationArn=arns["AKIDALPHA"])
        assert code == "ResourceNotFoundException"
        with pytest.raises(ClientError):
            clients["AKIDALPHA"].delete_infrastructure_configuration(infrastructureConfigurationArn=arns["AKIDBETA"])
        assert visible("AKIDBETA") == {arns["AKIDBETA"]}


# --- the AWS CLI ---------------------------------------------------------------------------------

def _aws_command() -> list[str]:
    aws = _executable("aws")
    if aws is None:
        pytest.skip("the AWS CLI is not installed")
    return [aws]


def _aws_env(**extra: str) -> dict[str, str]:
    return _clean_env(AWS_ACCESS_KEY_ID=new_account_id(), AWS_SECRET_ACCESS_KEY="s", AWS_DEFAULT_REGION="us-east-1",
                      AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_PAGER="", **extra)


def _run_aws(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*_aws_command(), "imagebuilder", *args, "--output", "json"], env=env,
                          capture_output=True, text=True, timeout=60)


def _aws_json(env: dict[str, str], *args: str) -> dict:
    output = _run_aws(env, *args)
    assert output.returncode == 0, output.stderr
    return json.loads(output.stdout) if output.stdout.strip() else {}


def test_aws_cli_pipeline_flow(server):
    env = _aws_env()
    account = env["AWS_ACCESS_KEY_ID"]
    endpoint = ("--endpoint-url", server.url)

    infra = _aws_json(env, "create-infrastructure-configuration", "--name", unique("cli-infra"),
                      "--instance-profile-name", "p", *endpoint)["infrastructureConfigurationArn"]
    recipe = _aws_json(env, "create-image-recipe", "--name", unique("cli-recipe"), "--semantic-version", "1.0.0",
                       "--parent-image", PARENT_IMAGE, "--components", f"componentArn={UPDATE_LINUX}",
                       *endpoint)["imageRecipeArn"]
    assert recipe.startswith(f"arn:aws:imagebuilder:us-east-1:{account}:image-recipe/")
    name, token = unique("cli-pipeline"), str(uuid.uuid4())
    create = ("create-image-pipeline", "--name", name, "--image-recipe-arn", recipe,
              "--infrastructure-configuration-arn", infra, "--client-token", token, *endpoint)
    created = _aws_json(env, *create)
    arn = created["imagePipelineArn"]
    assert arn == f"arn:aws:imagebuilder:us-east-1:{account}:image-pipeline/{name}"
    assert created["clientToken"] == token
    assert _aws_json(env, *create)["imagePipelineArn"] == arn  # a retry with the same token

    got = _aws_json(env, "get-image-pipeline", "--image-pipeline-arn", arn, *endpoint)["imagePipeline"]
    assert (got["arn"], got["name"], got["imageRecipeArn"], got["infrastructureConfigurationArn"]) == (
        arn, name, recipe, infra)
    assert got["status"] == "ENABLED" and got["enhancedImageMetadataEnabled"] is True
    assert got["imageTestsConfiguration"] == {"imageTestsEnabled": True, "timeoutMinutes": 720}
    assert got["platform"] == "Linux"

    listed = _aws_json(env, "list-image-pipelines", *endpoint)["imagePipelineList"]
    assert [item["arn"] for item in listed] == [arn]

    assert _aws_json(env, "delete-image-pipeline", "--image-pipeline-arn", arn, *endpoint)["imagePipelineArn"] == arn
    assert _aws_json(env, "list-image-pipelines", *endpoint)["imagePipelineList"] == []
    failed = _run_aws(env, "get-image-pipeline", "--image-pipeline-arn", arn, *endpoint)
    assert failed.returncode in (254, 255), (failed.returncode, failed.stderr)  # AWS CLI v2: 254, v1: 255
    assert "ResourceNotFoundException" in failed.stderr and "GetImagePipeline" in failed.stderr
    assert failed.stdout == ""


# --- AWS_ENDPOINT_URL_IMAGEBUILDER ---------------------------------------------------------------

def test_boto3_reaches_oib_through_endpoint_environment_variable(server, monkeypatch):
    for name in ("AWS_ENDPOINT_URL", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_ENDPOINT_URL_IMAGEBUILDER", server.url)
    account = new_account_id()
    client = _client(None, account)
    assert client.meta.endpoint_url == server.url
    arn = _infrastructure(client)
    assert arn.startswith(f"arn:aws:imagebuilder:us-east-1:{account}:")
    assert [item["arn"] for item in server.client(account).list_infrastructure_configurations()
            ["infrastructureConfigurationSummaryList"]] == [arn]


def test_aws_cli_reaches_oib_through_endpoint_environment_variable(server):
    env = _aws_env(AWS_ENDPOINT_URL_IMAGEBUILDER=server.url)
    account = env["AWS_ACCESS_KEY_ID"]
    name = unique("cli-env")
    arn = _aws_json(env, "create-infrastructure-configuration", "--name", name,
                    "--instance-profile-name", "p")["infrastructureConfigurationArn"]
    assert arn == f"arn:aws:imagebuilder:us-east-1:{account}:infrastructure-configuration/{name}"
    listed = _aws_json(env, "list-infrastructure-configurations")["infrastructureConfigurationSummaryList"]
    assert [item["arn"] for item in listed] == [arn]
