"""SigV4 verification (server/auth/sigv4.py) against botocore's own signer as the oracle: what
botocore signs verifies, and any change to what it signed does not."""
from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from openimagebuilder.server.auth import chunked, errors
from openimagebuilder.server.auth.credentials import Credential
from openimagebuilder.server.auth.regions import Regions
from openimagebuilder.server.auth.sigv4 import Verifier, signing_key

KEY = Credential("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "111111111111")
OTHER = Credential("AKIDOTHER", "another-secret", "222222222222", admin=True)
HOST = "127.0.0.1:4010"


def verifier(now: float | None = None) -> Verifier:
    known = {KEY.access_key_id: KEY, OTHER.access_key_id: OTHER}
    return Verifier(known.get, Regions(("local-test-1",)).__contains__,
                    now=(lambda: now) if now is not None else time.time)


def signed(method: str, path: str, body: bytes = b"", region: str = "us-east-1", credential: Credential = KEY,
           headers: dict[str, str] | None = None, service: str = "imagebuilder") -> AWSRequest:
    request = AWSRequest(method=method, url=f"http://{HOST}{path}", data=body,
                         headers={"Content-Type": "application/json", **(headers or {})})
    SigV4Auth(Credentials(credential.access_key_id, credential.secret_access_key), service, region).add_auth(request)
    return request


def arrived(request: AWSRequest) -> tuple[str, str, bytes, dict[str, str], bytes]:
    """What the server sees of `request`: method, raw path, query, lower-case headers (with Host), body."""
    url = urlsplit(request.url)
    headers = {name.lower(): value for name, value in request.headers.items()}
    headers.setdefault("host", url.netloc)
    body = request.body or b""
    return request.method, url.path, url.query.encode(), headers, body if isinstance(body, bytes) else body.encode()


def verify(request: AWSRequest, **changes: object):
    method, path, query, headers, body = arrived(request)
    values = {"method": method, "raw_path": path, "query": query, "headers": headers, "body": body, **changes}
    return verifier().verify(**values)  # type: ignore[arg-type]


def test_botocore_signed_requests_verify():
    cases = [
        ("GET", "/ListImages", b""),
        ("PUT", "/CreateComponent", b'{"name": "c", "semanticVersion": "1.0.0"}'),
        ("GET", "/GetImage?imageBuildVersionArn=arn%3Aaws%3Aimagebuilder%3Aus-east-1%3A111111111111%3Aimage%2Fa%2F1.0.0%2F1", b""),
        ("POST", "/tags/arn%3Aaws%3Aimagebuilder%3Aus-east-1%3A111111111111%3Acomponent%2Fc%2F1.0.0%2F1",
         b'{"tags": {"a": "b c"}}'),
        ("GET", "/ListX?b=2&a=1&a=0&space=a%20b&tilde=~x&empty=", b""),
    ]
    for method, path, body in cases:
        verified = verify(signed(method, path, body))
        assert (verified.credential, verified.region, verified.body) == (KEY, "us-east-1", body)
    assert verify(signed("GET", "/ListImages", region="local-test-1")).region == "local-test-1"


def test_presigned_urls_verify_until_they_expire():
    request = AWSRequest(method="GET", url=f"http://{HOST}/GetImage?imageBuildVersionArn=x%2Fy", data=b"")
    SigV4QueryAuth(Credentials(OTHER.access_key_id, OTHER.secret_access_key), "imagebuilder", "us-east-1",
                   expires=60).add_auth(request)
    assert verify(request).credential == OTHER
    method, path, query, headers, body = arrived(request)
    with pytest.raises(errors.InvalidSignature, match="Signature expired"):
        verifier(now=time.time() + 120).verify(method, path, query, headers, body)
    tampered = query.replace(b"x%2Fy", b"x%2Fz")
    with pytest.raises(errors.InvalidSignature, match="does not match"):
        verifier().verify(method, path, tampered, headers, body)


@pytest.mark.parametrize("change, error, message", [
    ({"body": b'{"name": "d"}'}, errors.InvalidSignature, "does not match"),
    ({"method": "POST"}, errors.InvalidSignature, "does not match"),
    ({"raw_path": "/ListImage"}, errors.InvalidSignature, "does not match"),
    ({"query": b"a=1"}, errors.InvalidSignature, "does not match"),
])
def test_any_change_to_what_was_signed_is_refused(change, error, message):
    with pytest.raises(error, match=message):
        verify(signed("PUT", "/CreateComponent", b'{"name": "c"}'), **change)


def test_refusals_carry_aws_codes_and_statuses():
    request = signed("GET", "/ListImages")
    _method, _path, _query, headers, _body = arrived(request)
    cases = [
        ({k: v for k, v in headers.items() if k != "authorization"}, errors.MissingAuthenticationToken, 403,
         "Missing Authentication Token"),
        ({**headers, "authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/imagebuilder/aws4_request"},
         errors.IncompleteSignature, 400, "requires 'Signature' parameter"),
        ({**headers, "authorization": "Bearer abc"}, errors.IncompleteSignature, 400, "not a valid key=value pair"),
        ({**headers, "authorization": headers["authorization"].replace("AKIDEXAMPLE", "AKIDUNKNOWN")},
         errors.UnrecognizedClient, 403, "security token included in the request is invalid"),
        ({**headers, "authorization": headers["authorization"][:-4] + "0000"}, errors.InvalidSignature, 403,
         "signature we calculated does not match"),
        ({**headers, "x-amz-security-token": "session"}, errors.UnrecognizedClient, 403, "security token"),
        ({**headers, "host": "evil.example"}, errors.InvalidSignature, 403, "does not match"),
    ]
    for changed, error, status, message in cases:
        with pytest.raises(error, match=message) as raised:
            verify(request, headers=changed)
        assert (raised.value.code, raised.value.status) == (error.code, status)


def test_scope_must_name_this_service_and_a_known_region():
    with pytest.raises(errors.InvalidSignature, match="Credential should be scoped to a valid region, not 'mars-1'"):
        verify(signed("GET", "/ListImages", region="mars-1"))
    with pytest.raises(errors.InvalidSignature, match="correct service: 'imagebuilder'"):
        verify(signed("GET", "/ListImages", service="ec2"))


def test_requests_more_than_five_minutes_off_are_refused():
    request = signed("GET", "/ListImages")
    method, path, query, headers, body = arrived(request)
    now = time.time()
    verifier(now=now + 290).verify(method, path, query, headers, body)
    with pytest.raises(errors.InvalidSignature, match=r"Signature expired: \d{8}T\d{6}Z is now earlier than .* - 5 min\."):
        verifier(now=now + 310).verify(method, path, query, headers, body)
    with pytest.raises(errors.InvalidSignature, match=r"Signature not yet current: .* \+ 5 min\."):
        verifier(now=now - 310).verify(method, path, query, headers, body)


def test_content_sha256_header_unsigned_payload_and_mismatch():
    body = b'{"name": "c"}'
    unsigned = signed("PUT", "/CreateComponent", body, headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    assert verify(unsigned).body == body
    declared = signed("PUT", "/CreateComponent", body, headers={"X-Amz-Content-SHA256": hashlib.sha256(body).hexdigest()})
    assert verify(declared).body == body
    with pytest.raises(errors.InvalidSignature, match="x-amz-content-sha256"):
        verify(declared, body=b'{"name": "d"}')


def chunked_request(data: bytes, chunk_size: int, mode: str, trailer: bool = False, host: str = HOST,
                    credential: Credential = KEY) -> AWSRequest:
    """An aws-chunked CreateComponent as SDKs stream a body: the seed signed by botocore, the chunks
    signed per SigV4 (or unsigned, with a trailing crc32)."""
    request = AWSRequest(method="PUT", url=f"http://{host}/CreateComponent", data=b"", headers={
        "Content-Encoding": "aws-chunked", "X-Amz-Content-SHA256": mode,
        "X-Amz-Decoded-Content-Length": str(len(data))})
    SigV4Auth(Credentials(credential.access_key_id, credential.secret_access_key), "imagebuilder",
              "us-east-1").add_auth(request)
    seed = request.headers["Authorization"].rsplit("Signature=", 1)[1]
    timestamp = request.headers["X-Amz-Date"]
    scope = f"{timestamp[:8]}/us-east-1/imagebuilder/aws4_request"
    key = signing_key(credential.secret_access_key, timestamp[:8], "us-east-1", "imagebuilder")
    empty = hashlib.sha256(b"").hexdigest()
    previous, out = seed, bytearray()
    pieces = [data[i:i + chunk_size] for i in range(0, len(data), chunk_size)] + [b""]
    for piece in pieces:
        if mode == chunked.UNSIGNED_TRAILER:
            out += f"{len(piece):x}\r\n".encode() + piece
        else:
            string = "\n".join(("AWS4-HMAC-SHA256-PAYLOAD", timestamp, scope, previous, empty,
                                hashlib.sha256(piece).hexdigest()))
            previous = hmac.new(key, string.encode(), hashlib.sha256).hexdigest()
            out += f"{len(piece):x};chunk-signature={previous}\r\n".encode() + piece
        out += b"\r\n" if piece else b""
    if trailer:
        import base64
        import zlib
        out += b"x-amz-checksum-crc32:" + base64.b64encode(zlib.crc32(data).to_bytes(4, "big")) + b"\r\n\r\n"
    else:
        out += b"\r\n"
    request.data = bytes(out)
    return request


def test_aws_chunked_payloads_are_verified_and_decoded():
    data = b'{"name": "streamed", "data": "' + b"x" * 5000 + b'"}'
    for mode, trailer in ((chunked.SIGNED, False), (chunked.UNSIGNED_TRAILER, True)):
        request = chunked_request(data, 1024, mode, trailer)
        assert verify(request).body == data
    request = chunked_request(data, 1024, chunked.SIGNED)
    _method, _path, _query, _headers, body = arrived(request)
    with pytest.raises(errors.InvalidSignature, match="does not match"):
        verify(request, body=body.replace(b"xxxx", b"yyyy", 1))
    request = chunked_request(data, 1024, chunked.UNSIGNED_TRAILER, trailer=True)
    _method, _path, _query, _headers, body = arrived(request)
    with pytest.raises(errors.InvalidSignature, match="x-amz-checksum-crc32"):
        verify(request, body=body.replace(b"xxxx", b"yyyy", 1))


def test_aws_chunked_matches_awss_published_example():
    """AWS's documented example (S3, 64 KiB + 1 KiB of 'a'): the chunk signatures it lists."""
    key = signing_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3")
    seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
    expected = ["ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
                "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
                "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"]
    body = b""
    for piece, signature in zip((b"a" * 65536, b"a" * 1024, b""), expected, strict=True):
        body += f"{len(piece):x};chunk-signature={signature}\r\n".encode() + piece + b"\r\n"
    decoded = chunked.decode_chunked(body, chunked.SIGNED, key, "20130524T000000Z",
                                     "20130524/us-east-1/s3/aws4_request", seed, {})
    assert decoded == b"a" * 66560


def test_signing_keys_are_derived_once_per_day_and_region():
    checker = verifier()
    for _ in range(3):
        method, path, query, headers, body = arrived(signed("GET", "/ListImages"))
        checker.verify(method, path, query, headers, body)
    assert len(checker._signing_keys) == 1
    assert datetime.now(UTC).strftime("%Y%m%d") in next(iter(checker._signing_keys))


def test_credentials_files_are_checked(tmp_path):
    from openimagebuilder.server.auth.credentials import CredentialError, load_file

    good = tmp_path / "good.json"
    good.write_text('[{"accessKeyId": "AKIAFILE", "secretAccessKey": "s", "accountId": "111111111111", "admin": true}]')
    good.chmod(0o644)
    found, warnings = load_file(str(good))
    assert found["AKIAFILE"].admin and found["AKIAFILE"].account_id == "111111111111"
    assert warnings == [f"credentials file {good} can be read by other users: chmod 600 it"]
    good.chmod(0o600)
    assert load_file(str(good))[1] == []
    for text, problem in [("{}", "must hold a JSON list"), ("[{}]", "entry 0 needs accessKeyId"),
                          ('[{"accessKeyId": "AKIAFILE", "secretAccessKey": "s", "accountId": "12"}]',
                           "is not a 12-digit AWS account id"), ("nope", "is not JSON")]:
        bad = tmp_path / "bad.json"
        bad.write_text(text)
        with pytest.raises(CredentialError, match=problem):
            load_file(str(bad))
