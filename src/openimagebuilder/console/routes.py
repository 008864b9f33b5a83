"""The console's routes under /console: pages (GET, read on a handler thread), actions (POST, the
same-origin rule, then one API write), sign-in under `--auth sigv4`, the live log feed, and the
static files."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from importlib import resources
from typing import Any, TypeVar

import orjson
from sqlalchemy import Engine

from ..domain.arn import parse_arn
from ..server.identity import Identity
from . import views
from .api import Api, ApiError, ApiService, Asgi, Dispatch, Principal, RequestBuilder
from .http import Receive, Reply, Request, Scope, Send, read_request, redirect, same_origin, send_reply
from .rendering import Renderer
from .session import SCOPE_COOKIE, SESSION_COOKIE, SESSION_SECONDS, Choice, LoginError, Sessions

log = logging.getLogger("openimagebuilder.console")

PREFIX = "/console"
HOME = f"{PREFIX}/pipelines"
LOGIN = f"{PREFIX}/login"
View = Callable[[Api, Request, Engine], views.Page]
PAGES: dict[str, View] = {
    f"{PREFIX}/pipelines": views.pipelines, f"{PREFIX}/pipeline": views.pipeline,
    f"{PREFIX}/images": views.images, f"{PREFIX}/image": views.image,
    f"{PREFIX}/recipes": views.recipes, f"{PREFIX}/recipe": views.recipe,
    f"{PREFIX}/components": views.components, f"{PREFIX}/component": views.component,
}
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
T = TypeVar("T")


def is_console_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


class Console:
    def __init__(self, asgi: Asgi, dispatch: Dispatch, identity: Identity, engine: Engine, executor: Executor,
                 service_secret: bytes) -> None:
        self.service = ApiService(dispatch, asgi)
        self.builder = RequestBuilder()
        self.sessions = Sessions(identity, service_secret)
        self.engine = engine
        self.executor = executor
        self.renderer = Renderer()
        self._static: dict[str, bytes] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = await read_request(scope, receive)
        try:
            reply = await self._answer(request)
        except Exception:
            log.exception("console: %s %s failed", request.method, request.path)
            reply = self._message(500, "Something went wrong", "The console could not answer; the service's log says why.")
        await send_reply(send, reply)

    async def _answer(self, request: Request) -> Reply:
        path = request.path.rstrip("/") or PREFIX
        if path == PREFIX:
            return redirect(HOME)
        if path.startswith(f"{PREFIX}/static/") and request.method == "GET":
            return self._static_file(path.removeprefix(f"{PREFIX}/static/"))
        if request.method == "POST" and not same_origin(request):
            return self._message(403, "Refused", "Console actions are only taken from the console's own pages.")
        if path == LOGIN:
            return await self._login(request)
        if path == f"{PREFIX}/logout" and request.method == "POST":
            reply = redirect(LOGIN)
            reply.set_cookie(SESSION_COOKIE, "", request.secure, max_age=0)
            return reply
        principal, problem = await self._run(self._principal, request)
        if principal is None:
            if problem:
                return self._message(400, "Cannot show that account", problem)
            return redirect(LOGIN) if request.method == "GET" and path != f"{PREFIX}/logs" else \
                self._message(401, "Signed out", "Sign in again.")
        reply = await self._route(path, request, principal)
        if not self.sessions.signs_in and (request.query.get("account") or request.query.get("region")):
            reply.set_cookie(SCOPE_COOKIE, Sessions.scope_cookie(principal), request.secure)
        return reply

    async def _route(self, path: str, request: Request, principal: Principal) -> Reply:
        api = Api(self.service, self.builder, principal)
        view = PAGES.get(path)
        if view is not None and request.method == "GET":
            return await self._run(self._page, view, api, request)
        if path == f"{PREFIX}/logs" and request.method == "GET":
            return await self._run(self._log_feed, principal, request)
        if request.method == "POST":
            action = {f"{PREFIX}/pipeline/start": self._start, f"{PREFIX}/image/cancel": self._cancel,
                      f"{PREFIX}/step/action": self._step_action}.get(path)
            if action is not None:
                return await action(api, request)
        return self._message(404, "Not found", f"The console has no page {request.method} {request.path}.", principal)

    # -- who ------------------------------------------------------------------------------------
    def _principal(self, request: Request) -> tuple[Principal | None, str | None]:
        """The request's principal, or (None, why not) — why is None when signing in is the answer."""
        choice = Choice(request.query.get("account") or None, request.query.get("region") or None)
        if self.sessions.signs_in:
            return self.sessions.signed_in(request.cookies.get(SESSION_COOKIE), choice.region), None
        problem = self.sessions.check_choice(choice)
        if problem is not None:
            return None, problem
        return self.sessions.unverified(request.cookies.get(SCOPE_COOKIE), choice), None

    async def _login(self, request: Request) -> Reply:
        if not self.sessions.signs_in:
            return redirect(HOME)
        if request.method != "POST":
            return self._render_login(200, "")
        try:
            cookie = await self._run(self.sessions.sign_in, request.form.get("access_key_id", ""),
                                     request.form.get("secret_access_key", ""),
                                     request.form.get("region") or "us-east-1")
        except LoginError as error:
            return self._render_login(401, str(error))
        reply = redirect(HOME)
        reply.set_cookie(SESSION_COOKIE, cookie, request.secure, max_age=SESSION_SECONDS)
        return reply

    def _render_login(self, status: int, error: str) -> Reply:
        return Reply(status, self.renderer.render("login.html", "Sign in", None, {"error": error}))

    # -- pages ----------------------------------------------------------------------------------
    def _page(self, view: View, api: Api, request: Request) -> Reply:
        try:
            page = view(api, request, self.engine)
        except views.NotFound as missing:
            return self._message(404, "Not found", str(missing), api.principal)
        except ApiError as error:
            return self._message(502 if error.code == "ServiceException" else 400, "The API refused",
                                 f"{error.code}: {error.message}", api.principal)
        extra = {"notice": request.query.get("notice", ""), "error": request.query.get("error", ""),
                 "current": request.path}
        return Reply(200, self.renderer.render(page.template, page.title, api.principal,
                                               {**page.data, **extra}, signs_in=self.sessions.signs_in))

    def _message(self, status: int, title: str, text: str, principal: Principal | None = None) -> Reply:
        return Reply(status, self.renderer.render("message.html", title, principal, {"text": text},
                                                  signs_in=self.sessions.signs_in))

    def _log_feed(self, principal: Principal, request: Request) -> Reply:
        """A log's events after `after`, for the page's script: {events, finished, status}."""
        arn = request.query.get("arn", "")
        parsed = parse_arn(arn)
        parameter = "imagePipelineArn" if parsed is not None and parsed.resource_type == "image-pipeline" \
            else "imageBuildVersionArn"
        try:
            after = int(request.query.get("after") or 0)
        except ValueError:
            after = 0
        payload = views.read_log(self.engine, principal, parameter, arn, after)
        if payload is None:
            return Reply(404, orjson.dumps({"message": "No such log."}), "application/json")
        return Reply(200, orjson.dumps(payload), "application/json")

    # -- actions --------------------------------------------------------------------------------
    async def _start(self, api: Api, request: Request) -> Reply:
        arn = request.param("arn")
        try:
            started = await api.write("StartImagePipelineExecution", imagePipelineArn=arn)
        except ApiError as error:
            return redirect(f"{PREFIX}/pipeline", arn=arn, error=f"{error.code}: {error.message}")
        return redirect(f"{PREFIX}/image", arn=started["imageBuildVersionArn"], notice="Pipeline execution started.")

    async def _cancel(self, api: Api, request: Request) -> Reply:
        arn = request.param("arn")
        try:
            await api.write("CancelImageCreation", imageBuildVersionArn=arn)
        except ApiError as error:
            return redirect(f"{PREFIX}/image", arn=arn, error=f"{error.code}: {error.message}")
        return redirect(f"{PREFIX}/image", arn=arn, notice="Cancellation requested.")

    async def _step_action(self, api: Api, request: Request) -> Reply:
        arn, action = request.param("arn"), request.param("action")
        params: dict[str, Any] = {"stepExecutionId": request.param("step"), "imageBuildVersionArn": arn,
                                  "action": action}
        if request.param("reason"):
            params["reason"] = request.param("reason")
        try:
            await api.write("SendWorkflowStepAction", **params)
        except ApiError as error:
            return redirect(f"{PREFIX}/image", arn=arn, error=f"{error.code}: {error.message}")
        return redirect(f"{PREFIX}/image", arn=arn, notice=f"{action.capitalize()} sent to the waiting step.")

    # -- files ----------------------------------------------------------------------------------
    def _static_file(self, name: str) -> Reply:
        suffix = name[name.rfind("."):] if "." in name else ""
        if "/" in name or suffix not in STATIC_TYPES:
            return Reply(404, b"", "text/plain")
        if name not in self._static:
            entry = resources.files(__package__).joinpath("static", name)
            if not entry.is_file():
                return Reply(404, b"", "text/plain")
            self._static[name] = entry.read_bytes()
        return Reply(200, self._static[name], STATIC_TYPES[suffix])

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, function, *args)


