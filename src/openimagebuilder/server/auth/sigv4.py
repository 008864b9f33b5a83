"""AWS Signature Version 4, verified as AWS verifies it for a REST-JSON service.

Both forms: the Authorization header, and the presigned URL (X-Amz-* query parameters). The
canonical request is rebuilt from what arrived on the wire: the path as sent, normalized and
encoded once more (non-S3 services sign the path encoded twice), the query decoded and re-encoded
with AWS's unreserved characters, the signed headers trimmed, and the payload hash:
`x-amz-content-sha256` when the client sent it (a hex digest that must match the body,
UNSIGNED-PAYLOAD, or an aws-chunked STREAMING-* payload whose chunks are verified and decoded by
`chunked.py`), otherwise the SHA-256 of the body.

A request is refused with AWS's codes (see errors.py): no signature at all, a malformed one, a
scope for another service or an unknown region, a time more than 5 minutes away from the server's
(or a presigned URL past its expiry), an unknown access key or a session token (temporary
credentials do not exist here), a mismatch.

Derived signing keys (four HMACs) are cached per (key, secret, date, region): a request costs one
SHA-256 of its canonical request and body and one HMAC.
"""
from __future__ import annotations

import calendar
import functools
import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from urllib.parse import quote, unquote

from botocore.utils import normalize_url_path

from .chunked import STREAMING_PAYLOADS, decode_chunked
from .credentials import Credential
from .errors import (
    SIGNATURE_MISMATCH,
    IncompleteSignature,
    InvalidSignature,
    MissingAuthenticationToken,
    UnrecognizedClient,
)

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "imagebuilder"
MAX_SKEW_SECONDS = 300  # AWS's JSON services refuse a request timestamped more than 5 minutes away
MAX_PRESIGN_EXPIRES = 604800  # 7 days, as SigV4 allows
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_TIMESTAMP = "%Y%m%dT%H%M%SZ"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_AUTH_PARAMETERS = ("Credential", "Signature", "SignedHeaders")
_SIGNING_KEYS_KEPT = 4096


@dataclass(frozen=True)
class Verified:
    """A request whose signature verified: who signed it, for which region, and its body (decoded
    when it came aws-chunked)."""
    credential: Credential
    region: str
    body: bytes


@dataclass(slots=True)
class _Signature:
    access_key: str
    date: str  # YYYYMMDD of the credential scope
    region: str
    service: str
    terminator: str
    signed_headers: tuple[str, ...]
    signature: str
    timestamp: str  # the request's time, ISO 8601 basic
    expires: int | None  # presigned URLs only
    security_token: str | None

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/{self.terminator}"


class Verifier:
    """Verifies requests against credentials found by `lookup` (access key → Credential or None);
    `region_known` says whether a credential scope's region exists."""

    def __init__(self, lookup: Callable[[str], Credential | None], region_known: Callable[[str], bool],
                 now: Callable[[], float] = time.time) -> None:
        self._lookup = lookup
        self._region_known = region_known
        self._now = now
        self._signing_keys: dict[tuple[str, str, str, str], bytes] = {}

    def verify(self, method: str, raw_path: str, query: bytes, headers: Mapping[str, str], body: bytes) -> Verified:
        query_text = query.decode("latin-1")
        pairs = _query_pairs(query_text)
        signature = _parse(headers, pairs)
        if signature.service != SERVICE:
            raise InvalidSignature(f"Credential should be scoped to correct service: '{SERVICE}'. ")
        if signature.terminator != "aws4_request":
            raise InvalidSignature("Credential should be scoped with a valid terminator: 'aws4_request', "
                                   f"not '{signature.terminator}'. ")
        if not self._region_known(signature.region):
            raise InvalidSignature(f"Credential should be scoped to a valid region, not '{signature.region}'. ")
        if signature.timestamp[:8] != signature.date:
            raise InvalidSignature(f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                                   f"from HTTP: '{signature.date}' != '{signature.timestamp[:8]}', from "
                                   f"'{signature.timestamp}'.")
        self._check_time(signature)
        credential = self._lookup(signature.access_key)
        if credential is None or signature.security_token is not None:
            raise UnrecognizedClient()
        payload_hash = headers.get("x-amz-content-sha256") or (
            pairs_value(pairs, "X-Amz-Content-Sha256") if signature.expires is not None else None)
        streaming = payload_hash in STREAMING_PAYLOADS
        if payload_hash is None:
            payload_hash = hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256
        elif payload_hash != UNSIGNED_PAYLOAD and not streaming:
            if not _HEX64.fullmatch(payload_hash):
                raise InvalidSignature("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, a STREAMING-* value, or "
                                       "the hex SHA-256 of the payload.")
            if not hmac.compare_digest(payload_hash, hashlib.sha256(body).hexdigest()):
                raise InvalidSignature("The provided 'x-amz-content-sha256' header does not match what was computed.")
        canonical = "\n".join((
            method.upper(),
            _canonical_path(raw_path),
            _canonical_query(pairs, presigned=signature.expires is not None),
            _canonical_headers(headers, signature.signed_headers),
            ";".join(signature.signed_headers),
            payload_hash,
        ))
        string_to_sign = "\n".join((ALGORITHM, signature.timestamp, signature.scope,
                                    hashlib.sha256(canonical.encode("utf-8")).hexdigest()))
        key = self._signing_key(credential, signature)
        expected = hmac.digest(key, string_to_sign.encode("utf-8"), "sha256").hex()
        if not hmac.compare_digest(expected, signature.signature):
            raise InvalidSignature(SIGNATURE_MISMATCH)
        if streaming:
            body = decode_chunked(body, payload_hash, key, signature.timestamp, signature.scope, signature.signature,
                                  headers)
        return Verified(credential, signature.region, body)

    def _check_time(self, signature: _Signature) -> None:
        signed_at = _epoch(signature.timestamp)
        now = int(self._now())
        if signature.expires is not None:
            if not 1 <= signature.expires <= MAX_PRESIGN_EXPIRES:
                raise IncompleteSignature("X-Amz-Expires must be between 1 and 604800 seconds.")
            expiry = signed_at + signature.expires
            if now > expiry:
                raise InvalidSignature(f"Signature expired: {_format(expiry)} is now earlier than {_format(now)}.")
        elif signed_at < now - MAX_SKEW_SECONDS:
            raise InvalidSignature(f"Signature expired: {signature.timestamp} is now earlier than "
                                   f"{_format(now - MAX_SKEW_SECONDS)} ({_format(now)} - 5 min.)")
        if signed_at > now + MAX_SKEW_SECONDS:
            raise InvalidSignature(f"Signature not yet current: {signature.timestamp} is still later than "
                                   f"{_format(now + MAX_SKEW_SECONDS)} ({_format(now)} + 5 min.)")

    def _signing_key(self, credential: Credential, signature: _Signature) -> bytes:
        cache_key = (credential.access_key_id, credential.secret_access_key, signature.date, signature.region)
        key = self._signing_keys.get(cache_key)
        if key is None:
            key = signing_key(credential.secret_access_key, signature.date, signature.region, signature.service)
            if len(self._signing_keys) >= _SIGNING_KEYS_KEPT:
                self._signing_keys.clear()  # keys of past days and deleted credentials go too
            self._signing_keys[cache_key] = key
        return key


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = hmac.digest(f"AWS4{secret}".encode(), date.encode(), "sha256")
    for part in (region, service, "aws4_request"):
        key = hmac.digest(key, part.encode(), "sha256")
    return key


def _format(epoch: int) -> str:
    return time.strftime(_TIMESTAMP, time.gmtime(epoch))


@functools.lru_cache(maxsize=64)
def _epoch(timestamp: str) -> int:
    """Seconds since the epoch of an ISO 8601 basic UTC time (20261203T074538Z), parsed by hand:
    strptime cost a third of a verification."""
    digits = timestamp[:8] + timestamp[9:15]
    if len(timestamp) != 16 or timestamp[8] != "T" or timestamp[15] != "Z" or not (digits.isascii() and digits.isdigit()):
        raise IncompleteSignature(f"Date must be in ISO-8601 'basic format'. Got '{timestamp}'. "
                                  "See http://en.wikipedia.org/wiki/ISO_8601")
    fields = (int(digits[0:4]), int(digits[4:6]), int(digits[6:8]), int(digits[8:10]), int(digits[10:12]),
              int(digits[12:14]))
    if not (1 <= fields[1] <= 12 and 1 <= fields[2] <= 31 and fields[3] < 24 and fields[4] < 60 and fields[5] < 61):
        raise IncompleteSignature(f"Date must be in ISO-8601 'basic format'. Got '{timestamp}'.")
    return calendar.timegm(fields + (0, 0, 0))


def _query_pairs(query: str) -> list[tuple[str, str]]:
    """The query's (name, value) pairs, percent-decoded ('+' stays '+': SDKs encode a space as %20)."""
    pairs = []
    for item in query.split("&"):
        if item:
            name, _, value = item.partition("=")
            pairs.append((unquote(name), unquote(value)))
    return pairs


def pairs_value(pairs: list[tuple[str, str]], name: str) -> str | None:
    return next((value for key, value in pairs if key == name), None)


def _parse(headers: Mapping[str, str], pairs: list[tuple[str, str]]) -> _Signature:
    authorization = headers.get("authorization")
    presigned = pairs_value(pairs, "X-Amz-Algorithm") is not None or pairs_value(pairs, "X-Amz-Credential") is not None
    if authorization is None and not presigned:
        raise MissingAuthenticationToken()
    if authorization is not None and presigned:
        raise IncompleteSignature("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the "
                                  "Authorization header should be specified")
    if presigned:
        return _parse_query(pairs)
    return _parse_header(authorization or "", headers)


def _parse_header(authorization: str, headers: Mapping[str, str]) -> _Signature:
    # Everything but the signature repeats across a client's requests of a day: parsed once.
    head, marker, signature = authorization.rpartition(", Signature=")
    if marker and "," not in signature and "=" not in signature:
        algorithm, fields = (_cached_header_fields if len(head) <= _CACHED_LENGTH else _header_fields)(head)
        fields = {**fields, "Signature": signature}
    else:
        algorithm, fields = _header_fields(authorization)
    problems = [f"Authorization header requires '{name}' parameter." for name in _AUTH_PARAMETERS if name not in fields]
    timestamp = headers.get("x-amz-date")
    if timestamp is None and "date" in headers:
        timestamp = _from_http_date(headers["date"])
    if timestamp is None:
        problems.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
    if algorithm != ALGORITHM and not problems:
        problems.append(f"Unsupported signing algorithm '{algorithm}': only {ALGORITHM} is accepted.")
    if problems:
        raise IncompleteSignature(" ".join(problems) + f" Authorization={authorization}")
    signed_headers = signed_headers_of(fields["SignedHeaders"])
    return _signature(fields["Credential"], signed_headers, fields["Signature"], timestamp or "", None,
                      headers.get("x-amz-security-token"))


def _header_fields(authorization: str) -> tuple[str, dict[str, str]]:
    """The algorithm and the key=value fields of an Authorization header (callers copy the dict)."""
    algorithm, _, rest = authorization.strip().partition(" ")
    fields: dict[str, str] = {}
    for item in rest.split(","):
        name, equals, value = item.strip().partition("=")
        if not equals:
            if item.strip():
                raise IncompleteSignature(f"'{item.strip()}' not a valid key=value pair (missing equal-sign) in "
                                          f"Authorization header: '{authorization}'.")
            continue
        fields[name] = value
    return algorithm, fields


def _signed_headers(text: str) -> tuple[str, ...]:
    signed_headers = tuple(text.split(";"))
    if "host" not in signed_headers:
        raise IncompleteSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    if list(signed_headers) != sorted(set(signed_headers)) or not all(signed_headers):
        raise IncompleteSignature("SignedHeaders must be lower-case header names, sorted, separated by ';'.")
    return signed_headers


# Caches of what repeats across requests, bounded in entries and, since callers choose the text, in
# the length of what is kept.
_CACHED_LENGTH = 512
_cached_header_fields = functools.lru_cache(maxsize=1024)(_header_fields)
_cached_signed_headers = functools.lru_cache(maxsize=1024)(_signed_headers)


def signed_headers_of(text: str) -> tuple[str, ...]:
    return (_cached_signed_headers if len(text) <= _CACHED_LENGTH else _signed_headers)(text)


def _parse_query(pairs: list[tuple[str, str]]) -> _Signature:
    values = {name: pairs_value(pairs, name) for name in (
        "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date",
        "X-Amz-Expires")}
    missing = [name for name, value in values.items() if value is None]
    if missing:
        raise IncompleteSignature(" ".join(f"AWS query-string parameters must include '{name}'." for name in missing)
                                  + " Re-examine the query-string parameters.")
    if values["X-Amz-Algorithm"] != ALGORITHM:
        raise IncompleteSignature(f"X-Amz-Algorithm only supports '{ALGORITHM}'.")
    try:
        expires = int(values["X-Amz-Expires"] or "")
    except ValueError:
        raise IncompleteSignature("X-Amz-Expires should be a number.") from None
    signed_headers = signed_headers_of(values["X-Amz-SignedHeaders"] or "")
    return _signature(values["X-Amz-Credential"] or "", signed_headers, values["X-Amz-Signature"] or "",
                      values["X-Amz-Date"] or "", expires, pairs_value(pairs, "X-Amz-Security-Token"))


def _signature(credential: str, signed_headers: tuple[str, ...], signature: str, timestamp: str,
               expires: int | None, security_token: str | None) -> _Signature:
    parts = credential.split("/")
    if len(parts) != 5 or not all(parts):
        raise IncompleteSignature(f"Credential must have exactly 5 slash-delimited elements, e.g. "
                                  f"keyid/date/region/service/term, got '{credential}'")
    access_key, date, region, service, terminator = parts
    return _Signature(access_key, date, region, service, terminator, signed_headers, signature.lower(), timestamp,
                      expires, security_token)


def _from_http_date(text: str) -> str | None:
    try:
        return parsedate_to_datetime(text).astimezone(UTC).strftime(_TIMESTAMP)
    except (TypeError, ValueError):
        return None


def _canonical_path(raw_path: str) -> str:
    """The path as sent, dot segments resolved, encoded once more (non-S3 services sign it encoded
    twice); a path with nothing to resolve skips botocore's normalizer."""
    if "/." in raw_path or "//" in raw_path or not raw_path:
        raw_path = normalize_url_path(raw_path)
    return quote(raw_path, safe="/~")


def _canonical_query(pairs: list[tuple[str, str]], presigned: bool) -> str:
    encoded = sorted((quote(name, safe="-_.~"), quote(value, safe="-_.~"))
                     for name, value in pairs if not (presigned and name == "X-Amz-Signature"))
    return "&".join(f"{name}={value}" for name, value in encoded)


def _canonical_headers(headers: Mapping[str, str], signed: tuple[str, ...]) -> str:
    lines = []
    for name in signed:
        value = headers.get(name)
        if value is None:
            raise InvalidSignature(SIGNATURE_MISMATCH)  # signed, but not sent
        lines.append(f"{name}:{' '.join(value.split())}\n")
    return "".join(lines)
