"""LocalExecutor against the real /bin/sh: streaming, exit codes, timeouts and cancels that take
the whole process tree down, binary output, file transfer."""
from __future__ import annotations

import os
import threading
import time

import pytest

from openimagebuilder.toe.executor import TargetError
from openimagebuilder.toe.local import LocalExecutor


@pytest.fixture
def executor(tmp_path):
    return LocalExecutor(tmp_path)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            state = handle.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _children_pids(pid_file) -> list[int]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if pid_file.exists() and len(pid_file.read_text().split()) == 2:
            return [int(pid) for pid in pid_file.read_text().split()]
        time.sleep(0.02)
    raise AssertionError("the script did not record its children")


def test_lines_stream_in_order_as_printed(executor):
    seen: list[tuple[str, str, float]] = []
    started = time.monotonic()
    outcome = executor.run("echo one; sleep 0.3; echo two >&2; sleep 0.3; echo three",
                           on_output=lambda stream, line: seen.append((stream, line, time.monotonic() - started)))
    assert [(stream, line) for stream, line, _ in seen] == [("stdout", "one"), ("stderr", "two"), ("stdout", "three")]
    # Streamed as they came, not all at the end.
    assert seen[0][2] < 0.25 and seen[1][2] < 0.55
    assert outcome.stdout == "one\nthree\n" and outcome.stderr == "two\n"
    assert outcome.exit_code == 0 and not outcome.timed_out and not outcome.cancelled


def test_exit_codes_and_partial_last_line(executor):
    seen = []
    outcome = executor.run("printf 'a\\nno newline'; exit 7", on_output=lambda s, line: seen.append(line))
    assert outcome.exit_code == 7
    assert seen == ["a", "no newline"]
    assert outcome.stdout == "a\nno newline"
    assert executor.run("true").exit_code == 0
    assert executor.run("exit 194").exit_code == 194


def test_binary_and_non_utf8_output_is_replaced_not_fatal(executor):
    seen = []
    outcome = executor.run("printf '\\377\\376ok\\000x\\n'; head -c 3000 /dev/urandom",
                           on_output=lambda s, line: seen.append(line))
    assert outcome.exit_code == 0
    assert seen[0] == "\ufffd\ufffdok\x00x"
    assert "\ufffd" in outcome.stdout


def test_timeout_kills_the_whole_process_tree(executor, tmp_path):
    pids = tmp_path / "pids"
    started = time.monotonic()
    outcome = executor.run(f"sleep 100 & a=$!; sleep 100 & echo $a $! > '{pids}'; wait", timeout=0.5)
    elapsed = time.monotonic() - started
    assert outcome.timed_out and not outcome.cancelled and outcome.exit_code == -1
    assert elapsed < 1.5
    for pid in _children_pids(pids):
        assert not _alive(pid)


def test_a_process_ignoring_sigterm_is_killed(executor):
    started = time.monotonic()
    outcome = executor.run("trap '' TERM; sleep 100", timeout=0.2)
    assert outcome.timed_out
    assert time.monotonic() - started < 1.5


def test_cancel_stops_the_script_within_a_second(executor, tmp_path):
    pids = tmp_path / "pids"
    cancel = threading.Event()
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault(
        "outcome", executor.run(f"sleep 100 & a=$!; sleep 100 & echo $a $! > '{pids}'; wait", cancel=cancel)))
    thread.start()
    children = _children_pids(pids)
    cancelled_at = time.monotonic()
    cancel.set()
    thread.join(5)
    assert time.monotonic() - cancelled_at < 1.0
    assert result["outcome"].cancelled and result["outcome"].exit_code == -1
    for pid in children:
        assert not _alive(pid)


def test_background_processes_do_not_outlive_the_script(executor, tmp_path):
    pid_file = tmp_path / "pid"
    started = time.monotonic()
    outcome = executor.run(f"sleep 100 > /dev/null 2>&1 & echo $! > '{pid_file}'; sleep 100 & echo $! >> '{pid_file}'")
    assert outcome.exit_code == 0
    assert time.monotonic() - started < 2
    for pid in _children_pids(pid_file):
        assert not _alive(pid)


def test_environment_and_working_directory(executor, tmp_path):
    (tmp_path / "sub").mkdir()
    outcome = executor.run('echo "$GREETING"; pwd', env={"GREETING": "hello there"}, cwd="sub")
    assert outcome.stdout == f"hello there\n{tmp_path / 'sub'}\n"
    assert executor.run("pwd").stdout == f"{tmp_path}\n"


def test_a_missing_working_directory_is_a_target_error(executor):
    with pytest.raises(TargetError, match="working directory .*missing does not exist"):
        executor.run("true", cwd="missing")


def test_a_long_script_runs_from_a_file(executor, tmp_path):
    script = "".join(f"x{index}=1\n" for index in range(20000)) + "echo done $x19999"
    outcome = executor.run(script)
    assert outcome.stdout == "done 1\n"
    assert [name for name in os.listdir(tmp_path) if name.startswith(".oib-script-")] == []


def test_a_failing_sink_does_not_block_the_script(executor):
    def sink(stream, line):
        raise RuntimeError("sink broke")
    outcome = executor.run("yes | head -n 100000", on_output=sink, timeout=10)
    assert outcome.exit_code == 0 and not outcome.timed_out
    assert outcome.stdout.count("y\n") == 100000


def test_put_and_get_file(executor, tmp_path):
    executor.put_file(str(tmp_path / "a b'c"), b"\x00\xffdata", mode=0o640)
    assert (tmp_path / "a b'c").read_bytes() == b"\x00\xffdata"
    assert (tmp_path / "a b'c").stat().st_mode & 0o777 == 0o640
    assert executor.get_file(str(tmp_path / "a b'c")) == b"\x00\xffdata"
    executor.put_file("relative.txt", b"r")
    assert (tmp_path / "relative.txt").read_bytes() == b"r"


def test_file_transfer_failures_are_target_errors(executor, tmp_path):
    with pytest.raises(TargetError, match="Cannot read"):
        executor.get_file(str(tmp_path / "missing"))
    with pytest.raises(TargetError, match="Cannot write"):
        executor.put_file(str(tmp_path / "no" / "such" / "dir"), b"x")


def test_reboot_is_refused(executor):
    with pytest.raises(TargetError, match="cannot reboot the host"):
        executor.reboot()
