"""Container images built for real: `oib serve --backend real` (buildah, runc, a local registry)
driven through boto3, from CreateContainerRecipe to an image `skopeo inspect` resolves.

Needs root and the container tools (Debian: buildah runc skopeo docker-registry busybox-static);
without them the tests are skipped saying so, except under CI=true, where they must run.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import STORES, Server, scratch_database, start_server, stop_process, unique

CI = os.environ.get("CI", "").lower() == "true"


def _why_not() -> str | None:
    if os.geteuid() != 0:
        return "real container builds need root (buildah with runc)"
    try:
        from openimagebuilder.containers.settings import missing_tools
    except ImportError as error:
        return f"the container tool layer is not installed ({error})"
    missing = missing_tools()
    if missing:
        return "missing tools: " + ", ".join(f"{tool} (apt-get install {package})" for tool, package in missing)
    return None


_REASON = _why_not()
if _REASON and CI:
    raise RuntimeError(f"CI=true: real container build tests cannot be skipped: {_REASON}")
pytestmark = pytest.mark.skipif(_REASON is not None, reason=_REASON or "")

REGION = "us-east-1"
TEMPLATE = "FROM {{{ imagebuilder:parentImage }}}\n{{{ imagebuilder:environments }}}\n{{{ imagebuilder:components }}}\n"
BUILD_DOC = """name: write
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Write
        action: ExecuteBash
        inputs:
          commands:
            - mkdir -p /opt/app && echo "{{ greeting }}" > /opt/app/hello.txt
            - echo "wrote the greeting"
parameters:
  - greeting:
      type: string
      default: hello from oib
"""
TEST_DOC = """name: check
schemaVersion: 1.0
phases:
  - name: test
    steps:
      - name: Check
        action: ExecuteBash
        inputs:
          commands:
            - grep -q "hello from oib" /opt/app/hello.txt
            - echo "the greeting is there"
"""
FAILING_TEST_DOC = """name: check-missing
schemaVersion: 1.0
phases:
  - name: test
    steps:
      - name: LookForMissingFile
        action: ExecuteBash
        inputs:
          commands:
            - echo "looking for /opt/app/missing.txt"
            - cat /opt/app/missing.txt
"""
SLOW_DOC = """name: slow
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Sleep
        action: ExecuteBash
        inputs:
          commands:
            - echo started sleeping
            - sleep 60
"""


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    """tmpfs when there is one: small-file work on disk is ~20x slower (spec/real-builds.md)."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        path = Path(shutil.os.path.join(shm, f"oib-test-{os.getpid()}"))
        path.mkdir(exist_ok=True)
        yield path
        shutil.rmtree(path, ignore_errors=True)
    else:
        yield tmp_path_factory.mktemp("containers")


@pytest.fixture(scope="module")
def registry(scratch):
    from openimagebuilder.containers.registry import LocalRegistry
    registry = LocalRegistry(scratch / "registry-data")
    registry.start()
    yield registry
    registry.stop()


@pytest.fixture(scope="module")
def busybox_parent(registry, scratch) -> str:
    """A busybox image pushed to the registry as `busybox:latest` (a bare name resolves there)."""
    from openimagebuilder.containers.buildah import Buildah
    from openimagebuilder.containers.settings import ContainerSettings
    buildah = Buildah(ContainerSettings(storage_root=scratch / "seed" / "storage", run_root=scratch / "seed" / "run",
                                        registry_url=registry.url))
    context = scratch / "seed" / "context"
    context.mkdir(parents=True, exist_ok=True)
    shutil.copy("/bin/busybox", context / "busybox")
    buildah.build('FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n',
                  context_dir=context, tag="localhost/seed/busybox:latest")
    buildah.push("localhost/seed/busybox:latest", f"{registry.url}/busybox:latest")
    return "busybox:latest"


@pytest.fixture(scope="module", params=STORES)
def real_server(request, registry, busybox_parent, scratch, tmp_path_factory):
    """`oib serve --backend real` on each store; on PostgreSQL a database of its own, so that no
    other test server's (simulated) worker claims its builds."""
    tmp = tmp_path_factory.mktemp(f"real-{request.param}")
    env = {"OIB_BACKEND": "real", "OIB_REGISTRY_URL": registry.url,
           "OIB_CONTAINER_ROOT": str(scratch / "server"), "OIB_LEASE_SECONDS": "3"}
    with contextlib.ExitStack() as stack:
        database_url = stack.enter_context(scratch_database()) if request.param == "postgresql" else ""
        server = start_server(request.param, database_url, tmp, env)
        stack.callback(stop_process, server.process)
        yield server


def _component(client, document: str, kind: str = "BUILD") -> str:
    return client.create_component(name=unique("c"), semanticVersion="1.0.0", platform="Linux",
                                   data=document)["componentBuildVersionArn"]


def _pipeline(client, parent: str, components: list[str], *, distributions: list[dict] | None = None,
              template: str = TEMPLATE, repository: str = "app") -> str:
    # AWS: platformOverride is for parents given by reference; it cannot go with an image ARN.
    platform = {} if parent.startswith("arn:") else {"platformOverride": "Linux"}
    recipe = client.create_container_recipe(
        containerType="DOCKER", name=unique("recipe"), semanticVersion="1.0.0", parentImage=parent,
        components=[{"componentArn": arn} for arn in components], dockerfileTemplateData=template,
        targetRepository={"service": "ECR", "repositoryName": repository}, **platform)["containerRecipeArn"]
    infra = client.create_infrastructure_configuration(
        name=unique("infra"), instanceProfileName="profile")["infrastructureConfigurationArn"]
    params = {"name": unique("pipeline"), "containerRecipeArn": recipe, "infrastructureConfigurationArn": infra}
    if distributions:
        params["distributionConfigurationArn"] = client.create_distribution_configuration(
            name=unique("dist"), distributions=distributions)["distributionConfigurationArn"]
    return client.create_image_pipeline(**params)["imagePipelineArn"]


def _wait(client, image_arn: str, timeout: float = 30, states=("AVAILABLE", "FAILED", "CANCELLED")) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        image = client.get_image(imageBuildVersionArn=image_arn)["image"]
        if image["state"]["status"] in states or time.monotonic() > deadline:
            return image
        time.sleep(0.1)


def _inspect(reference: str) -> dict:
    out = subprocess.run(["skopeo", "inspect", "--tls-verify=false", f"docker://{reference}"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _containers(server: Server, scratch: Path) -> list[str]:
    """The working containers the server's buildah storage holds, and runc containers still alive
    under its run state."""
    from openimagebuilder.containers.buildah import Buildah
    from openimagebuilder.containers.settings import ContainerSettings
    root = scratch / "server"
    buildah = Buildah(ContainerSettings(storage_root=root / "storage", run_root=root / "run"))
    return buildah.containers() + buildah.runc_containers()


def _log(server: Server, image_arn: str) -> str:
    import urllib.parse

    import httpx
    reply = httpx.get(f"{server.url}/_oib/logs?" + urllib.parse.urlencode({"imageBuildVersionArn": image_arn}))
    return "\n".join(event["message"] for event in reply.json()["events"])


def _wait_for_log(server: Server, image_arn: str, text: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while text not in _log(server, image_arn):
        assert time.monotonic() < deadline, _log(server, image_arn)
        time.sleep(0.1)


def test_a_container_pipeline_builds_tests_and_pushes_an_image_skopeo_resolves(real_server, busybox_parent):
    client = real_server.client()
    build, test = _component(client, BUILD_DOC), _component(client, TEST_DOC, "TEST")
    pipeline = _pipeline(client, busybox_parent, [build, test])
    image_arn = client.start_image_pipeline_execution(imagePipelineArn=pipeline)["imageBuildVersionArn"]
    image = _wait(client, image_arn)
    assert image["state"]["status"] == "AVAILABLE", image["state"].get("reason")
    [container] = image["outputResources"]["containers"]
    assert container["region"] == REGION
    account = image_arn.split(":")[4]
    uris = container["imageUris"]
    assert uris[0].endswith(f"/{account}/{REGION}/app:1.0.0-1")
    digest = uris[-1].split("@")[1]
    for uri in uris:
        assert _inspect(uri)["Digest"] == digest
    log = _log(real_server, image_arn)
    assert "wrote the greeting" in log and "the greeting is there" in log


def test_a_failing_test_component_fails_the_image_with_the_steps_output(real_server, busybox_parent):
    client = real_server.client()
    pipeline = _pipeline(client, busybox_parent, [_component(client, BUILD_DOC), _component(client, FAILING_TEST_DOC)])
    image_arn = client.start_image_pipeline_execution(imagePipelineArn=pipeline)["imageBuildVersionArn"]
    image = _wait(client, image_arn)
    assert image["state"]["status"] == "FAILED"
    reason = image["state"]["reason"]
    assert "LookForMissingFile" in reason and "looking for /opt/app/missing.txt" in reason, reason
    assert "missing.txt" in _log(real_server, image_arn)
    assert "outputResources" not in image or not image["outputResources"].get("containers")


def test_cancel_mid_build_stops_it_within_two_seconds_and_leaves_no_container(real_server, busybox_parent, scratch):
    client = real_server.client()
    pipeline = _pipeline(client, busybox_parent, [_component(client, SLOW_DOC)])
    image_arn = client.start_image_pipeline_execution(imagePipelineArn=pipeline)["imageBuildVersionArn"]
    _wait_for_log(real_server, image_arn, "started sleeping")
    client.cancel_image_creation(imageBuildVersionArn=image_arn)
    cancelled_at = time.monotonic()
    image = _wait(client, image_arn, timeout=5)
    assert image["state"]["status"] == "CANCELLED"
    assert time.monotonic() - cancelled_at < 2
    deadline = time.monotonic() + 3
    while _containers(real_server, scratch) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _containers(real_server, scratch) == []


def test_distribution_tags_the_image_in_each_repository(real_server, busybox_parent, registry):
    client = real_server.client()
    pipeline = _pipeline(client, busybox_parent, [_component(client, BUILD_DOC)], distributions=[
        {"region": REGION, "containerDistributionConfiguration": {
            "targetRepository": {"service": "ECR", "repositoryName": "released"},
            "containerTags": ["latest", "stable"]}},
        {"region": "eu-west-1", "containerDistributionConfiguration": {
            "targetRepository": {"service": "ECR", "repositoryName": "mirror"}, "containerTags": ["edge"]}}])
    image_arn = client.start_image_pipeline_execution(imagePipelineArn=pipeline)["imageBuildVersionArn"]
    image = _wait(client, image_arn)
    assert image["state"]["status"] == "AVAILABLE", image["state"].get("reason")
    account = image_arn.split(":")[4]
    by_region = {item["region"]: item["imageUris"] for item in image["outputResources"]["containers"]}
    assert sorted(by_region) == ["eu-west-1", REGION]
    assert registry.tags(f"{account}/{REGION}/released") == ["1.0.0-1", "latest", "stable"]
    assert registry.tags(f"{account}/eu-west-1/mirror") == ["1.0.0-1", "edge"]
    digests = {_inspect(uri)["Digest"] for uris in by_region.values() for uri in uris}
    assert len(digests) == 1


def test_an_image_built_here_is_the_parent_of_the_next_by_its_ecr_style_uri(real_server, busybox_parent):
    client = real_server.client()
    first = _pipeline(client, busybox_parent, [_component(client, BUILD_DOC)], repository="base")
    image = _wait(client, client.start_image_pipeline_execution(imagePipelineArn=first)["imageBuildVersionArn"])
    assert image["state"]["status"] == "AVAILABLE", image["state"].get("reason")
    account = image["arn"].split(":")[4]
    ecr_uri = f"{account}.dkr.ecr.{REGION}.amazonaws.com/base:1.0.0-1"
    second = _pipeline(client, ecr_uri, [_component(client, TEST_DOC)])
    image = _wait(client, client.start_image_pipeline_execution(imagePipelineArn=second)["imageBuildVersionArn"])
    assert image["state"]["status"] == "AVAILABLE", image["state"].get("reason")


MANAGED = f"arn:aws:imagebuilder:{REGION}:aws:image"


@pytest.mark.parametrize("parent, words", [
    ("no-such-image:1.0", "could not be had"),
    # a managed image whose base (debian) was not bootstrapped into this registry
    (f"{MANAGED}/ubuntu-22-x86-22-04/x.x.x", "oib images bootstrap"),
])
def test_a_parent_that_cannot_be_had_fails_the_image_clearly(real_server, parent, words):
    client = real_server.client()
    pipeline = _pipeline(client, parent, [_component(client, BUILD_DOC)])
    started = time.monotonic()
    image = _wait(client, client.start_image_pipeline_execution(imagePipelineArn=pipeline)["imageBuildVersionArn"])
    assert image["state"]["status"] == "FAILED"
    assert words in image["state"]["reason"], image["state"]["reason"]
    assert time.monotonic() - started < 10


def test_a_template_that_cannot_be_built_fails_naming_why(real_server, busybox_parent):
    client = real_server.client()
    pipeline = _pipeline(client, busybox_parent, [_component(client, BUILD_DOC)],
                         template="FROM {{{ imagebuilder:parentImage }}}\nRUN true\n")
    image = _wait(client, client.start_image_pipeline_execution(imagePipelineArn=pipeline)["imageBuildVersionArn"])
    assert image["state"]["status"] == "FAILED"
    assert "{{{ imagebuilder:components }}}" in image["state"]["reason"]


def test_kill_9_of_the_server_mid_build_fails_the_build_on_restart_and_leaves_nothing(
        registry, busybox_parent, scratch, tmp_path_factory):
    """The worker dies while a component runs (its runc container keeps running after SIGKILL);
    the restarted server takes the build over, removes what the dead one left and fails the
    step saying why: a component run cannot be resumed halfway."""
    tmp = tmp_path_factory.mktemp("kill")
    root = scratch / "killed"
    server = start_server("sqlite", "", tmp, {
        "OIB_BACKEND": "real", "OIB_REGISTRY_URL": registry.url, "OIB_CONTAINER_ROOT": str(root),
        "OIB_LEASE_SECONDS": "2"})
    try:
        client = server.client()
        pipeline = _pipeline(client, busybox_parent, [_component(client, SLOW_DOC)])
        image_arn = client.start_image_pipeline_execution(imagePipelineArn=pipeline)["imageBuildVersionArn"]
        _wait_for_log(server, image_arn, "started sleeping")
        time.sleep(0.6)  # the step's handle is saved and its output flushed by now
        server.restart(sig="kill")
        image = _wait(client, image_arn, timeout=15)
        assert image["state"]["status"] == "FAILED", image["state"]
        assert "cannot be resumed halfway" in image["state"]["reason"]
        from openimagebuilder.containers.buildah import Buildah
        from openimagebuilder.containers.settings import ContainerSettings
        buildah = Buildah(ContainerSettings(storage_root=root / "storage", run_root=root / "run"))
        deadline = time.monotonic() + 3
        while (buildah.containers() or buildah.runc_containers()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert buildah.containers() == [] and buildah.runc_containers() == []
    finally:
        stop_process(server.process)


def test_delete_image_removes_its_tags_from_the_registry(real_server, busybox_parent, registry):
    client = real_server.client()
    pipeline = _pipeline(client, busybox_parent, [_component(client, BUILD_DOC)], repository="doomed", distributions=[
        {"region": REGION, "containerDistributionConfiguration": {
            "targetRepository": {"service": "ECR", "repositoryName": "doomed"}, "containerTags": ["latest"]}}])
    image_arn = client.start_image_pipeline_execution(imagePipelineArn=pipeline)["imageBuildVersionArn"]
    assert _wait(client, image_arn)["state"]["status"] == "AVAILABLE"
    repo = f"{image_arn.split(':')[4]}/{REGION}/doomed"
    assert registry.tags(repo) == ["1.0.0-1", "latest"]
    client.delete_image(imageBuildVersionArn=image_arn)
    deadline = time.monotonic() + 5
    while registry.tags(repo) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert registry.tags(repo) == []


@pytest.fixture(scope="module")
def bootstrapped_busybox(registry, scratch) -> None:
    """`oib images bootstrap --base busybox` into the test registry: the managed Amazon Linux
    names resolve to it."""
    from openimagebuilder.containers.bootstrap import bootstrap
    from openimagebuilder.containers.buildah import Buildah
    from openimagebuilder.containers.settings import ContainerSettings
    buildah = Buildah(ContainerSettings(storage_root=scratch / "boot" / "storage", run_root=scratch / "boot" / "run",
                                        registry_url=registry.url))
    bootstrap("busybox", buildah, registry, scratch / "boot" / "cache")


def test_a_managed_parent_image_by_arn_builds_on_its_bootstrapped_base(real_server, bootstrapped_busybox):
    client = real_server.client()
    pipeline = _pipeline(client, f"{MANAGED}/amazon-linux-x86-2/x.x.x",
                         [_component(client, BUILD_DOC), _component(client, TEST_DOC)])
    image = _wait(client, client.start_image_pipeline_execution(imagePipelineArn=pipeline)["imageBuildVersionArn"])
    assert image["state"]["status"] == "AVAILABLE", image["state"].get("reason")
    assert _inspect(image["outputResources"]["containers"][0]["imageUris"][0])["Digest"]


def test_after_kill_9_and_restart_the_managed_registry_keeps_its_uris_and_leftovers_are_swept(
        registry, busybox_parent, scratch, tmp_path_factory):
    """`oib serve` with its own registry (no --registry-url): the image URIs a build recorded still
    resolve after a kill -9 and restart (same port), and a container a dead worker left of a build
    that no longer has a job is removed by the restarted server's sweep."""
    from openimagebuilder.containers.buildah import Buildah
    from openimagebuilder.containers.settings import ContainerSettings
    from openimagebuilder.engine.container import BUILD_LABEL, WORKER_LABEL, build_token
    tmp = tmp_path_factory.mktemp("managed")
    root = scratch / "managed"
    # OIB_BACKEND empty: the default backend, as `make run` starts it.
    server = start_server("sqlite", "", tmp, {"OIB_BACKEND": "", "OIB_CONTAINER_ROOT": str(root)})
    try:
        assert "builds: container recipes (DOCKER) on buildah, registry 127.0.0.1:" in server.log()
        assert "image recipes (AMI) on " in server.log()
        client = server.client()
        # The parent comes from the test registry by its full reference; the image goes to oib's own.
        pipeline = _pipeline(client, f"{registry.url}/{busybox_parent}", [_component(client, BUILD_DOC)])
        image = _wait(client, client.start_image_pipeline_execution(imagePipelineArn=pipeline)["imageBuildVersionArn"])
        assert image["state"]["status"] == "AVAILABLE", image["state"].get("reason")
        uris = image["outputResources"]["containers"][0]["imageUris"]
        assert not uris[0].startswith(registry.url)
        buildah = Buildah(ContainerSettings(storage_root=root / "storage", run_root=root / "run"))
        gone = f"arn:aws:imagebuilder:{REGION}:123456789012:image/gone/1.0.0/1"
        left = buildah.from_image(f"{registry.url}/{busybox_parent}",
                                  labels={BUILD_LABEL: build_token(gone), WORKER_LABEL: "dead-worker"})
        server.restart(sig="kill")
        for uri in uris:
            assert _inspect(uri)["Digest"] == uris[-1].split("@")[1]
        deadline = time.monotonic() + 10
        while left in buildah.containers():
            assert time.monotonic() < deadline, "the restarted server did not sweep the dead worker's container"
            time.sleep(0.2)
    finally:
        stop_process(server.process)


@pytest.fixture(scope="module")
def debian_parent(scratch) -> str:
    """The Debian base (`oib images bootstrap --base debian`, its root filesystem cached in
    OIB_TEST_CACHE) in a registry of its own, given to recipes by full reference."""
    from openimagebuilder.containers.bootstrap import bootstrap
    from openimagebuilder.containers.buildah import Buildah
    from openimagebuilder.containers.registry import LocalRegistry
    from openimagebuilder.containers.settings import ContainerSettings
    from tests.containers_fixtures import TEST_CACHE
    with LocalRegistry(scratch / "debian-registry") as debian_registry:
        buildah = Buildah(ContainerSettings(storage_root=scratch / "debian" / "storage",
                                            run_root=scratch / "debian" / "run", registry_url=debian_registry.url))
        bootstrap("debian", buildah, debian_registry, TEST_CACHE)   # its root filesystem built once, under a lock
        yield f"{debian_registry.url}/oib-base/debian:latest"


DPKG_DOC = """name: dpkg
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Record
        action: ExecuteBash
        inputs:
          commands:
            - apt-get --version | head -n 1
            - dpkg-query -W -f '${Version}' dpkg > /opt/dpkg-version
  - name: test
    steps:
      - name: Check
        action: ExecuteBash
        inputs:
          commands:
            - test -s /opt/dpkg-version && echo "dpkg $(cat /opt/dpkg-version)"
"""


def test_a_pipeline_on_the_debian_base_runs_apt_and_dpkg_in_build_and_test(real_server, debian_parent):
    client = real_server.client()
    pipeline = _pipeline(client, debian_parent, [_component(client, DPKG_DOC)])
    arn = client.start_image_pipeline_execution(imagePipelineArn=pipeline)["imageBuildVersionArn"]
    image = _wait(client, arn, timeout=120)
    assert image["state"]["status"] == "AVAILABLE", image["state"].get("reason")
    log = _log(real_server, arn)
    assert "apt " in log and "dpkg 1." in log, log
    assert _inspect(image["outputResources"]["containers"][0]["imageUris"][0])["Digest"]
