"""What SigV4 verification costs the server per request (`oib serve --auth sigv4` against
`--auth none`), without HTTP.

Builds the service on a fresh SQLite store twice (auth none, auth sigv4 with one stored
credential), signs N CreateImagePipeline requests with botocore's SigV4Auth beforehand (signing is
the client's cost), then times the same requests through `Dispatcher.handle` as the ASGI app runs
them (process CPU time), in alternating blocks so that the machine's drift affects both alike. Also times
`Verifier.verify` alone, with the signing key cached (every request after the first of a day)
and without.

    python bench/auth_overhead.py            # 2000 creates per mode
    python bench/auth_overhead.py -n 500
    python bench/auth_overhead.py --http     # also: boto3 over HTTP against two `oib serve`

With --http it also starts `oib serve --auth none` and `oib serve --auth sigv4` (fresh SQLite
stores, simulated backend) and sends them the same serial boto3 CreateImagePipeline calls in
alternating blocks, measuring each server process's CPU per call (/proc/<pid>/stat): verification
against everything a request costs the server over HTTP.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from openimagebuilder.server.app import ImageBuilderApp
from openimagebuilder.server.auth.credentials import new_credential, store_credential
from openimagebuilder.server.settings import Settings

PARENT_IMAGE = "arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2-x86/x.x.x"
COMPONENT = "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x"
HOST = "127.0.0.1:4010"
BLOCK = 50


def signed(key: str, secret: str, method: str, path: str, body: dict) -> tuple[str, str, bytes, dict[str, str], bytes]:
    raw = json.dumps(body).encode()
    request = AWSRequest(method=method, url=f"http://{HOST}{path}", data=raw, headers={
        "Content-Type": "application/json", "User-Agent": "Boto3/1.44.8 Botocore/1.44.8"})
    SigV4Auth(Credentials(key, secret), "imagebuilder", "us-east-1").add_auth(request)
    headers = {name.lower(): value for name, value in request.headers.items()}
    headers["host"] = HOST
    url = urlsplit(request.url)
    return method, url.path, url.query.encode(), headers, raw


def call(app: ImageBuilderApp, request: tuple[str, str, bytes, dict[str, str], bytes]) -> dict:
    response = app.dispatcher.handle(*request, app.inline)
    if app.inline is not None and app.inline.is_open:
        app.inline.commit()
    if response.status != 200:
        raise SystemExit(f"{request[1]}: {response.status} {response.body[:300]!r}")
    return json.loads(response.body)


def prepare(auth: str, directory: str, n: int) -> tuple[ImageBuilderApp, list]:
    settings = Settings(data_dir=directory, auth=auth, log_level="warning", no_worker=True, backend="simulated")
    app = ImageBuilderApp(settings)
    if app.inline is not None:
        app.inline.on_open = lambda: None  # no event loop here: call() commits
    credential = new_credential("111111111111", admin=False)
    store_credential(app.engine, credential)
    key, secret = credential.access_key_id, credential.secret_access_key
    recipe = call(app, signed(key, secret, "PUT", "/CreateImageRecipe", {
        "name": "recipe", "semanticVersion": "1.0.0", "parentImage": PARENT_IMAGE,
        "components": [{"componentArn": COMPONENT}], "clientToken": "r"}))["imageRecipeArn"]
    infra = call(app, signed(key, secret, "PUT", "/CreateInfrastructureConfiguration", {
        "name": "infra", "instanceProfileName": "builder", "clientToken": "i"}))["infrastructureConfigurationArn"]
    requests = [signed(key, secret, "PUT", "/CreateImagePipeline", {
        "name": f"pipeline-{auth}-{i}", "imageRecipeArn": recipe, "infrastructureConfigurationArn": infra,
        "clientToken": f"{auth}-{i}"}) for i in range(n)]
    return app, requests


def _server_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def over_http(n: int) -> dict[str, float]:
    """Server CPU µs per boto3 create_image_pipeline, `--auth none` against `--auth sigv4`."""
    import socket

    import boto3
    from botocore.config import Config

    servers, clients = {}, {}
    with tempfile.TemporaryDirectory() as directory:
        try:
            for mode in ("none", "sigv4"):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", 0))
                    port = sock.getsockname()[1]
                env = {**os.environ, "OIB_DATA_DIR": f"{directory}/{mode}", "OIB_DATABASE_URL": "", "OIB_PORT": str(port),
                       "OIB_AUTH": mode, "OIB_RATE_LIMIT": "0", "OIB_LOG_LEVEL": "warning", "OIB_BACKEND": "simulated", "OIB_NO_WORKER": "1"}
                key = {"accessKeyId": "111111111111", "secretAccessKey": "secret"}
                if mode == "sigv4":
                    created = subprocess.run([sys.executable, "-m", "openimagebuilder.server.cli", "credentials", "create",
                                              "--account-id", "111111111111"], env=env, capture_output=True, text=True,
                                             check=True)
                    key = json.loads(created.stdout)
                servers[mode] = subprocess.Popen([sys.executable, "-m", "openimagebuilder.server.cli", "serve"], env=env)
                url = f"http://127.0.0.1:{port}"
                for _ in range(300):
                    try:
                        urllib.request.urlopen(f"{url}/_oib/health", timeout=1)
                        break
                    except OSError:
                        time.sleep(0.1)
                clients[mode] = boto3.client("imagebuilder", endpoint_url=url, region_name="us-east-1",
                                             aws_access_key_id=key["accessKeyId"],
                                             aws_secret_access_key=key["secretAccessKey"],
                                             config=Config(retries={"total_max_attempts": 1}))
            targets = {}
            for mode, client in clients.items():
                recipe = client.create_image_recipe(name="recipe", semanticVersion="1.0.0", parentImage=PARENT_IMAGE,
                                                    components=[{"componentArn": COMPONENT}])["imageRecipeArn"]
                infra = client.create_infrastructure_configuration(
                    name="infra", instanceProfileName="builder")["infrastructureConfigurationArn"]
                targets[mode] = (recipe, infra)
            spent = {"none": 0.0, "sigv4": 0.0}
            for number, start in enumerate(range(0, n, BLOCK)):
                for mode in ("none", "sigv4") if number % 2 == 0 else ("sigv4", "none"):
                    before = _server_cpu(servers[mode].pid)
                    for i in range(start, min(n, start + BLOCK)):
                        clients[mode].create_image_pipeline(name=f"p-{i}", imageRecipeArn=targets[mode][0],
                                                            infrastructureConfigurationArn=targets[mode][1])
                    spent[mode] += _server_cpu(servers[mode].pid) - before
        finally:
            for server in servers.values():
                server.terminate()
                server.wait(30)
    none, sigv4 = spent["none"] / n, spent["sigv4"] / n
    return {"http_server_cpu_us_auth_none": round(none * 1e6, 1),
            "http_server_cpu_us_auth_sigv4": round(sigv4 * 1e6, 1),
            "http_overhead_fraction": round(sigv4 / none - 1, 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="creates per mode")
    parser.add_argument("--http", action="store_true", help="also measure two `oib serve` over HTTP with boto3")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as none_dir, tempfile.TemporaryDirectory() as sigv4_dir:
        apps = {"none": prepare("none", none_dir, args.n), "sigv4": prepare("sigv4", sigv4_dir, args.n)}
        per_block: dict[str, list[float]] = {"none": [], "sigv4": []}
        for number, start in enumerate(range(0, args.n, BLOCK)):
            # Which mode goes first alternates: the machine's drift and each store's growth fall on both.
            for mode in ("none", "sigv4") if number % 2 == 0 else ("sigv4", "none"):
                app, requests = apps[mode]
                began = time.process_time()
                for request in requests[start:start + BLOCK]:
                    call(app, request)
                per_block[mode].append((time.process_time() - began) / len(requests[start:start + BLOCK]))
        app, requests = apps["sigv4"]
        verifier = app.identity.verifier
        assert verifier is not None
        method, path, query, headers, body = requests[0]
        rounds = 5000
        began = time.perf_counter()
        for _ in range(rounds):
            verifier.verify(method, path, query, headers, body)
        cached = (time.perf_counter() - began) / rounds
        began = time.perf_counter()
        for _ in range(rounds):
            verifier._signing_keys.clear()
            verifier.verify(method, path, query, headers, body)
        uncached = (time.perf_counter() - began) / rounds
        for app, _ in apps.values():
            app.close()
    none, sigv4 = statistics.mean(per_block["none"]), statistics.mean(per_block["sigv4"])
    result = {
        "creates_per_mode": args.n,
        "create_us_auth_none": round(none * 1e6, 1),
        "create_us_auth_sigv4": round(sigv4 * 1e6, 1),
        "overhead_fraction": round(sigv4 / none - 1, 3),
        "verify_us_key_cached": round(cached * 1e6, 1),
        "verify_us_key_derived": round(uncached * 1e6, 1),
    }
    if args.http:
        result.update(over_http(args.n))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
