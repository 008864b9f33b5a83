"""A document's parse remembered between the request's preparation (a handler thread) and its
handler (on SQLite, the event loop): parsed once, its fault answered the same way every time."""
from __future__ import annotations

import pytest

from openimagebuilder.api.document_memo import RememberedParse
from openimagebuilder.protocol.errors import ServiceError


class Fault(ValueError):
    pass


def test_a_warmed_parse_is_not_parsed_again_and_a_fault_is_answered_each_time():
    calls: list[tuple[str, str]] = []

    def parse(text: str, variant: str) -> str:
        calls.append((text, variant))
        if text == "bad":
            raise Fault("the document is bad")
        return text.upper()

    remembered = RememberedParse(parse, "variant", Fault)
    remembered.warm("doc", "Linux")
    assert remembered("doc", "Linux") == "DOC"
    assert remembered("doc", "Windows") == "DOC"   # another variant is another parse
    for _ in range(2):
        with pytest.raises(ServiceError) as raised:
            remembered("bad", "Linux")
        assert raised.value.code == "InvalidParameterValueException"
        assert "the document is bad" in str(raised.value)
    assert calls == [("doc", "Linux"), ("doc", "Windows"), ("bad", "Linux")]


def test_an_unexpected_error_is_not_remembered_as_a_fault():
    def parse(text: str, variant: str) -> str:
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError):
        RememberedParse(parse, "variant", Fault)("doc", "Linux")
