"""The client commands behind `oib pipelines list`, `oib images list` and `oib run`: each takes
its parsed arguments and returns the exit status; a failure to carry it out is a CommandError."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .endpoint import endpoint_url, imagebuilder_client
from .errors import UNAVAILABLE, USAGE, CommandError, describe

ENDPOINT_HELP = "the oib service (OIB_ENDPOINT_URL, else AWS_ENDPOINT_URL_IMAGEBUILDER, default http://127.0.0.1:4010)"
# Wide enough that ARNs stay on one line when the output is a file or a pipe.
_PIPE_WIDTH = 200

# rich and the command modules are imported when a command runs: `oib serve` and the others that
# share this parser do not pay for them.
if TYPE_CHECKING:
    from rich.console import Console


def _console() -> Console:
    from rich.console import Console

    console = Console(soft_wrap=False)
    return console if console.is_terminal else Console(width=_PIPE_WIDTH, soft_wrap=False)


def _calling(command: Callable[[Any, Console, argparse.Namespace], int],
             failed: int = UNAVAILABLE) -> Callable[[argparse.Namespace], int]:
    """Runs a command with a client for the service; an error the service answers with, or no
    answer, becomes a CommandError of one line with exit status `failed`."""
    def call(args: argparse.Namespace) -> int:
        from botocore.exceptions import BotoCoreError, ClientError

        client = imagebuilder_client(endpoint_url(args.endpoint_url), args.region)
        try:
            return command(client, _console(), args)
        except (BotoCoreError, ClientError) as error:
            raise CommandError(describe(error), failed) from None
    return call


def _pipelines_list(client: Any, console: Console, args: argparse.Namespace) -> int:
    from . import listing

    listing.print_table(console, listing.pipelines_table(client))
    return 0


def _images_list(client: Any, console: Console, args: argparse.Namespace) -> int:
    from . import listing

    listing.print_table(console, listing.images_table(client))
    return 0


def _run(client: Any, console: Console, args: argparse.Namespace) -> int:
    from . import run

    image_arn = run.start(client, run.pipeline_arn(client, args.pipeline), dict(args.tag or []))
    if not args.wait:
        print(image_arn)
        return 0
    console.print(f"Started {image_arn}", highlight=False, markup=False, soft_wrap=True)
    try:
        view = run.wait(client, image_arn, console, args.poll_seconds)
    except KeyboardInterrupt:
        print(f"stopped watching; the build goes on: {image_arn}", file=sys.stderr)
        return 130
    console.print(f"{image_arn} {view.status}" + (f": {view.reason}" if view.reason else ""),
                  highlight=False, markup=False, soft_wrap=True)
    return run.exit_status(view)


pipelines_list = _calling(_pipelines_list)
images_list = _calling(_images_list)
# `oib run`'s 1 says the image did not become available; a run that cannot start is a 2.
run_pipeline = _calling(_run, failed=USAGE)


def _tag(text: str) -> tuple[str, str]:
    key, equals, value = text.partition("=")
    if not equals or not key:
        raise argparse.ArgumentTypeError(f"'{text}' is not KEY=VALUE")
    return key, value


def add_endpoint_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--endpoint-url", help=ENDPOINT_HELP)
    parser.add_argument("--region", help="AWS region of the resources (AWS_REGION / AWS_DEFAULT_REGION / profile, "
                                         "default us-east-1)")


def add_commands(commands: Any, images: Any) -> None:
    """`oib pipelines list`, `oib run`, and `oib images list` (beside `oib images bootstrap`)."""
    pipelines = commands.add_parser("pipelines", help="image pipelines (oib pipelines list)")
    listed = pipelines.add_subparsers(dest="pipelines_command", required=True).add_parser(
        "list", help="the account's image pipelines: status, schedule, next and last run")
    add_endpoint_arguments(listed)
    listed.set_defaults(run=pipelines_list)
    started = commands.add_parser(
        "run", help="start an image pipeline; with --wait, show each workflow step until the image is done",
        description="Starts an image pipeline (StartImagePipelineExecution) and prints the new image's ARN. With "
                    "--wait it shows each workflow step as it runs and exits with the image's final state: 0 "
                    "AVAILABLE, 1 FAILED or CANCELLED; 2 when the pipeline cannot be started.")
    started.add_argument("pipeline", metavar="PIPELINE", help="image pipeline name or ARN")
    started.add_argument("--wait", action="store_true", help="follow the build to its end")
    started.add_argument("--tag", action="append", type=_tag, metavar="KEY=VALUE",
                         help="a tag of the new image; repeatable (e.g. oib:fail-step=ApplyBuildComponents to see "
                              "a failure, with the simulated backend)")
    started.add_argument("--poll-seconds", type=float, default=0.5, help=argparse.SUPPRESS)
    add_endpoint_arguments(started)
    started.set_defaults(run=run_pipeline)
    images_listed = images.add_parser("list", help="the account's images, every build with its status")
    add_endpoint_arguments(images_listed)
    images_listed.set_defaults(run=images_list)
