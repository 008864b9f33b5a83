"""The `oib` command."""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
import urllib.parse

from ..client.commands import ENDPOINT_HELP
from ..client.commands import add_commands as add_client_commands
from ..client.durations import seconds
from ..client.endpoint import ServiceUnreachable, call_service, endpoint_url
from ..client.errors import UNAVAILABLE, CommandError
from .cli_parser import OneLineParser, command_name, fail, version
from .credentials_cli import add_parser as add_credentials_parser
from .listen import PortUnavailable, listen
from .settings import Settings, SettingsError

_SERVE_FLAGS = ("host", "port", "data_dir", "database_url", "account_id", "log_level", "workers", "engine_workers",
                "step_seconds", "fail_steps", "clock", "no_worker", "lease_seconds", "worker_id", "backend",
                "registry_url", "container_root", "auth", "credentials_file", "extra_regions", "insecure",
                "s3_endpoint_url", "max_connections", "header_timeout", "body_timeout", "idle_timeout",
                "max_body_in_flight", "rate_limit", "api_server_timeout")
_WORKER_FLAGS = ("data_dir", "database_url", "log_level", "engine_workers", "step_seconds", "fail_steps", "clock",
                 "lease_seconds", "worker_id", "backend", "registry_url", "container_root", "s3_endpoint_url")


def _settings(command: str, args: argparse.Namespace, flags: tuple[str, ...]) -> Settings | None:
    try:
        settings = Settings.load(os.environ, {name: getattr(args, name) for name in flags})
    except SettingsError as error:
        print(f"oib {command}: error: {error}", file=sys.stderr)
        return None
    logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if settings.log_level.lower() != "debug":
        # Alembic narrates each migration it applies (eight lines on a first start); the store's
        # schema is of interest when debugging only.
        logging.getLogger("alembic").setLevel(logging.WARNING)
    return settings


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import ImageBuilderApp
    from .background import describe_backend
    from .limits import server_config

    settings = _settings("serve", args, _SERVE_FLAGS)
    if settings is None:
        return 2
    exposure = settings.exposure_problem()
    if exposure is not None:
        print(f"oib serve: error: {exposure}", file=sys.stderr)
        return 2
    # The port is taken before anything else, so a busy one stops `oib serve` at once, before
    # the store is opened and before anything claims to be serving.
    try:
        sock = listen(settings.host, settings.port)
    except PortUnavailable as error:
        print(f"oib serve: error: {error}", file=sys.stderr)
        return 2
    app = ImageBuilderApp(settings)
    logging.getLogger("openimagebuilder").info(
        "serving the Image Builder API on http://%s:%d (store: %s)", settings.host, sock.getsockname()[1],
        app.engine.url.render_as_string(hide_password=True))
    if app.builds is not None:
        logging.getLogger("openimagebuilder").info("builds: %s", describe_backend(app.builds.backend))
    # uvicorn handles SIGINT/SIGTERM while serving: it stops accepting, finishes requests in
    # flight, runs the lifespan shutdown that closes the store, then re-raises the signal to the
    # handler installed here, which turns a finished shutdown into exit status 0.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    config, warning = server_config(app, settings.host, settings.port, settings.limits())
    if warning is not None:
        logging.getLogger("openimagebuilder").warning("%s", warning)
    uvicorn.Server(config).run(sockets=[sock])
    logging.getLogger("openimagebuilder").info("stopped")
    return 0


def _worker(args: argparse.Namespace) -> int:
    """Builds (and fires schedules) for the API processes that share its store."""
    from ..domain.clock import SystemClock
    from ..scheduler.service import PipelineScheduler
    from ..store.clock import StoredClock
    from ..store.database import create_store_engine, migrate, service_secret
    from .app import database_url
    from .background import build_engine, close_backend, describe_backend, registry_cleanup

    settings = _settings("worker", args, _WORKER_FLAGS)
    if settings is None:
        return 2
    database = create_store_engine(database_url(settings), pool_size=settings.engine_workers + 2)
    migrate(database)
    clock = StoredClock(database) if settings.clock == "manual" else SystemClock()
    builds = build_engine(settings, database, clock)
    logging.getLogger("openimagebuilder").info("builds: %s", describe_backend(builds.backend))
    # Container images its lifecycle runs delete leave the registry, as with `oib serve`'s scheduler.
    cleanup = registry_cleanup(settings, builds)
    scheduler = PipelineScheduler(database, clock, service_secret(database), on_fire=builds.wake,
                                  on_images_deleted=cleanup.images_deleted if cleanup is not None else None)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    builds.start()
    scheduler.start()
    logging.getLogger("openimagebuilder").info(
        "build worker %s on %s", builds.worker_id, database.url.render_as_string(hide_password=True))
    while not stopping.wait(1.0):
        pass
    scheduler.stop()
    builds.stop()
    if cleanup is not None:
        cleanup.close()
    close_backend(builds.backend)
    database.dispose()
    logging.getLogger("openimagebuilder").info("stopped")
    return 0


def _logs(args: argparse.Namespace) -> int:
    """Prints an image's build log (with --follow, until the build finishes) or an image pipeline's
    log (its scheduled runs; with --follow, until interrupted)."""
    after = 0
    member = "imagePipelineArn" if ":image-pipeline/" in args.arn else "imageBuildVersionArn"
    while True:
        query = urllib.parse.urlencode({member: args.arn, "after": after})
        try:
            payload = call_service(endpoint_url(args.endpoint_url), f"/_oib/logs?{query}")
        except ServiceUnreachable as error:
            raise CommandError(str(error), UNAVAILABLE) from None
        for event in payload["events"]:
            print(f"{event['timestamp']} {event['message']}", flush=True)
            after = event["id"]
        if not args.follow or (payload["finished"] and not payload["events"]):
            return 0
        if not payload["events"]:
            try:
                time.sleep(args.poll_seconds)
            except KeyboardInterrupt:
                return 0


def _clock(args: argparse.Namespace) -> int:
    """Shows or moves the manual clock of `oib serve --clock manual`."""
    body: dict[str, object] | None = None
    if args.action == "show" and args.value is not None:
        raise CommandError(f"`oib clock show` takes no value (got '{args.value}')")
    if args.action != "show" and args.value is None:
        example = "2026-12-01T00:00:00Z" if args.action == "set" else "24h"
        raise CommandError(f"`oib clock {args.action}` needs a value, e.g. oib clock {args.action} {example}")
    if args.action == "set":
        body = {"set": args.value}
    elif args.action == "advance":
        try:
            body = {"advance": seconds(args.value)}
        except ValueError as error:
            raise CommandError(str(error)) from None
    try:
        payload = call_service(endpoint_url(args.endpoint_url), "/_oib/clock", body, timeout=300)
    except ServiceUnreachable as error:
        raise CommandError(str(error), UNAVAILABLE) from None
    print(payload["now"])
    for firing in payload.get("fired", []):
        print(f"{firing['dueAt']} {firing['imagePipelineArn']} {firing['outcome']} {firing['imageBuildVersionArn'] or ''}")
    return 0


def _images_import(args: argparse.Namespace) -> int:
    from ..vm.images import import_command
    return import_command(args.file, args.name, args.data_dir)


def _images_export(args: argparse.Namespace) -> int:
    from ..vm.images import export_command
    return export_command(args.image_id, args.format, args.output, args.data_dir)


def _images_bootstrap(args: argparse.Namespace) -> int:
    if args.vm:
        from ..vm.bootstrap import bootstrap_vm_command
        return bootstrap_vm_command(args.data_dir, rebuild=args.rebuild)
    from ..containers.bootstrap import bootstrap_command
    return bootstrap_command(args.base, args.data_dir, args.registry_url)


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _worker_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lease-seconds", type=float,
                        help="a stopped worker's builds move to another worker after this long (OIB_LEASE_SECONDS, default 10)")
    parser.add_argument("--worker-id", help="this build worker's name in leases and logs (OIB_WORKER_ID, default host-pid-random)")
    parser.add_argument("--backend", choices=("simulated", "real"),
                        help="real: container images built with buildah, AMIs in QEMU machines; simulated: nothing "
                             "is built, for testing API calls fast (OIB_BACKEND, default real)")
    parser.add_argument("--registry-url",
                        help="real backend: host:port of an existing OCI registry to push to (OIB_REGISTRY_URL; "
                             "default: a local registry oib starts under the data dir)")
    parser.add_argument("--container-root",
                        help="real backend: directory of buildah's storage and run state "
                             "(OIB_CONTAINER_ROOT, default <data-dir>/containers; tmpfs is much faster)")
    parser.add_argument("--s3-endpoint-url",
                        help="S3-compatible endpoint for s3:// URIs: documents and Dockerfile templates given by URI, "
                             "S3Download/S3Upload in components (OIB_S3_ENDPOINT_URL; credentials from the environment)")


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["toe"]:
        # `oib toe` has its own parser, with one-line errors (openimagebuilder.toe.cli).
        from ..toe.cli import main as toe_main
        return toe_main(arguments[1:])
    parser = OneLineParser(prog="oib", description="openimagebuilder: the EC2 Image Builder API, self-hosted")
    parser.add_argument("--version", action="version", version=f"oib {version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the API service")
    serve.add_argument("--host", help="address to listen on (OIB_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (OIB_PORT, default 4010)")
    serve.add_argument("--data-dir", help="directory of the embedded SQLite store (OIB_DATA_DIR, default ./.oib)")
    serve.add_argument("--database-url", help="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db (OIB_DATABASE_URL)")
    serve.add_argument("--account-id", help="account id of callers (OIB_ACCOUNT_ID, default 123456789012)")
    serve.add_argument("--log-level", help="debug, info, warning (OIB_LOG_LEVEL, default info)")
    serve.add_argument("--workers", type=int, help="handler threads (OIB_WORKERS, default 8)")
    serve.add_argument("--engine-workers", type=int, help="threads advancing image builds (OIB_ENGINE_WORKERS, default 2)")
    serve.add_argument("--step-seconds", type=float,
                       help="simulated backend: seconds each workflow step takes (OIB_STEP_SECONDS, default 0.1)")
    serve.add_argument("--fail-steps", help="simulated backend: workflow step names to fail, comma-separated (OIB_FAIL_STEPS)")
    serve.add_argument("--clock", choices=("system", "manual"),
                       help="system time, or a clock you drive with `oib clock` (OIB_CLOCK, default system)")
    serve.add_argument("--no-worker", action="store_true", default=None,
                       help="serve the API only; builds and schedules wait for an `oib worker` (OIB_NO_WORKER)")
    serve.add_argument("--auth", choices=("none", "sigv4"),
                       help="sigv4: verify every request's signature against `oib credentials`; none: verify "
                            "nothing, for local testing (OIB_AUTH, default none)")
    serve.add_argument("--credentials-file",
                       help="sigv4: a JSON list of credentials accepted besides the store's (OIB_CREDENTIALS_FILE)")
    serve.add_argument("--extra-regions",
                       help="regions accepted besides AWS's, comma-separated (OIB_EXTRA_REGIONS)")
    serve.add_argument("--insecure", action="store_true", default=None,
                       help="allow --auth none on an address other machines can reach (OIB_INSECURE)")
    serve.add_argument("--max-connections", type=int,
                       help="connections at once; more are answered 503 (OIB_MAX_CONNECTIONS, default 4000)")
    serve.add_argument("--header-timeout", type=float,
                       help="seconds for a request head to arrive, else 408 (OIB_HEADER_TIMEOUT, default 10)")
    serve.add_argument("--body-timeout", type=float,
                       help="seconds for a request body to arrive, else 408 (OIB_BODY_TIMEOUT, default 30)")
    serve.add_argument("--idle-timeout", type=float,
                       help="seconds an idle keep-alive connection stays open (OIB_IDLE_TIMEOUT, default 5)")
    serve.add_argument("--max-body-in-flight", type=int,
                       help="MiB of request bodies held at once, else 503 (OIB_MAX_BODY_IN_FLIGHT, default 64)")
    serve.add_argument("--rate-limit", type=float,
                       help="API calls a second per account, else 429 CallRateLimitExceededException; 0: none "
                            "(OIB_RATE_LIMIT, default 100 with --auth sigv4, none with --auth none); divided among "
                            "the oib serve processes sharing a PostgreSQL store")
    serve.add_argument("--api-server-timeout", type=float,
                       help="PostgreSQL: an oib serve silent this many seconds (killed, or cut off from the store) "
                            "no longer takes a share of the rate limit (OIB_API_SERVER_TIMEOUT, default 15)")
    _worker_arguments(serve)
    serve.set_defaults(run=_serve)
    worker = commands.add_parser(
        "worker", help="run image builds and pipeline schedules for the API processes sharing a store",
        description="Runs the build engine and the pipeline scheduler against a store, without serving the API. "
                    "Several workers (and `oib serve` processes) may share one PostgreSQL: each build step runs "
                    "once, and a stopped worker's builds move to another after --lease-seconds.")
    worker.add_argument("--data-dir", help="directory of the embedded SQLite store (OIB_DATA_DIR, default ./.oib)")
    worker.add_argument("--database-url", help="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db (OIB_DATABASE_URL)")
    worker.add_argument("--log-level", help="debug, info, warning (OIB_LOG_LEVEL, default info)")
    worker.add_argument("--engine-workers", type=int, help="builds advanced at once (OIB_ENGINE_WORKERS, default 2)")
    worker.add_argument("--step-seconds", type=float,
                        help="simulated backend: seconds each workflow step takes (OIB_STEP_SECONDS, default 0.1)")
    worker.add_argument("--fail-steps", help="simulated backend: workflow step names to fail, comma-separated (OIB_FAIL_STEPS)")
    worker.add_argument("--clock", choices=("system", "manual"), help="system time, or the manual clock (OIB_CLOCK)")
    _worker_arguments(worker)
    worker.set_defaults(run=_worker)
    logs = commands.add_parser(
        "logs", help="print an image's build log, or an image pipeline's log",
        description="Prints the build log of an image (an image build-version ARN), or the log of an image "
                    "pipeline (an image pipeline ARN): its scheduled runs, started or skipped, and auto-disable.")
    logs.add_argument("arn", metavar="ARN", help="image build-version ARN or image pipeline ARN")
    logs.add_argument("--endpoint-url", help=ENDPOINT_HELP)
    logs.add_argument("--follow", "-f", action="store_true",
                      help="keep printing until the build finishes (a pipeline's log: until interrupted)")
    logs.add_argument("--poll-seconds", type=float, default=0.5, help=argparse.SUPPRESS)
    logs.set_defaults(run=_logs)
    clock = commands.add_parser(
        "clock", help="show or move the manual clock (oib serve --clock manual)",
        description="Shows or moves the manual clock, forward only. `advance` fires every scheduled run due "
                    "on the way, each at its own time; `set` jumps, as if the service had been down until "
                    "then: one catch-up run per pipeline that missed runs. Prints the runs fired.")
    clock.add_argument("action", nargs="?", choices=("show", "set", "advance"), default="show")
    clock.add_argument("value", nargs="?", help="set: an ISO-8601 time; advance: a duration like 90s, 15m, 24h, 2d")
    clock.add_argument("--endpoint-url", help=ENDPOINT_HELP)
    clock.set_defaults(run=_clock)
    images = commands.add_parser("images", help="images (oib images list) and container base images (oib images bootstrap)")
    image_commands = images.add_subparsers(dest="images_command", required=True)
    bootstrap = image_commands.add_parser(
        "bootstrap", help="build base images offline into the registry managed container images resolve to",
        description="Builds a base image without the internet and pushes it into the registry under the names "
                    "of the AWS managed container images it stands in for (docs/containers.md lists them).")
    bootstrap.add_argument("--base", choices=("busybox", "debian"), default="busybox",
                           help="busybox: static busybox, under a second; debian: bookworm minbase via mmdebstrap")
    bootstrap.add_argument("--data-dir", default=os.environ.get("OIB_DATA_DIR", "./.oib"),
                           help="the data dir whose managed registry receives the image (OIB_DATA_DIR, default ./.oib)")
    bootstrap.add_argument("--registry-url", default=os.environ.get("OIB_REGISTRY_URL") or None,
                           help="host:port of an existing registry to push to instead (OIB_REGISTRY_URL)")
    bootstrap.add_argument("--vm", action="store_true",
                           help="instead: the VM base disk (Debian bookworm with a kernel) that managed AMI parents "
                                "resolve to, under <data-dir>/vm or OIB_VM_ROOT (docs/vm.md)")
    bootstrap.add_argument("--rebuild", action="store_true", help="with --vm: build it again even if it is there")
    bootstrap.set_defaults(run=_images_bootstrap)
    export = image_commands.add_parser(
        "export", help="write an AMI built by this service to a disk file that boots in plain QEMU",
        description="Writes the disk of an AMI in the VM image store (docs/vm.md) to FILE as qcow2 or raw.")
    export.add_argument("image_id", metavar="AMI-ID")
    export.add_argument("--format", choices=("qcow2", "raw"), default="qcow2")
    export.add_argument("--output", required=True, metavar="FILE")
    export.add_argument("--data-dir", default=os.environ.get("OIB_DATA_DIR", "./.oib"),
                        help="the data dir whose image store holds it (OIB_DATA_DIR, default ./.oib; OIB_VM_ROOT wins)")
    export.set_defaults(run=_images_export)
    import_ = image_commands.add_parser(
        "import", help="add a disk file to the VM image store as an AMI that recipes can name as their parent",
        description="Converts FILE (any format qemu-img reads; root file system in its first partition, ext4) "
                    "into the VM image store and prints its new ami- id (docs/vm.md).")
    import_.add_argument("file", metavar="FILE")
    import_.add_argument("--name", help="the AMI's name (default: the file's name)")
    import_.add_argument("--data-dir", default=os.environ.get("OIB_DATA_DIR", "./.oib"),
                         help="the data dir whose image store receives it (OIB_DATA_DIR, default ./.oib; OIB_VM_ROOT wins)")
    import_.set_defaults(run=_images_import)
    add_client_commands(commands, image_commands)
    add_credentials_parser(commands)
    commands.add_parser("toe", add_help=False,
                        help="validate or run AWSTOE component documents on this machine (oib toe --help)")
    args = parser.parse_args(arguments)
    try:
        return int(args.run(args))
    except CommandError as error:
        return fail(command_name(arguments), str(error), error.status)
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # noqa: BLE001 - any failure is one line; the traceback is logged at debug
        logging.getLogger("openimagebuilder").debug("%s failed", command_name(arguments), exc_info=True)
        return fail(command_name(arguments), f"{type(error).__name__}: {error}", 1)


if __name__ == "__main__":
    sys.exit(main())
