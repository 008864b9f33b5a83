"""aws-chunked payloads (`Content-Encoding: aws-chunked`), as SDKs send when they stream a body:

- STREAMING-AWS4-HMAC-SHA256-PAYLOAD: every chunk signed, each signature chained to the one before,
  the first to the request's (the "seed");
- STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: the same, then trailing headers (a checksum) signed too;
- STREAMING-UNSIGNED-PAYLOAD-TRAILER: chunks unsigned, a trailing checksum (crc32, sha1 or sha256
  are checked here; SDKs default to crc32).

Decoded here to the body the operation reads; a chunk whose signature or a trailer whose checksum
does not match refuses the whole request.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import zlib
from collections.abc import Mapping

from .errors import SIGNATURE_MISMATCH, IncompleteSignature, InvalidSignature

SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
STREAMING_PAYLOADS = frozenset({SIGNED, SIGNED_TRAILER, UNSIGNED_TRAILER})
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _crc32(data: bytes) -> bytes:
    return zlib.crc32(data).to_bytes(4, "big")


_CHECKSUMS = {
    "x-amz-checksum-crc32": _crc32,
    "x-amz-checksum-sha1": lambda data: hashlib.sha1(data).digest(),
    "x-amz-checksum-sha256": lambda data: hashlib.sha256(data).digest(),
}


def decode_chunked(body: bytes, mode: str, key: bytes | None, timestamp: str, scope: str, seed: str,
                   headers: Mapping[str, str]) -> bytes:
    """The payload `body` encodes; with `key` None (`--auth none`), chunk signatures are not checked."""
    signed = mode != UNSIGNED_TRAILER
    previous = seed
    data = bytearray()
    position = 0
    while True:
        end = body.find(b"\r\n", position)
        if end < 0:
            raise IncompleteSignature("The aws-chunked payload ends inside a chunk header.")
        header = body[position:end].decode("latin-1")
        size_text, _, extension = header.partition(";")
        try:
            size = int(size_text, 16)
        except ValueError:
            raise IncompleteSignature(f"'{header}' is not an aws-chunked chunk header.") from None
        start = end + 2
        chunk = body[start:start + size]
        if len(chunk) != size:
            raise IncompleteSignature("The aws-chunked payload is shorter than its chunk sizes say.")
        if signed and key is not None:
            name, _, claimed = extension.partition("=")
            if name != "chunk-signature":
                raise IncompleteSignature("Each chunk of a signed aws-chunked payload needs its chunk-signature.")
            string_to_sign = "\n".join(("AWS4-HMAC-SHA256-PAYLOAD", timestamp, scope, previous, _EMPTY_SHA256,
                                        hashlib.sha256(chunk).hexdigest()))
            expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, claimed.lower()):
                raise InvalidSignature(SIGNATURE_MISMATCH)
            previous = expected
        data += chunk
        position = start + size
        if size == 0:
            break
        if body[position:position + 2] != b"\r\n":
            raise IncompleteSignature("An aws-chunked chunk is not followed by CRLF.")
        position += 2
    trailer = body[position:]
    if mode != SIGNED:
        _check_trailer(trailer, bytes(data), mode, key, timestamp, scope, previous)
    elif trailer not in (b"", b"\r\n"):
        raise IncompleteSignature("Unexpected data after the last aws-chunked chunk.")
    decoded_length = headers.get("x-amz-decoded-content-length")
    if decoded_length is not None and decoded_length.strip() != str(len(data)):
        raise IncompleteSignature("x-amz-decoded-content-length does not match the decoded payload.")
    return bytes(data)


def _check_trailer(trailer: bytes, data: bytes, mode: str, key: bytes | None, timestamp: str, scope: str,
                   previous: str) -> None:
    lines = [line for line in trailer.decode("latin-1").split("\r\n") if line]
    fields = {}
    signature = None
    for line in lines:
        name, _, value = line.partition(":")
        if name.strip().lower() == "x-amz-trailer-signature":
            signature = value.strip()
        else:
            fields[name.strip().lower()] = value.strip()
    if mode == SIGNED_TRAILER and key is not None:
        canonical = "".join(f"{name}:{value}\n" for name, value in sorted(fields.items()))
        string_to_sign = "\n".join(("AWS4-HMAC-SHA256-TRAILER", timestamp, scope, previous,
                                    hashlib.sha256(canonical.encode()).hexdigest()))
        expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
        if signature is None or not hmac.compare_digest(expected, signature.lower()):
            raise InvalidSignature(SIGNATURE_MISMATCH)
    for name, value in fields.items():
        checksum = _CHECKSUMS.get(name)
        if checksum is None:
            if name.startswith("x-amz-checksum-"):
                raise IncompleteSignature(f"The trailing checksum {name} is not supported; use crc32, sha1 or sha256.")
            continue
        if not hmac.compare_digest(base64.b64encode(checksum(data)).decode(), value):
            raise InvalidSignature(f"Value for {name} trailing header is invalid.")
