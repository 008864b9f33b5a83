"""DeleteImage of a container image built for real removes its manifests from the registry.

The handler only deletes rows; the documents of the images it deleted are handed over after the
commit, and a thread here deletes their manifests (`DELETE /v2/<repo>/manifests/<digest>`) off
the request path. Only references into this registry are touched: images of the simulated
backend (ECR-style URIs) and images pushed elsewhere are left alone. Deleting a manifest removes
every tag on it, which is exactly the set this build pushed (its `<version>-<build>` tag and the
distribution's containerTags) — unless a later build moved a tag such as `latest` on, in which
case that tag points at another manifest and stays."""
from __future__ import annotations

import logging
import queue
import threading
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from typing import Any

log = logging.getLogger(__name__)
REQUEST_TIMEOUT = 10.0
MANIFEST_TYPES = ", ".join((
    "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json"))


def manifests_of(image: Mapping[str, Any], registry_url: str) -> list[tuple[str, str]]:
    """(repository, digest) of each manifest the image's outputResources pin in the registry."""
    found: list[tuple[str, str]] = []
    for item in (image.get("outputResources") or {}).get("containers") or []:
        for uri in item.get("imageUris") or []:
            host, slash, rest = uri.partition("/")
            if host != registry_url or not slash or "@" not in rest:
                continue
            repository, _, digest = rest.partition("@")
            if (repository, digest) not in found:
                found.append((repository, digest))
    return found


class RegistryCleanup:
    def __init__(self, registry_url: str, scheme: str = "http") -> None:
        self.registry_url, self.scheme = registry_url, scheme
        self._queue: queue.Queue[Mapping[str, Any] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="oib-registry-cleanup", daemon=True)
        self._thread.start()

    def images_deleted(self, images: Iterable[Mapping[str, Any]]) -> None:
        for image in images:
            if image.get("type") == "DOCKER":
                self._queue.put(image)

    def close(self) -> None:
        """Deletes what is queued, then stops."""
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _work(self) -> None:
        while (image := self._queue.get()) is not None:
            for repository, digest in manifests_of(image, self.registry_url):
                try:
                    self.delete_manifest(repository, digest)
                except Exception:  # noqa: BLE001 - a registry down must not stop the others
                    log.exception("deleting %s@%s from %s failed", repository, digest, self.registry_url)

    def delete_manifest(self, repository: str, digest: str) -> bool:
        deleted = delete_manifest(self.scheme, self.registry_url, repository, digest)
        if deleted:
            log.info("deleted %s/%s@%s", self.registry_url, repository, digest)
        return deleted


def delete_manifest(scheme: str, registry_url: str, repository: str, digest: str) -> bool:
    """`DELETE /v2/<repository>/manifests/<digest>` (distribution spec); False if it was not there."""
    request = urllib.request.Request(f"{scheme}://{registry_url}/v2/{repository}/manifests/{digest}", method="DELETE")
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT):
            return True
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return False
        raise


def tag_manifest(scheme: str, registry_url: str, repository: str, digest: str, tag: str) -> None:
    """Points `tag` at the manifest `digest` of the same repository: the manifest fetched and put
    back under the tag, byte for byte (so its digest is unchanged) — one round trip instead of a
    push that would check every blob again."""
    base = f"{scheme}://{registry_url}/v2/{repository}/manifests"
    request = urllib.request.Request(f"{base}/{digest}", headers={"Accept": MANIFEST_TYPES})
    with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as reply:
        body, media_type = reply.read(), reply.headers.get("Content-Type", "")
    put = urllib.request.Request(f"{base}/{tag}", data=body, method="PUT", headers={"Content-Type": media_type})
    with urllib.request.urlopen(put, timeout=REQUEST_TIMEOUT) as reply:
        stored = reply.headers.get("Docker-Content-Digest")
    if stored and stored != digest:
        raise RuntimeError(f"tagging {repository}:{tag} stored {stored}, not {digest}")
