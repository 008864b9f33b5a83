"""Request ids are random version-4 UUIDs in their canonical text form, as AWS's are."""
from __future__ import annotations

import uuid

from openimagebuilder.server.dispatch import new_request_id


def test_request_ids_are_distinct_version_4_uuids():
    ids = [new_request_id() for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    for text in ids[:2_000]:
        parsed = uuid.UUID(text)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122 and str(parsed) == text
