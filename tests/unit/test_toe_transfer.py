"""WebDownload against a local HTTP server, S3Download and S3Upload against a local moto server,
all writing through LocalExecutor into a temporary folder."""
from __future__ import annotations

import hashlib
import http.server
import os
import shutil
import ssl
import subprocess
import threading
import time
from pathlib import Path

import botocore.session
import pytest

import openimagebuilder.toe.modules.transfer  # noqa: F401 - registers the modules
from tests.s3_fixtures import moto_server

from .toe_support import failed, module_runner, ok

PAYLOAD = os.urandom(300_000)


class _Handler(http.server.BaseHTTPRequestHandler):
    hits: dict[str, int] = {}

    def do_GET(self):  # noqa: N802 - the standard library's name
        count = self.hits[self.path] = self.hits.get(self.path, 0) + 1
        if self.path == "/redirect":
            self._answer(302, b"", location="/files/java14.zip")
        elif self.path.startswith("/files/"):
            self._answer(200, PAYLOAD)
        elif self.path == "/flaky.bin":
            self._answer(503 if count < 3 else 200, PAYLOAD)
        elif self.path == "/always-down.bin":
            self._answer(500, b"")
        elif self.path == "/empty":
            self._answer(204, b"")
        else:
            self._answer(404, b"not here")

    def _answer(self, status: int, body: bytes, location: str | None = None) -> None:
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def web():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def s3_endpoint():
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def s3(s3_endpoint, credentials, request):
    client = botocore.session.get_session().create_client(
        "s3", endpoint_url=s3_endpoint, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing")
    bucket = "bucket-" + request.node.name.lower().replace("_", "-")[:40]
    client.create_bucket(Bucket=bucket)
    return client, bucket


@pytest.fixture
def run(tmp_path):
    return module_runner(tmp_path)


# ---------------------------------------------------------------- WebDownload

def test_web_download_to_file_and_folder(run, web, tmp_path):
    result = ok(run("WebDownload", [
        {"source": f"{web}/files/java14.zip", "destination": "/".join([str(tmp_path), "java14_renamed.zip"])},
        {"source": f"{web}/files/java14.zip", "destination": "create_new_folder_and_add_java14_as_zip/"},
    ]))
    assert result.outputs == {"destination": f"{tmp_path}/java14_renamed.zip\n"
                                             f"{tmp_path}/create_new_folder_and_add_java14_as_zip/java14.zip"}
    assert (tmp_path / "java14_renamed.zip").read_bytes() == PAYLOAD
    assert (tmp_path / "create_new_folder_and_add_java14_as_zip/java14.zip").read_bytes() == PAYLOAD


def test_web_download_follows_redirects(run, web, tmp_path):
    ok(run("WebDownload", {"source": f"{web}/redirect", "destination": "r.bin"}))
    assert (tmp_path / "r.bin").read_bytes() == PAYLOAD


@pytest.mark.parametrize("algorithm, function", [("MD5", hashlib.md5), ("sha1", hashlib.sha1),
                                                 ("SHA256", hashlib.sha256), ("SHA512", hashlib.sha512)])
def test_web_download_checksums(run, web, tmp_path, algorithm, function):
    good = function(PAYLOAD).hexdigest()
    ok(run("WebDownload", {"source": f"{web}/files/a", "destination": "a", "checksum": good.upper(),
                           "algorithm": algorithm}))
    failed(run("WebDownload", {"source": f"{web}/files/b", "destination": "b", "checksum": "0" * len(good),
                               "algorithm": algorithm}), "checksum", "does not match")
    assert not (tmp_path / "b").exists()


def test_web_download_skips_a_file_that_already_has_the_checksum(run, web, tmp_path):
    _Handler.hits.pop("/files/skip", None)
    (tmp_path / "skip").write_bytes(PAYLOAD)
    ok(run("WebDownload", {"source": f"{web}/files/skip", "destination": "skip",
                           "checksum": hashlib.sha256(PAYLOAD).hexdigest(), "algorithm": "SHA256"}))
    assert "/files/skip" not in _Handler.hits
    (tmp_path / "skip").write_bytes(b"stale")
    ok(run("WebDownload", {"source": f"{web}/files/skip", "destination": "skip",
                           "checksum": hashlib.sha256(PAYLOAD).hexdigest(), "algorithm": "SHA256"}))
    assert (tmp_path / "skip").read_bytes() == PAYLOAD


def test_web_download_overwrite(run, web, tmp_path):
    (tmp_path / "x").write_bytes(b"old")
    failed(run("WebDownload", {"source": f"{web}/files/x", "destination": "x", "overwrite": False}),
           "already exists")
    assert (tmp_path / "x").read_bytes() == b"old"
    ok(run("WebDownload", {"source": f"{web}/files/x", "destination": "x"}))
    assert (tmp_path / "x").read_bytes() == PAYLOAD


def test_web_download_retries_server_errors_but_not_client_errors(run, web, tmp_path):
    _Handler.hits.pop("/flaky.bin", None)
    ok(run("WebDownload", {"source": f"{web}/flaky.bin", "destination": "dl/"}))
    assert _Handler.hits["/flaky.bin"] == 3 and (tmp_path / "dl/flaky.bin").read_bytes() == PAYLOAD
    _Handler.hits.pop("/missing", None)
    failed(run("WebDownload", {"source": f"{web}/missing", "destination": "m"}), "HTTP status 404")
    assert _Handler.hits["/missing"] == 1
    failed(run("WebDownload", {"source": f"{web}/empty", "destination": "e"}), "HTTP status 204")


def test_web_download_gives_up_after_five_attempts_and_can_be_cancelled(run, web):
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    started = time.monotonic()
    failed(run("WebDownload", {"source": f"{web}/always-down.bin", "destination": "d"}, cancel=cancel), "cancelled")
    assert time.monotonic() - started < 2
    _Handler.hits.pop("/always-down.bin", None)
    failed(run("WebDownload", {"source": f"{web}/always-down.bin", "destination": "d"}), "after 5 attempts")
    assert _Handler.hits["/always-down.bin"] == 5


@pytest.fixture(scope="module")
def https_web(tmp_path_factory):
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a self-signed certificate")
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
                   check=True, capture_output=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_web_download_certificate_errors(run, https_web, tmp_path):
    failed(run("WebDownload", {"source": f"{https_web}/files/secure.bin", "destination": "s"}),
           "certificate", "ignoreCertificateErrors")
    ok(run("WebDownload", {"source": f"{https_web}/files/secure.bin", "destination": "s",
                           "ignoreCertificateErrors": True}))
    assert (tmp_path / "s").read_bytes() == PAYLOAD


def test_web_download_keeps_to_the_step_timeout(run, web):
    started = time.monotonic()
    failed(run("WebDownload", {"source": f"{web}/always-down.bin", "destination": "d"}, timeout=1),
           "Step timed out after 1 seconds.")
    assert time.monotonic() - started < 2


def test_web_download_bad_inputs(run, web):
    failed(run("WebDownload", {"source": "ftp://example.com/x", "destination": "x"}), "HTTP or HTTPS")
    failed(run("WebDownload", {"source": f"{web}/files/x", "destination": "x", "checksum": "ab",
                               "algorithm": "CRC32"}), "MD5, SHA1, SHA256, SHA512")
    failed(run("WebDownload", {"source": f"{web}/", "destination": "folder/"}), "names no file")
    failed(run("WebDownload", {"source": f"{web}/files/x"}), "Missing required input 'destination'")
    failed(run("WebDownload", {"source": "http://127.0.0.1:9/x", "destination": "x", "overwrite": "no"}),
           "true or false")


def test_web_download_dry_run_reports_the_destination(run, web, tmp_path):
    result = ok(run("WebDownload", {"source": f"{web}/files/java14.zip", "destination": "d/"}, dry_run=True))
    assert result.outputs == {"destination": f"{tmp_path}/d/java14.zip"}
    assert not (tmp_path / "d").exists()


# ---------------------------------------------------------------- S3Download

def test_s3_modules_need_an_endpoint(run, credentials):
    failed(run("S3Download", {"source": "s3://b/k", "destination": "k"}), "--s3-endpoint-url")
    failed(run("S3Upload", {"source": "k", "destination": "s3://b/k"}), "--s3-endpoint-url")


def test_s3_download_one_object(run, s3, s3_endpoint, tmp_path):
    client, bucket = s3
    client.put_object(Bucket=bucket, Key="path/to/package.zip", Body=PAYLOAD)
    (tmp_path / "myfolder").mkdir()
    ok(run("S3Download", {"source": f"s3://{bucket}/path/to/package.zip", "destination": "myfolder/package.zip"},
           endpoint=s3_endpoint))
    assert (tmp_path / "myfolder/package.zip").read_bytes() == PAYLOAD
    failed(run("S3Download", {"source": f"s3://{bucket}/path/to/package.zip", "destination": "myfolder/package.zip",
                              "overwrite": False}, endpoint=s3_endpoint),
           'S3Download: File already exists and "overwrite" property for "destination" file is set to false.')
    ok(run("S3Download", {"source": f"s3://{bucket}/path/to/package.zip", "destination": "myfolder/"},
           endpoint=s3_endpoint))
    failed(run("S3Download", {"source": f"s3://{bucket}/path/to/package.zip", "destination": "nofolder/p.zip"},
               endpoint=s3_endpoint), "does not exist")
    failed(run("S3Download", {"source": f"s3://{bucket}/path/to/missing", "destination": "myfolder/m"},
               endpoint=s3_endpoint), "NoSuchKey")
    assert not (tmp_path / "myfolder/m").exists()


def test_s3_download_prefix(run, s3, s3_endpoint, tmp_path):
    client, bucket = s3
    for key in ["path/to/a.txt", "path/to/sub/b.txt", "path/to/folder/", "path/other.txt"]:
        client.put_object(Bucket=bucket, Key=key, Body=key.encode())
    (tmp_path / "out").mkdir()
    ok(run("S3Download", [{"source": f"s3://{bucket}/path/to/*", "destination": "out/"}], endpoint=s3_endpoint))
    assert sorted(str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*") if p.is_file()) \
        == ["a.txt", "sub/b.txt"]
    assert (tmp_path / "out/sub/b.txt").read_text() == "path/to/sub/b.txt"
    failed(run("S3Download", {"source": f"s3://{bucket}/path/to/*", "destination": "out/", "overwrite": "false"},
               endpoint=s3_endpoint), "File already exists")


def test_s3_expected_bucket_owner_is_sent_and_bad_uris_fail(run, s3, s3_endpoint, tmp_path):
    # moto accepts any expected owner, so this checks only that the parameter reaches S3 intact.
    client, bucket = s3
    client.put_object(Bucket=bucket, Key="k", Body=b"k")
    ok(run("S3Download", {"source": f"s3://{bucket}/k", "destination": "k", "expectedBucketOwner": "123456789012"},
           endpoint=s3_endpoint))
    ok(run("S3Upload", {"source": "k", "destination": f"s3://{bucket}/k2", "expectedBucketOwner": 123456789012},
           endpoint=s3_endpoint))
    assert _keys(client, bucket) == {"k": b"k", "k2": b"k"}
    failed(run("S3Download", {"source": "https://example.com/x", "destination": "x"}, endpoint=s3_endpoint),
           "s3://bucket/key")
    failed(run("S3Download", {"source": f"s3://{bucket}/a*/b", "destination": "x"}, endpoint=s3_endpoint),
           "wildcard only at its end")
    failed(run("S3Download", {"source": "s3://no-such-bucket-here/k", "destination": "k"}, endpoint=s3_endpoint),
           "NoSuchBucket")


# ---------------------------------------------------------------- S3Upload

def _keys(client, bucket) -> dict[str, bytes]:
    listing = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {item["Key"]: client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read() for item in listing}


def _sample_folder(root: Path) -> None:
    (root / "myfolder/sub").mkdir(parents=True)
    (root / "myfolder/package.zip").write_bytes(b"zip")
    (root / "myfolder/notes.log").write_bytes(b"log")
    (root / "myfolder/sub/deep.log").write_bytes(b"deep")


def test_s3_upload_file(run, s3, s3_endpoint, tmp_path):
    client, bucket = s3
    _sample_folder(tmp_path)
    ok(run("S3Upload", [{"source": "myfolder/package.zip", "destination": f"s3://{bucket}/path/to/package.zip"},
                        {"source": "myfolder/package.zip", "destination": f"s3://{bucket}/prefix/"}],
           endpoint=s3_endpoint))
    assert _keys(client, bucket) == {"path/to/package.zip": b"zip", "prefix/package.zip": b"zip"}


def test_s3_upload_wildcard_and_recurse(run, s3, s3_endpoint, tmp_path):
    client, bucket = s3
    _sample_folder(tmp_path)
    ok(run("S3Upload", {"source": "myfolder/*", "destination": f"s3://{bucket}/flat/"}, endpoint=s3_endpoint))
    ok(run("S3Upload", {"source": "myfolder/*", "destination": f"s3://{bucket}/all", "recurse": "true"},
           endpoint=s3_endpoint))
    ok(run("S3Upload", {"source": "myfolder/*.log", "destination": f"s3://{bucket}/logs/", "recurse": True},
           endpoint=s3_endpoint))
    ok(run("S3Upload", {"source": "myfolder", "destination": f"s3://{bucket}/folder/", "recurse": True},
           endpoint=s3_endpoint))
    assert _keys(client, bucket) == {
        "flat/package.zip": b"zip", "flat/notes.log": b"log",
        "all/package.zip": b"zip", "all/notes.log": b"log", "all/sub/deep.log": b"deep",
        "logs/notes.log": b"log", "logs/sub/deep.log": b"deep",
        "folder/package.zip": b"zip", "folder/notes.log": b"log", "folder/sub/deep.log": b"deep",
    }


def test_s3_upload_failures(run, s3, s3_endpoint, tmp_path):
    client, bucket = s3
    _sample_folder(tmp_path)
    failed(run("S3Upload", {"source": "myfolder", "destination": f"s3://{bucket}/x/"}, endpoint=s3_endpoint),
           "set recurse to true")
    failed(run("S3Upload", {"source": "missing", "destination": f"s3://{bucket}/x"}, endpoint=s3_endpoint),
           "does not exist")
    failed(run("S3Upload", {"source": "myfolder/*.none", "destination": f"s3://{bucket}/x/"}, endpoint=s3_endpoint),
           "No file matches")
    failed(run("S3Upload", {"source": "myfolder/package.zip", "destination": f"s3://{bucket}/x/*"},
               endpoint=s3_endpoint), "no wildcard")
    failed(run("S3Upload", {"source": "myfolder/package.zip", "destination": "s3://no-such-bucket-here/x"},
               endpoint=s3_endpoint), "NoSuchBucket")
    assert _keys(client, bucket) == {}


def test_s3_dry_run_needs_nothing(run, tmp_path):
    ok(run("S3Download", {"source": "s3://b/k", "destination": "k"}, dry_run=True))
    ok(run("S3Upload", {"source": "k", "destination": "s3://b/k"}, dry_run=True))
    assert os.listdir(tmp_path) == []
