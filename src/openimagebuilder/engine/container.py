"""The container backend: DOCKER images built for real with buildah, tested in containers and
pushed to the OCI registry that stands in for ECR.

How AWS's container workflows map onto buildah (they have no CreateImage step: on AWS the image
is made by `docker build` on the build instance while ApplyBuildComponents runs):

- LaunchInstance (build): the recipe's Dockerfile template is rendered and the part before
  `{{{ imagebuilder:components }}}` built (`buildah bud`; a bare `FROM parent` needs no build);
  a working container from it is the build "instance" (its id is `instanceId`).
- ExecuteComponents (build, validate phases): the components run in that container through the
  AWSTOE runner with a container executor; then the container is committed and the rest of the
  template built on top of it: the image exists, in local storage, under a name of the build's.
- LaunchInstance (test): a fresh container from the built image; ExecuteComponents runs the test
  phase there; TerminateInstance removes it.
- DistributeContainerImage: the image pushed to each region's repository (see
  domain/container_refs.py), once per tag; `containers[].imageUris` name every tag and the digest.
- BootstrapInstanceForContainer and the other service commands: nothing to do (buildah needs no
  agent inside the container).

Everything a build makes carries its token (a hash of the image ARN): containers the label
`oib.build=<token>`, local images the name `localhost/oib-build/<token>:...`. A reaper thread
removes them once the build is no longer running (finished, failed, cancelled between steps,
deleted), so nothing outlives a build; a cancel that reaches a running step removes them at once.
A step that another worker takes over after its worker died resumes from its saved handle:
idempotent steps (launch, distribute, clean up) remove what the dead one left and run again;
component runs, which cannot be resumed halfway, fail saying so. What a dead worker left of builds
nobody will take over (they ended or were deleted meanwhile) is removed by the sweep, at start and
every SWEEP_SECONDS: every container whose build has no build job any more.
"""
from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..domain.container_refs import ParentImageError, distribution_targets, parent_reference, repository
from ..domain.dockerfile import RecipeOptions, SplitDockerfile, TemplateError, recipe_options, render
from ..toe.executor import Executor, RunOutcome
from ..toe.modules import RunnerSettings
from .backend import BuildContext, StepControl, StepResult
from .build_reaper import BuildReaper, Chore, build_token
from .components import run_components
from .inventory import INVENTORY_SCRIPT, read_inventory
from .plan import ComponentRun
from .registry_cleanup import tag_manifest

log = logging.getLogger(__name__)

BUILD_LABEL = "oib.build"
WORKER_LABEL = "oib.worker"   # the worker that made the container: said when the sweep removes it
LOCAL_PREFIX = "localhost/oib-build"
# How often the storage is swept for containers of builds that are not running anywhere (left by a
# worker that died); also once at start. Each sweep inspects every working container.
SWEEP_SECONDS = 60.0
_FROM_ONLY = "FROM "


class Buildah(Protocol):
    """What this backend uses of containers.buildah.Buildah."""

    def from_image(self, ref: str, *, labels: Mapping[str, str], cancel: threading.Event | None = None) -> str: ...
    def run(self, container: str, script: str, *, timeout: float | None = None,
            cancel: threading.Event | None = None) -> RunOutcome: ...
    def commit(self, container: str, image_name: str) -> str: ...
    def build(self, dockerfile: Any, *, context_dir: Any, tag: str, on_output: Any = None,
              cancel: threading.Event | None = None) -> str: ...
    def push(self, image: str, destination: str, *, cancel: threading.Event | None = None) -> str: ...
    def remove_container(self, container: str) -> None: ...
    def remove_image(self, image: str) -> None: ...
    def clean_up(self, label: str, value: str) -> int: ...
    def labelled_containers(self) -> dict[str, dict[str, str]]: ...
    def image_names(self) -> list[str]: ...
    def reap_abandoned_runs(self) -> int: ...


class Registry(Protocol):
    url: str


ExecutorFactory = Callable[[Any, str], Executor]


@dataclass(frozen=True)
class ContainerBackendSettings:
    scratch_dir: Path                              # host-side Dockerfiles and empty build contexts
    s3_endpoint_url: str | None = None             # for S3Download/S3Upload steps in components


def local_image(token: str, stage: str) -> str:
    """The build's images in local storage: `stage` (the template up to the components) and `built`."""
    return f"{LOCAL_PREFIX}/{token}:{stage}"


def _build_of_image(name: str) -> str | None:
    """The token of a build's local image name (local_image's), or None for any other image."""
    if not name.startswith(f"{LOCAL_PREFIX}/"):
        return None
    token = name[len(LOCAL_PREFIX) + 1:].split(":", 1)[0]
    return token or None


class BuildStopped(Exception):
    """The step's cancel was set while it ran."""


class StepFailed(Exception):
    """The step cannot go on; the message is its failure reason."""


class ContainerBackend:
    def __init__(self, buildah: Buildah, registry: Registry, settings: ContainerBackendSettings, *,
                 executor_factory: ExecutorFactory, managed_parent: Callable[[str], str | None],
                 build_running: Callable[[str], bool] | None = None,
                 running_builds: Callable[[], Iterable[str]] | None = None, worker_id: str | None = None) -> None:
        """`build_running(image ARN)`: whether the build still has a build job (is not over);
        `running_builds()`: the image ARNs of every build that has one, on any worker of the store
        (enables the sweep); `worker_id`: labelled on every container this backend makes."""
        self.buildah, self.registry, self.settings = buildah, registry, settings
        self.executor_factory = executor_factory
        self.managed_parent = managed_parent
        self.build_running = build_running
        self.running_builds = running_builds
        self.worker_id = worker_id
        self.on_close: Callable[[], None] | None = None   # e.g. stops the local registry
        # The sweep runs at the reaper's first pass (at once) and every SWEEP_SECONDS.
        chores = [Chore(SWEEP_SECONDS, self.sweep, "sweeping the container storage")] if running_builds else []
        self.reaper = BuildReaper("oib-container-reaper", build_running, self._remove_build, chores)

    # -- Backend -----------------------------------------------------------------------------------
    def pacing_seconds(self, context: BuildContext) -> float:
        return 0.0   # real work takes its own time

    def provision(self, context: BuildContext, control: StepControl, purpose: str) -> StepResult:
        token = self._track(context)

        def launch() -> StepResult:
            self._resume_by_removing(control)
            if purpose == "test":
                built = local_image(token, "built")
                container = self._from(built, token, control, missing=(
                    f"The built image {built} is not in this worker's container storage (was the build "
                    "made by a worker on another machine?)."))
                return StepResult(True, {"instanceId": container}, log=[f"Test container {container} from {built}"])
            recipe, options, split = self._recipe(context)
            for note in options.notes:
                control.on_output(note)
            base = split.before.strip()
            if base.startswith(_FROM_ONLY) and "\n" not in base and "--" not in base:
                start = base[len(_FROM_ONLY):].split()[0]   # nothing to build before the components
            else:
                start = local_image(token, "stage")
                self._build(split.before, start, token, control, "the Dockerfile template up to the components")
            container = self._from(start, token, control)
            if options.working_directory:
                self._run_checked(container, f"mkdir -p '{options.working_directory}'", control)
            return StepResult(True, {"instanceId": container}, log=[f"Build container {container} from {start}"])

        return self._guarded(context, control, launch)

    def run_components(self, context: BuildContext, control: StepControl, target_id: str,
                       components: list[ComponentRun], phases: tuple[str, ...]) -> StepResult:
        token = self._track(context)

        def run() -> StepResult:
            if control.handle:
                self.buildah.clean_up(BUILD_LABEL, token)
                raise StepFailed("The worker running the components stopped before they finished; a component "
                                 "run cannot be resumed halfway, so the build's containers were removed.")
            control.save_handle({"token": token, "containers": [target_id]})
            _, options, split = self._recipe(context)
            result = run_components(
                self.executor_factory(self.buildah, target_id),
                RunnerSettings(working_directory=options.working_directory,
                               s3_endpoint_url=self.settings.s3_endpoint_url),
                control, components, phases, command_id=lambda key: build_token(target_id + key),
                with_output=True)
            if control.stopped():
                raise BuildStopped()
            if result.succeeded and "build" in phases:
                image = self._finish_image(token, target_id, split, control)
                result.log.append(f"Image {image} made from {target_id}")
            return result

        return self._guarded(context, control, run)

    def run_command(self, context: BuildContext, control: StepControl, target_id: str, action: str) -> StepResult:
        # BootstrapInstanceForContainer installs docker on AWS's build instance; buildah needs
        # nothing inside the container. The other service scripts are for instances.
        return StepResult(True, {"runCommandId": f"{action}-{build_token(target_id)}", "status": "Success",
                                 "output": ""}, log=[f"{action} on {target_id}: nothing to do in a container"])

    def bookkeeping(self, context: BuildContext, control: StepControl, action: str,
                    outputs: dict[str, Any]) -> StepResult:
        return StepResult(True, outputs, log=[f"{action}: done"])

    def collect_metadata(self, context: BuildContext, control: StepControl, target_id: str) -> StepResult:
        def collect() -> StepResult:
            _, options, _ = self._recipe(context)
            outcome = self.buildah.run(target_id, INVENTORY_SCRIPT, timeout=60, cancel=control.cancel)
            os_version, packages = read_inventory(outcome.stdout)
            return StepResult(True, {"osVersion": options.os_version or os_version or "Linux",
                                     "associationId": build_token(target_id), "packages": packages})
        return self._guarded(context, control, collect)

    def snapshot(self, context: BuildContext, control: StepControl, target_id: str) -> StepResult:
        token = self._track(context)

        def snap() -> StepResult:
            _, _, split = self._recipe(context)
            return StepResult(True, {"imageId": self._finish_image(token, target_id, split, control)})
        return self._guarded(context, control, snap)

    def distribute(self, context: BuildContext, control: StepControl, image_id: str) -> StepResult:
        token = self._track(context)

        def push() -> StepResult:
            built = local_image(token, "built")
            containers, distributed = [], []
            for target in distribution_targets(dict(context.image), context.image_arn, context.region,
                                               context.distribution_regions):
                repo = repository(self.registry.url, context.account_id, target.region, target.repository_name)
                digest = ""
                for tag in target.tags:
                    if control.stopped():
                        raise BuildStopped()
                    destination = repo.tagged(tag)
                    try:
                        if digest:   # the image is there: the other tags only point at its manifest
                            tag_manifest(getattr(self.registry, "scheme", "http"), repo.registry, repo.path,
                                         digest, tag)
                        else:
                            digest = self.buildah.push(built, destination, cancel=control.cancel)
                    except Exception as error:  # noqa: BLE001 - reported as the step's failure
                        if control.stopped():
                            raise BuildStopped() from None
                        raise StepFailed(f"Pushing {built} to {destination} failed: {error}") from None
                    control.on_output(f"Pushed {destination} ({digest})")
                containers.append({"region": target.region,
                                   "imageUris": [repo.tagged(tag) for tag in target.tags] + [repo.pinned(digest)]})
                distributed.append({"region": target.region, "imageId": repo.pinned(digest)})
            return StepResult(True, {"distributedImages": distributed, "containers": containers},
                              log=[f"Distributed {uri}" for item in containers for uri in item["imageUris"]])
        return self._guarded(context, control, push)

    def clean_up(self, context: BuildContext, control: StepControl, target_id: str) -> StepResult:
        self._track(context)
        try:
            if target_id:
                self.buildah.remove_container(target_id)
        except Exception as error:  # noqa: BLE001 - gone already is as good as removed
            log.debug("removing %s: %s", target_id, error)
        return StepResult(True, {}, log=[f"Removed container {target_id}"])

    def output_resources(self, context: BuildContext, image_id: str | None,
                         distributed: Mapping[str, Any]) -> dict[str, Any]:
        return {"containers": [dict(item) for item in distributed.get("containers") or []]}

    # -- lifecycle -----------------------------------------------------------------------------------
    def close(self) -> None:
        """Stops the reaper after one last pass (builds still running keep their containers: a
        worker that takes them over removes them or carries on)."""
        self.reaper.close()
        if self.on_close is not None:
            self.on_close()

    def sweep(self) -> int:
        """Removes every container in this storage whose build is not running anywhere (no build job:
        it ended, failed or was deleted), with its runc state, and such builds' local images; how
        many containers. This is what a worker that died (kill -9) left of builds nobody takes over,
        with the runc state and scratch directories its killed buildah processes left.
        Builds that still have a job keep theirs, whichever worker made them and whether or not
        its lease is live: between steps no lease is held, and a build whose lease ran out is
        taken over by a worker that removes what its dead worker left (see _resume_by_removing)."""
        if self.running_builds is None:
            return 0
        # Storage first, jobs second: a build's job exists before its first container and image,
        # so nothing made after these listings is judged by an older list of jobs.
        containers = self.buildah.labelled_containers()
        images = self.buildah.image_names()
        running = {build_token(arn) for arn in self.running_builds()}
        removed = 0
        for container, labels in containers.items():
            token = labels.get(BUILD_LABEL)
            if token is None or token in running:
                continue   # not a build's (e.g. bootstrap's), or its build goes on
            try:
                self.buildah.remove_container(container)
            except Exception:  # noqa: BLE001 - tried again at the next sweep
                log.exception("removing container %s of ended build %s failed", container, token)
                continue
            removed += 1
            log.warning("removed container %s of build %s, which is no longer running (made by worker %s)",
                        container, token, labels.get(WORKER_LABEL, "unknown"))
        for image in images:
            token = _build_of_image(image)
            if token is None or token in running:
                continue
            try:
                self.buildah.remove_image(image)
            except Exception:  # noqa: BLE001 - tried again at the next sweep
                log.exception("removing image %s of ended build %s failed", image, token)
                continue
            log.warning("removed image %s of build %s, which is no longer running", image, token)
        try:
            self.buildah.reap_abandoned_runs()
        except Exception:  # noqa: BLE001 - tried again at the next sweep
            log.exception("removing what killed buildah processes left failed")
        return removed

    def reap(self) -> int:
        """Removes the containers and local images of builds that are no longer running; how many
        builds."""
        return self.reaper.reap()

    # -- helpers ---------------------------------------------------------------------------------------
    def _track(self, context: BuildContext) -> str:
        return self.reaper.track(context.image_arn)

    def _remove_build(self, token: str) -> int:
        removed = self.buildah.clean_up(BUILD_LABEL, token)
        for stage in ("stage", "committed", "built"):
            try:
                self.buildah.remove_image(local_image(token, stage))
            except Exception:  # noqa: BLE001 - most builds have only some of them
                pass
        return removed

    def _guarded(self, context: BuildContext, control: StepControl, work: Callable[[], StepResult]) -> StepResult:
        """Runs a step's work: a cancel removes everything of the build at once; a known failure
        becomes the step's failure reason; an unexpected one too, with its type."""
        try:
            return work()
        except BuildStopped:
            pass
        except (StepFailed, TemplateError, ParentImageError) as error:
            if not control.stopped():
                return StepResult(False, {}, str(error), [str(error)])
        except Exception as error:  # noqa: BLE001 - a tool failure fails the step, not the worker
            if not control.stopped():
                log.exception("step %s of %s failed", control.step_name, context.image_arn)
                return StepResult(False, {}, f"{type(error).__name__}: {error}")
        self._remove_build(build_token(context.image_arn))
        return StepResult(False, {}, "Stopped while running.")

    def _resume_by_removing(self, control: StepControl) -> None:
        """A launch another worker started: what it left is removed, and the launch runs again."""
        for container in (control.handle or {}).get("containers") or []:
            try:
                self.buildah.remove_container(container)
            except Exception:  # noqa: BLE001 - already gone
                pass

    def _recipe(self, context: BuildContext) -> tuple[dict[str, Any], RecipeOptions, SplitDockerfile]:
        recipe = dict(context.image.get("containerRecipe") or {})
        if context.image_type != "DOCKER" or not recipe:
            raise StepFailed("The container backend builds container recipes only (image type DOCKER).")
        options = recipe_options(recipe)
        parent = parent_reference(recipe.get("parentImage") or "", self.registry.url, self.managed_parent)
        split = render(recipe.get("dockerfileTemplateData") or "", parent,
                       has_components=bool(recipe.get("components")))
        return recipe, options, split

    def _from(self, image: str, token: str, control: StepControl, missing: str | None = None) -> str:
        try:
            labels = {BUILD_LABEL: token, **({WORKER_LABEL: self.worker_id} if self.worker_id else {})}
            container = self.buildah.from_image(image, labels=labels, cancel=control.cancel)
        except Exception as error:  # noqa: BLE001 - the reason becomes the step's
            if control.stopped():
                raise BuildStopped() from None
            raise StepFailed(missing or f"The image {image} could not be had: {error}") from None
        control.save_handle({"token": token, "containers": [container]})
        return container

    def _build(self, dockerfile: str, tag: str, token: str, control: StepControl, what: str) -> str:
        # An empty build context: the template is all there is (COPY of local files has nothing to
        # copy, as on AWS, whose build context holds only its own component scripts).
        directory = Path(tempfile.mkdtemp(prefix=f"{token}-", dir=self._scratch()))

        def sink(stream: str, line: str) -> None:
            control.on_output(line)
        try:
            try:
                return self.buildah.build(dockerfile, context_dir=directory, tag=tag, on_output=sink,
                                          cancel=control.cancel)
            except Exception as error:  # noqa: BLE001 - its message ends with the build's output
                if control.stopped():
                    raise BuildStopped() from None
                raise StepFailed(f"Building {what} failed: {error}") from None
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    def _scratch(self) -> Path:
        self.settings.scratch_dir.mkdir(parents=True, exist_ok=True)
        return self.settings.scratch_dir

    def _run_checked(self, container: str, script: str, control: StepControl) -> None:
        outcome = self.buildah.run(container, script, timeout=60, cancel=control.cancel)
        if outcome.cancelled or control.stopped():
            raise BuildStopped()
        if outcome.exit_code != 0:
            raise StepFailed(f"'{script}' failed in {container} (exit status {outcome.exit_code}): "
                             f"{(outcome.stderr or outcome.stdout).strip()}")

    def _finish_image(self, token: str, container: str, split: SplitDockerfile, control: StepControl) -> str:
        """The working container committed, then the template's rest built on it: the build's image."""
        built = local_image(token, "built")
        rest = split.after_from(local_image(token, "committed"))
        try:
            self.buildah.commit(container, local_image(token, "committed") if rest else built)
        except Exception as error:  # noqa: BLE001
            if control.stopped():
                raise BuildStopped() from None
            raise StepFailed(f"Committing {container} failed: {error}") from None
        if rest:
            self._build(rest, built, token, control, "the Dockerfile template after the components")
        return built
