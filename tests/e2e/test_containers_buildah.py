"""containers.buildah against real buildah, runc and a local docker-registry: working containers
from the bootstrapped busybox base, streaming runs, cancel and timeout with nothing left behind,
files in and out, commit, push, the registry's digests and tags, clean-up by label, buildah bud."""
from __future__ import annotations

import os
import subprocess
import threading
import time
import uuid

import pytest

from openimagebuilder.containers.buildah import TRACKING_LABEL, Buildah, BuildahError
from openimagebuilder.containers.registry import RegistryError
from openimagebuilder.toe.executor import TargetError

LABEL = "org.openimagebuilder.test"


@pytest.fixture
def buildah(container_settings) -> Buildah:
    return Buildah(container_settings)


@pytest.fixture
def container(buildah, busybox_base):
    name = buildah.from_image(busybox_base, labels={LABEL: uuid.uuid4().hex})
    yield name
    buildah.remove_container(name)


def links() -> list[str]:
    return sorted(subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout.splitlines())


def host_runc_containers() -> str:
    return subprocess.run(["runc", "list", "--quiet"], capture_output=True, text=True).stdout.strip()


def processes_running(marker: str) -> list[str]:
    listing = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [line for line in listing.splitlines() if marker in line and "ps -eo" not in line]


def test_run_streams_lines_and_returns_exit_status(buildah, container):
    before = links()
    lines = []
    outcome = buildah.run(container, "echo one; echo two >&2; echo three; exit 7",
                          on_output=lambda stream, line: lines.append((stream, line)))
    assert outcome.exit_code == 7
    assert outcome.stdout == "one\nthree\n" and outcome.stderr == "two\n"
    assert lines == [("stdout", "one"), ("stderr", "two"), ("stdout", "three")] or sorted(lines) == sorted(
        [("stdout", "one"), ("stderr", "two"), ("stdout", "three")])
    assert buildah.run(container, "true").exit_code == 0
    # Host network namespace: no bridge, no veth appeared on the host.
    assert links() == before


def test_run_passes_environment_and_working_directory(buildah, container):
    outcome = buildah.run(container, 'echo "$GREETING"; pwd', env={"GREETING": "hello there"}, cwd="/tmp")
    assert outcome.stdout == "hello there\n/tmp\n"


def test_long_script_goes_through_a_file(buildah, container):
    script = "x=1\n" + "# padding\n" * 8000 + "echo long $x\n"
    outcome = buildah.run(container, script)
    assert (outcome.exit_code, outcome.stdout) == (0, "long 1\n")
    assert buildah.run(container, "ls /.oib-script-* 2>/dev/null | wc -l").stdout.strip() == "0"


@pytest.mark.parametrize("how", ["cancel", "timeout"])
def test_cancel_and_timeout_stop_within_a_second_and_leave_nothing(buildah, container, how):
    marker = f"sleep {1000 + int(uuid.uuid4().int % 1000)}"
    cancel = threading.Event()
    if how == "cancel":
        threading.Timer(0.8, cancel.set).start()
    started = time.monotonic()
    outcome = buildah.run(container, f"echo started; {marker}; echo never",
                          cancel=cancel, timeout=0.8 if how == "timeout" else None)
    stopped_after = time.monotonic() - started - 0.8
    assert stopped_after < 1.0, stopped_after
    assert outcome.exit_code == -1 and "never" not in outcome.stdout
    assert outcome.cancelled == (how == "cancel") and outcome.timed_out == (how == "timeout")
    assert buildah.runc_containers() == []
    assert host_runc_containers() == ""
    assert processes_running(marker) == []
    # The working container itself is still usable.
    assert buildah.run(container, "echo again").stdout == "again\n"


def test_files_in_and_out(buildah, container):
    buildah.put_file(container, "/tmp/data.bin", bytes(range(256)) * 10)
    assert buildah.get_file(container, "/tmp/data.bin") == bytes(range(256)) * 10
    buildah.put_file(container, "/tmp/script.sh", b"#!/bin/sh\necho ran\n", mode=0o750)
    assert buildah.run(container, "stat -c %a /tmp/script.sh; /tmp/script.sh").stdout == "750\nran\n"
    large = os.urandom(1024 * 1024)
    buildah.put_file(container, "/tmp/large.bin", large, mode=0o600)
    assert buildah.get_file(container, "/tmp/large.bin") == large
    assert buildah.run(container, "stat -c %a /tmp/large.bin; ls /.oib-put-* 2>/dev/null | wc -l").stdout == "600\n0\n"
    with pytest.raises(TargetError, match="Cannot write /no/such/dir/file"):
        buildah.put_file(container, "/no/such/dir/file", b"x")
    with pytest.raises(TargetError, match="Cannot read /nowhere"):
        buildah.get_file(container, "/nowhere")


def test_writes_through_a_symlink_stay_in_the_container(buildah, container, tmp_path):
    outside = tmp_path / "host-file"
    outside.write_text("host")
    buildah.run(container, f"mkdir -p {tmp_path} && ln -s {outside} /tmp/escape")
    buildah.put_file(container, "/tmp/escape", b"container")
    assert outside.read_text() == "host"
    assert buildah.get_file(container, str(outside)) == b"container"


def test_config_commit_push_digest_tags_and_delete(buildah, container, local_registry):
    buildah.run(container, "echo built > /etc/built-by-test")
    buildah.config(container, env={"STAGE": "test"}, workdir="/tmp", cmd=["/bin/sh", "-c", "cat /etc/built-by-test"],
                   labels={"example.org/purpose": "test"})
    image = buildah.commit(container, f"localhost/oib-test/{uuid.uuid4().hex[:8]}:1")
    repository = f"test/{uuid.uuid4().hex[:8]}"
    first = buildah.push(image, f"{local_registry.url}/{repository}:1.0.0-1")
    second = buildah.push(image, f"{local_registry.url}/{repository}:latest")
    assert first.startswith("sha256:") and first == second
    assert local_registry.digest(repository, "1.0.0-1") == first
    assert local_registry.tags(repository) == ["1.0.0-1", "latest"]
    inspected = subprocess.run(["skopeo", "inspect", "--tls-verify=false", f"docker://{local_registry.url}/{repository}:latest"],
                               capture_output=True, text=True, check=True).stdout
    assert first in inspected and "example.org/purpose" in inspected
    assert TRACKING_LABEL not in inspected and "org.openimagebuilder.test" not in inspected
    with pytest.raises(RegistryError, match="shares its manifest"):
        local_registry.delete_tag(repository, "latest")
    other = buildah.from_image(f"{local_registry.url}/{repository}:latest", labels={LABEL: "x"})
    try:
        buildah.run(other, "echo different > /etc/built-by-test")
        assert buildah.run(other, "cat /etc/built-by-test; echo $STAGE; pwd").stdout == "different\ntest\n/tmp\n"
        third = buildah.push(buildah.commit(other, "localhost/oib-test/other:1"), f"{local_registry.url}/{repository}:solo")
    finally:
        buildah.remove_container(other)
    assert third != first
    assert local_registry.delete_tag(repository, "solo") is True
    assert local_registry.delete_tag(repository, "solo") is False
    assert local_registry.tags(repository) == ["1.0.0-1", "latest"]
    assert local_registry.digest(repository, "solo") is None
    assert local_registry.tags("test/never-pushed") == []
    buildah.remove_image(image)
    buildah.remove_image(image)   # gone already: nothing to do


def test_clean_up_removes_exactly_the_labelled_containers(buildah, busybox_base):
    value = uuid.uuid4().hex
    mine = [buildah.from_image(busybox_base, labels={LABEL: value}) for _ in range(2)]
    other = buildah.from_image(busybox_base, labels={LABEL: "someone-else"})
    try:
        # A run whose buildah process is killed outright leaves a running runc container;
        # clean_up must remove it too.
        process = subprocess.Popen(["buildah", *buildah._run_args(mine[0]), mine[0], "--", "sleep", "1777"],
                                   env=buildah.environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while not buildah.runc_containers() and time.monotonic() < deadline:
            time.sleep(0.05)
        process.kill()
        process.wait()
        assert buildah.runc_containers()
        assert buildah.clean_up(LABEL, value) == 2
        remaining = buildah.containers()
        assert not set(mine) & set(remaining) and other in remaining
        assert buildah.runc_containers() == []
        assert processes_running("sleep 1777") == []
        assert buildah.clean_up(LABEL, value) == 0
    finally:
        buildah.remove_container(other)


def test_build_a_dockerfile(buildah, busybox_base, tmp_path, local_registry):
    (tmp_path / "hello.txt").write_text("from the context\n")
    lines = []
    tag = f"localhost/oib-test/bud-{uuid.uuid4().hex[:8]}:1"
    image = buildah.build(f"FROM {busybox_base}\nCOPY hello.txt /hello.txt\nRUN echo step-output && cat /hello.txt\n",
                          context_dir=tmp_path, tag=tag, on_output=lambda stream, line: lines.append(line))
    assert len(image) == 64
    assert "step-output" in lines
    with pytest.raises(BuildahError, match="exit status"):
        buildah.build(f"FROM {busybox_base}\nRUN exit 3\n", context_dir=tmp_path, tag=tag + "-failed")
    buildah.remove_image(image)


def test_missing_parent_image_fails_fast(buildah, local_registry):
    started = time.monotonic()
    with pytest.raises(BuildahError, match="buildah from failed"):
        buildah.from_image(f"{local_registry.url}/nothing/here:1", labels={LABEL: "x"})
    assert time.monotonic() - started < 5


def test_run_in_a_container_that_does_not_exist(buildah):
    with pytest.raises(TargetError, match="buildah run failed"):
        buildah.run("oib-does-not-exist", "true")


def test_configuration_stays_under_run_root(buildah, container_settings):
    for name in ("CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF", "CONTAINERS_REGISTRIES_CONF", "TMPDIR"):
        assert buildah.environment[name].startswith(str(container_settings.run_root))
    assert 'netns = "host"' in (container_settings.config_dir / "containers.conf").read_text()
    assert not os.listdir(container_settings.tmp_dir) or all(
        not name.startswith("buildah") for name in os.listdir(container_settings.tmp_dir))


KILLED_DRIVER = """
import sys, threading
from pathlib import Path
from openimagebuilder.containers.buildah import Buildah
from openimagebuilder.containers.settings import ContainerSettings
settings = ContainerSettings(storage_root=Path(sys.argv[1]), run_root=Path(sys.argv[2]), registry_url=sys.argv[3])
buildah = Buildah(settings)
container = buildah.from_image(sys.argv[4], labels={"org.openimagebuilder.test": sys.argv[5]})
print(container, flush=True)
threading.Thread(target=buildah.run, args=(container, "sleep 1999"), daemon=True).start()
buildah.build("FROM " + sys.argv[4] + "\\nRUN sleep 1998\\n", context_dir=Path(sys.argv[2]), tag="localhost/oib-test/killed:1")
"""


def test_kill_9_of_oib_leaves_no_process_and_clean_up_finds_the_container(buildah, container_settings,
                                                                           local_registry, busybox_base):
    value = uuid.uuid4().hex
    buildah.reap_abandoned_runs()   # the runc state earlier tests' buds left (test_build_a_dockerfile's)
    driver = subprocess.Popen(
        [os.sys.executable, "-c", KILLED_DRIVER, str(container_settings.storage_root), str(container_settings.run_root),
         local_registry.url, busybox_base, value], stdout=subprocess.PIPE, text=True)
    try:
        name = driver.stdout.readline().strip()
        deadline = time.monotonic() + 10
        while not (processes_running("sleep 1999") and processes_running("sleep 1998")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert processes_running("sleep 1999") and processes_running("sleep 1998")
        # Runs that go on are not the sweep's: neither the working container's nor the bud's.
        assert buildah.reap_abandoned_runs() == 0 and len(buildah.runc_containers()) == 2
        assert processes_running("sleep 1999") and processes_running("sleep 1998")
    finally:
        # Also when an assertion fails: a driver left running holds the storage's image lock shared
        # for its bud, and the next test's image removal would wait for it.
        driver.kill()
        driver.wait()
    # buildah got SIGTERM when its parent died: it stops its runc containers and bud's intermediates.
    deadline = time.monotonic() + 3
    while (processes_running("sleep 199") or processes_running("buildah")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_running("sleep 199") == [] and processes_running("buildah bud") == []
    assert host_runc_containers() == ""
    assert buildah.clean_up(LABEL, value) == 1
    assert name not in buildah.containers()
    # buildah may end before it deletes the runc state of what it stopped; the sweep removes it,
    # and the scratch directory the killed bud left.
    buildah.reap_abandoned_runs()
    assert buildah.runc_containers() == [] and not list(container_settings.tmp_dir.glob("bud-*"))
    # bud's intermediate container goes as buildah finishes its SIGTERM handling.
    deadline = time.monotonic() + 5
    while all_containers(buildah) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all_containers(buildah) == [], subprocess.run(["buildah", "containers", "--all"], env=buildah.environment,
                                                         capture_output=True, text=True).stdout


def all_containers(buildah: Buildah) -> list[str]:
    """Every container in the storage, buildah's own and bud's (other tests remove theirs)."""
    return subprocess.run(["buildah", "containers", "--all", "--quiet"], env=buildah.environment,
                          capture_output=True, text=True).stdout.split()


def test_removing_an_image_never_takes_layers_from_a_pull_under_way(buildah, busybox_base, local_registry):
    # An ended build's image is removed while the next build pulls the same image back from the
    # registry (its parent, by URI): the pull reuses the local layers and must never find one
    # deleted under it ("creating image ...: layer not known"), nor lose its container to the
    # removal (the pulled image is the very same image, id and all, under another name).
    failures: list[str] = []
    for attempt in range(8):
        seed = buildah.from_image(busybox_base, labels={LABEL: "race"})
        try:
            buildah.run(seed, f"echo {uuid.uuid4().hex} > /etc/race")
            built = buildah.commit(seed, f"localhost/oib-test/race-{uuid.uuid4().hex[:8]}:1")
        finally:
            buildah.remove_container(seed)
        pushed = f"{local_registry.url}/test/race-{uuid.uuid4().hex[:8]}:1"
        buildah.push(built, pushed)
        remover = threading.Timer(attempt * 0.02, buildah.remove_image, args=(built,))
        remover.start()
        try:
            pulled = buildah.from_image(pushed, labels={LABEL: "race"})
        except BuildahError as error:
            failures.append(str(error))
            pulled = None
        remover.join()
        if pulled is not None:
            assert buildah.run(pulled, "cat /etc/race").exit_code == 0
            buildah.remove_container(pulled)
        buildah.remove_image(pushed)
    assert failures == []
