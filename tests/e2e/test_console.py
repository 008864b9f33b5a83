"""The web console (/console) in a real browser: Debian's Chromium driven by Playwright against a
real `oib serve`, with data made through boto3. Pages show that data, the actions (start a
pipeline, cancel a build, answer a WaitForAction step) take effect as the API sees it, and no page
logs a console error. Under CI the browser must be there; elsewhere these tests are skipped,
saying why, when it is not."""
from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.conftest import isolated_server, new_account_id, unique
from tests.e2e.helpers import FAST, PARENT_IMAGE, ROLE, create_image, infrastructure, wait_done, wait_until, workflow
from tests.e2e.test_auth import client_for, create_key
from tests.e2e.test_executions import PARAMETER_BUILD
from tests.e2e.test_resource_policies import policy

CHROMIUM_NAMES = ("chromium", "chromium-browser")
TIMEOUT_MS = 20_000

COMPONENT_DOCUMENT = """\
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: InstallNginx
        action: ExecuteBash
        inputs:
          commands:
            - echo installing nginx <for the console>
"""


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: the console's browser tests must run in CI")
    pytest.skip(f"{reason}: console browser tests skipped")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = next((path for path in map(shutil.which, CHROMIUM_NAMES) if path), None)
    if executable is None:
        _unavailable("Chromium is not installed (apt-get install chromium; make test installs it as root)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        # Playwright's own browser downloads are not used: Debian's Chromium, as packaged.
        launched = playwright.chromium.launch(executable_path=executable)
        yield launched
        launched.close()


class Page:
    """A browser page in an account of its own, and everything it logged that went wrong."""

    def __init__(self, browser: Any, url: str, account: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.url = url
        self.account = account
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text}")

    def open(self, path: str) -> Any:
        separator = "&" if "?" in path else "?"
        response = self.page.goto(f"{self.url}{path}{separator}account={self.account}")
        assert response is not None and response.status == 200, (path, response and response.status)
        return self.page


@pytest.fixture
def console(browser, server, request) -> Iterator[tuple[Page, Any]]:
    """A console page and a boto3 client, both in a fresh account of the session's server."""
    account = new_account_id()
    page = Page(browser, server.url, account)
    yield page, server.client(account)
    page.context.close()
    assert not page.problems, page.problems


def approval_pipeline(client, name: str | None = None) -> str:
    """A pipeline whose builds wait at ApproveBuild (WaitForAction) until answered."""
    paused = {"workflowArn": workflow(client, "BUILD", PARAMETER_BUILD),
              "parameters": [{"name": "pause", "value": ["true"]}]}
    recipe = client.create_image_recipe(name=unique("recipe"), semanticVersion="1.0.0", parentImage=PARENT_IMAGE,
                                        components=[{"componentArn": _component(client)}])["imageRecipeArn"]
    return client.create_image_pipeline(name=name or unique("approved"), imageRecipeArn=recipe,
                                        infrastructureConfigurationArn=infrastructure(client),
                                        workflows=[paused], executionRole=ROLE)["imagePipelineArn"]


def _component(client) -> str:
    return client.create_component(name=unique("nginx"), semanticVersion="1.0.0", platform="Linux",
                                   description="Installs nginx", data=COMPONENT_DOCUMENT)["componentBuildVersionArn"]


def image_status(client, arn: str) -> str:
    return client.get_image(imageBuildVersionArn=arn)["image"]["state"]["status"]


def waiting_step(client, arn: str) -> dict[str, Any]:
    return wait_until(lambda: next((s for s in client.list_waiting_workflow_steps()["steps"]
                                    if s["imageBuildVersionArn"] == arn), None), what="the waiting step")


def shown_time(iso: str) -> str:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M:%S")


def test_pages_show_pipelines_images_recipes_and_components(console):
    page, client = console
    component = _component(client)
    recipe = client.create_image_recipe(name=unique("web"), semanticVersion="2.1.0", parentImage=PARENT_IMAGE,
                                        components=[{"componentArn": component}])["imageRecipeArn"]
    name = unique("nightly")
    pipeline = client.create_image_pipeline(
        name=name, imageRecipeArn=recipe, infrastructureConfigurationArn=infrastructure(client),
        schedule={"scheduleExpression": "cron(0 3 * * ? *)", "timezone": "Europe/Paris"})["imagePipelineArn"]
    image = client.start_image_pipeline_execution(imagePipelineArn=pipeline)["imageBuildVersionArn"]
    wait_until(lambda: image_status(client, image) in ("AVAILABLE", "FAILED"), timeout=60, what="the build")
    assert image_status(client, image) == "AVAILABLE"
    next_run = client.get_image_pipeline(imagePipelineArn=pipeline)["imagePipeline"]["dateNextRun"]

    # Pipelines: the schedule and its next run, as the API gives them.
    listing = page.open("/console/pipelines")
    row = listing.locator(f'tr[data-name="{name}"]')
    assert "cron(0 3 * * ? *)" in row.inner_text() and "Europe/Paris" in row.inner_text()
    assert row.locator(".next-run").inner_text() == shown_time(next_run)

    # A pipeline's page lists its image; the image shows its workflows' steps, finished, and its log.
    row.get_by_role("link", name=name).click()
    listing.locator("#images").get_by_role("link").first.click()
    assert listing.locator("h1 .status").inner_text() == "AVAILABLE"
    steps = listing.locator("#timeline tr.step")
    assert steps.count() >= 4
    assert set(steps.locator(".status").all_inner_texts()) <= {"COMPLETED", "SKIPPED"}
    assert listing.locator("#timeline svg rect").count() >= steps.count()
    assert "Image status: AVAILABLE" in listing.locator("#log").inner_text()

    # The recipe, its component, and the component's document.
    listing.locator(".facts").get_by_role("link", name=recipe).click()
    assert listing.locator("h1").inner_text().endswith("2.1.0")
    listing.locator("#recipe-components").get_by_role("link").click()
    assert "echo installing nginx <for the console>" in listing.locator("#component-document").inner_text()

    assert recipe.split("/")[-2] in page.open("/console/recipes").locator("#image-recipes").inner_text()
    components = page.open("/console/components").locator("#components").inner_text()
    assert component.split("/")[-3] in components
    assert "update-linux" in page.open("/console/components?owner=Amazon").locator("#components").inner_text()
    assert image.split("/", 1)[1].replace("/", " ", 1) in page.open("/console/images").locator("#images").inner_text()


def test_start_a_pipeline_and_follow_the_build_live(console):
    page, client = console
    name = unique("started")
    pipeline = client.create_image_pipeline(
        name=name, imageRecipeArn=client.create_image_recipe(
            name=unique("recipe"), semanticVersion="1.0.0", parentImage=PARENT_IMAGE,
            components=[{"componentArn": _component(client)}])["imageRecipeArn"],
        infrastructureConfigurationArn=infrastructure(client))["imagePipelineArn"]
    listing = page.open("/console/pipelines")
    listing.locator(f'tr[data-name="{name}"]').get_by_role("button", name="Start").click()

    # The new build's page, which follows the build until it ends: status, steps and log.
    assert listing.locator(".notice").inner_text() == "Pipeline execution started."
    images = client.list_image_pipeline_images(imagePipelineArn=pipeline)["imageSummaryList"]
    assert len(images) == 1 and images[0]["arn"] in listing.url.replace("%3A", ":").replace("%2F", "/")
    listing.locator("#live h1 .status", has_text="AVAILABLE").wait_for()
    listing.locator("#log .line", has_text="Image status: AVAILABLE").wait_for()
    assert image_status(client, images[0]["arn"]) == "AVAILABLE"


def test_cancel_a_build(console):
    page, client = console
    image = client.start_image_pipeline_execution(imagePipelineArn=approval_pipeline(client))["imageBuildVersionArn"]
    waiting_step(client, image)
    shown = page.open(f"/console/image?arn={image}")
    shown.get_by_role("button", name="Cancel build").click()
    assert shown.locator(".notice").inner_text() == "Cancellation requested."
    shown.locator("#live h1 .status", has_text="CANCELLED").wait_for()
    assert image_status(client, image) == "CANCELLED"
    assert shown.get_by_role("button", name="Cancel build").count() == 0


@pytest.mark.parametrize("action, final", [("Resume", "AVAILABLE"), ("Stop", "FAILED")])
def test_answer_a_waiting_step(console, action, final):
    page, client = console
    image = client.start_image_pipeline_execution(imagePipelineArn=approval_pipeline(client))["imageBuildVersionArn"]
    step = waiting_step(client, image)
    shown = page.open(f"/console/image?arn={image}")
    form = shown.locator("form.waiting")
    assert "ApproveBuild" in form.inner_text()
    form.get_by_label("Reason").fill(f"{action} from the console")
    form.get_by_role("button", name=action).click()
    assert shown.locator(".notice").inner_text() == f"{action} sent to the waiting step."
    shown.locator("#live h1 .status", has_text=final).wait_for()
    answered = client.get_workflow_step_execution(stepExecutionId=step["stepExecutionId"])
    assert answered["status"] == ("COMPLETED" if action == "Resume" else "FAILED")
    if action == "Stop":
        # Where the build failed, on the timeline.
        assert shown.locator("#timeline tr.failed-here").get_attribute("data-step") == "ApproveBuild"
        assert "Stopped by SendWorkflowStepAction: Stop from the console" in answered["message"]
    assert shown.locator("form.waiting").count() == 0


def test_an_action_from_another_site_is_refused(server):
    client = server.client()
    pipeline = approval_pipeline(client)
    account = client._request_signer._credentials.access_key
    refused = httpx.post(f"{server.url}/console/pipeline/start?account={account}", data={"arn": pipeline},
                         headers={"origin": "https://elsewhere.example", "sec-fetch-site": "cross-site"})
    assert refused.status_code == 403
    assert client.list_image_pipeline_images(imagePipelineArn=pipeline)["imageSummaryList"] == []


def test_an_image_shared_with_the_account_shows_without_its_executions(console, server):
    page, client = console
    owner = server.client()
    image = wait_done(owner, create_image(owner, tags=FAST))["arn"]
    owner.put_image_policy(imageArn=image, policy=policy("image", image, page.account))
    shown = page.open(f"/console/image?arn={image}")
    assert shown.locator("h1 .status").inner_text() == "AVAILABLE"
    assert "belong to its owner" in shown.locator("#live").inner_text()
    assert shown.get_by_role("button", name="Cancel build").count() == 0


def test_an_unknown_image_is_a_not_found_page(console):
    page, client = console
    arn = f"arn:aws:imagebuilder:us-east-1:{page.account}:image/nothing/1.0.0/1"
    response = page.page.goto(f"{page.url}/console/image?arn={arn}&account={page.account}")
    assert response.status == 404
    assert page.page.locator("h1").inner_text() == "Not found"
    page.problems = [p for p in page.problems if "404" not in p]  # the browser reports the status itself


@pytest.fixture(scope="module")
def secured_console(server, tmp_path_factory):
    with isolated_server(server, tmp_path_factory.mktemp("console-auth"), {"OIB_AUTH": "sigv4"}) as started:
        account = new_account_id()
        started.key = create_key(started, account)
        started.account = account
        yield started


def test_under_sigv4_the_console_signs_in_with_a_credential(browser, secured_console):
    server, key = secured_console, secured_console.key
    client = client_for(server, key)
    name = unique("secured")
    client.create_image_pipeline(name=name, imageRecipeArn=client.create_image_recipe(
        name=unique("recipe"), semanticVersion="1.0.0", parentImage=PARENT_IMAGE,
        components=[{"componentArn": _component(client)}])["imageRecipeArn"],
        infrastructureConfigurationArn=infrastructure(client))
    page = Page(browser, server.url, server.account)
    try:
        shown = page.page
        shown.goto(f"{server.url}/console/pipelines")
        assert shown.url.endswith("/console/login")
        shown.get_by_label("Access key id").fill(key["accessKeyId"])
        shown.get_by_label("Secret access key").fill("not-the-secret")
        shown.get_by_role("button", name="Sign in").click()
        assert "do not match" in shown.locator(".error").inner_text()
        shown.get_by_label("Access key id").fill(key["accessKeyId"])
        shown.get_by_label("Secret access key").fill(key["secretAccessKey"])
        shown.get_by_role("button", name="Sign in").click()
        assert shown.url.endswith("/console/pipelines")
        assert name in shown.locator("#pipelines").inner_text()
        assert re.search(rf"{key['accessKeyId']} · account {server.account}", shown.locator("header").inner_text())
        # The session is the credential's: another account's choice in the URL changes nothing.
        assert name in page.open("/console/pipelines").locator("#pipelines").inner_text()
        shown.get_by_role("button", name="Sign out").click()
        assert shown.url.endswith("/console/login")
    finally:
        page.context.close()
    # The browser reports the refused sign-in's 401 itself.
    assert [p for p in page.problems if "401" not in p] == []
    # Without a session, nothing but the sign-in page.
    assert httpx.get(f"{server.url}/console/images", follow_redirects=False).headers["location"] == "/console/login"
