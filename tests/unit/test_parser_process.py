"""The parser process (parser_process.py): large documents parse off the server's GIL, in one
process that is started when first needed, replaced when it dies, and never outlives its parent."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from openimagebuilder.api.document_memo import PARSER_PROCESS_CHARACTERS, RememberedParse
from openimagebuilder.domain.component_document import ComponentDocumentError, parse_component_document
from openimagebuilder.parser_process import PARSER, ParserProcess
from openimagebuilder.parser_process import _Child as ParserChild


def _started(parser: ParserProcess, timeout: float = 60) -> int:
    """The parser process's pid, once it runs (calls before that run on the caller's thread)."""
    deadline = time.monotonic() + timeout
    while (pid := parser.run(os.getpid)) == os.getpid():
        assert time.monotonic() < deadline, "the parser process did not start"
        time.sleep(0.05)
    return pid


def test_work_runs_in_one_other_process_once_it_has_started_and_here_until_then():
    parser = ParserProcess()
    try:
        assert parser.run(os.getpid) == os.getpid()   # starting: done here, not waited for
        pid = _started(parser)
        assert parser.run(os.getpid) == pid and parser.run(os.getpid) == pid
    finally:
        parser.close()


def test_a_parser_process_that_dies_is_replaced_and_its_request_is_done_here():
    parser = ParserProcess()
    try:
        first = _started(parser)
        os.kill(first, signal.SIGKILL)
        time.sleep(0.2)
        assert parser.run(os.getpid) == os.getpid()
        second = _started(parser)
        assert second != first
    finally:
        parser.close()


def test_documents_parse_the_same_in_the_parser_process_with_faults_as_values():
    remembered = RememberedParse(parse_component_document, "platform", ComponentDocumentError)
    steps = "".join(f"      - name: S{n}\n        action: ExecuteBash\n        inputs:\n          commands: ['echo {n}']\n"
                    for n in range(40))
    text = f"name: big\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n{steps}"
    assert len(text) >= PARSER_PROCESS_CHARACTERS
    _started(PARSER)
    remembered.warm(text, "Linux")
    parsed = remembered(text, "Linux")
    assert parsed == parse_component_document(text, platform="Linux")
    broken = text.replace("ExecuteBash", "NoSuchAction", 1)
    remembered.warm(broken, "Linux")
    try:
        remembered(broken, "Linux")
    except Exception as error:  # noqa: BLE001 - the message is what is checked
        assert "NoSuchAction" in str(error)
    else:
        raise AssertionError("a document with an unknown action was accepted")


PARENT = """
import os, sys, time
from openimagebuilder.parser_process import PARSER, ParserProcess
from openimagebuilder.parser_process import _Child as ParserChild
parser = ParserProcess()
while (pid := parser.run(os.getpid)) == os.getpid():
    time.sleep(0.05)
print(pid, flush=True)
time.sleep(600)
"""


def test_the_parser_process_dies_with_its_parent_even_by_kill_9():
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    try:
        child = int(parent.stdout.readline())
        os.kill(child, 0)
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_the_parser_process_holds_only_what_parsing_needs():
    child = ParserChild()
    try:
        deadline = time.monotonic() + 30
        while not child.became_ready():
            assert time.monotonic() < deadline
            time.sleep(0.02)
        document = "name: x\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: A\n" \
                   "        action: ExecuteBash\n        inputs:\n          commands: ['true']\n"
        assert child.call(parse_component_document, (document,)).name == "x"
        with open(f"/proc/{child.process.pid}/status") as status:
            rss_kib = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
        assert rss_kib < 40_000, rss_kib
        modules = child.call(eval, ("sorted(__import__('sys').modules)",))
        assert not [name for name in modules if name.startswith(("openimagebuilder.api", "openimagebuilder.server",
                                                                  "sqlalchemy", "boto"))]
    finally:
        child.stop()
    assert child.process.returncode == 0
