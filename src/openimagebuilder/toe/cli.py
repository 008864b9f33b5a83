"""`oib toe validate` and `oib toe run`: AWSTOE's two commands on this machine. Exit status 0 when
every document is valid / the run succeeded, 1 when not, 2 for a mistake on the command line;
every error is one line on stderr."""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from typing import NoReturn

from ..domain.component_document import ComponentDocumentError, parse_component_document
from .results import ComponentInput, RunEvent

USAGE_ERROR = 2


class CommandLineError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise CommandLineError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="oib toe", description="Validate and run AWSTOE component documents on this machine.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    validate = commands.add_parser("validate", help="check component documents as CreateComponent does")
    validate.add_argument("--documents", required=True, help="comma-separated document files")
    run = commands.add_parser("run", help="run component documents here, in a working directory")
    run.add_argument("--documents", help="comma-separated document files, run in this order")
    run.add_argument("--config", help="AWSTOE's input configuration file (JSON): documents, parameters, phases")
    run.add_argument("--phases", help="comma-separated phases to run (default: all, in document order)")
    run.add_argument("--parameters", help="name=value,... given to every document")
    run.add_argument("--report", help="write AWSTOE's detailed JSON report (detailedoutput.json) here")
    run.add_argument("--junit", help="write a JUnit XML report here")
    run.add_argument("--working-directory", default=".", help="where the steps run (default: here)")
    run.add_argument("--s3-endpoint-url", help="S3 endpoint for S3Download and S3Upload")
    run.add_argument("--dry-run", action="store_true", help="interpret the documents, run no command")
    return parser


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except CommandLineError as error:
        print(f"oib toe: error: {error}", file=sys.stderr)
        return USAGE_ERROR
    except SystemExit as done:      # --help
        return int(done.code or 0)
    try:
        return _validate(args) if args.command == "validate" else _run(args)
    except CommandLineError as error:
        print(f"oib toe {args.command}: error: {error}", file=sys.stderr)
        return USAGE_ERROR


def _documents(listed: str) -> list[ComponentInput]:
    paths = [path.strip() for path in listed.split(",") if path.strip()]
    if not paths:
        raise CommandLineError("--documents names no file")
    return [_read_document(path) for path in paths]


def _read_document(path: str) -> ComponentInput:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError as error:
        raise CommandLineError(f"cannot read {path}: {error.strerror}") from None
    return ComponentInput(name=path, text=text, path=os.path.abspath(path))


def _validate(args: argparse.Namespace) -> int:
    invalid = 0
    for document in _documents(args.documents):
        try:
            parse_component_document(document.text, platform="Linux")
            print(f"{document.name}: valid")
        except ComponentDocumentError as error:
            invalid += 1
            print(f"{document.name}: invalid: {error.message}")
    return 1 if invalid else 0


def _run(args: argparse.Namespace) -> int:
    from .interpreter import run_documents
    from .local import LocalExecutor
    from .modules import RunnerSettings
    from .report import summary, write_json, write_junit

    documents, configured_phases = _run_inputs(args)
    working_directory = os.path.abspath(args.working_directory)
    if not os.path.isdir(working_directory):
        raise CommandLineError(f"--working-directory {args.working_directory} is not a directory")
    phases = None
    # AWS: a setting given on the command line overrides the configuration file's.
    phases_text = args.phases if args.phases is not None else configured_phases
    if phases_text is not None:
        phases = [name.strip() for name in phases_text.split(",") if name.strip()]
        if not phases:
            raise CommandLineError("--phases names no phase")
    for target in (args.report, args.junit):
        if target and not os.path.isdir(os.path.dirname(os.path.abspath(target))):
            raise CommandLineError(f"cannot write {target}: its folder does not exist")

    # Ctrl-C and SIGTERM cancel the run: the running step's processes are stopped, the reports
    # are still written.
    cancel = threading.Event()
    previous = {number: signal.signal(number, lambda signum, frame: cancel.set())
                for number in (signal.SIGINT, signal.SIGTERM)}
    settings = RunnerSettings(s3_endpoint_url=args.s3_endpoint_url, dry_run=args.dry_run)
    try:
        report = run_documents(documents, phases, LocalExecutor(working_directory), settings,
                               on_event=_print_event, cancel=cancel)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    try:
        if args.report:
            write_json(report, args.report)
        if args.junit:
            write_junit(report, args.junit)
    except OSError as error:
        print(f"oib toe run: error: cannot write a report: {error.strerror}", file=sys.stderr)
        return 1
    print(json.dumps(summary(report)), flush=True)
    if report.cancelled:
        return 130
    return 0 if report.succeeded else 1


def _run_inputs(args: argparse.Namespace) -> tuple[list[ComponentInput], str | None]:
    """The documents to run with their parameters, and the configuration file's phases."""
    from .run_config import RunConfigError, load_run_config
    from .variables import parse_parameter_list

    if args.config is None:
        if args.documents is None:
            raise CommandLineError("one of --documents or --config is required")
        try:
            parameters = parse_parameter_list(args.parameters or "")
        except ValueError as error:
            raise CommandLineError(str(error)) from None
        return [ComponentInput(name=document.name, text=document.text, path=document.path, parameters=parameters)
                for document in _documents(args.documents)], None
    # AWS: with a configuration file, documents and parameters must not be given directly.
    if args.documents is not None or args.parameters is not None:
        raise CommandLineError("--documents and --parameters cannot be used with --config")
    try:
        with open(args.config, encoding="utf-8", errors="replace") as handle:
            config = load_run_config(handle.read())
    except OSError as error:
        raise CommandLineError(f"cannot read {args.config}: {error.strerror}") from None
    except RunConfigError as error:
        raise CommandLineError(f"{args.config}: {error}") from None
    documents = []
    for configured in config.documents:
        document = _read_document(configured.path)
        documents.append(ComponentInput(name=document.name, text=document.text, path=document.path,
                                        parameters={**config.parameters, **configured.parameters}))
    return documents, config.phases


def _print_event(event: RunEvent) -> None:
    moment = event.time.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    where = ".".join(part for part in (event.phase, event.step) if part)
    stream = "" if event.stream == "stdout" else f" [{event.stream}]"
    print(f"{moment} {where}{stream}: {event.text}" if where else f"{moment}{stream}: {event.text}", flush=True)
