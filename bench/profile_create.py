"""Where oib spends its time on one CreateImagePipeline (or GetImagePipeline), without HTTP.

Builds the service's Dispatcher on a fresh SQLite store in a temp dir, creates the recipe and the
infrastructure configuration, times N requests through `Dispatcher.handle` (the exact bytes the
ASGI app hands over for a boto3 request), then runs N more under cProfile and prints the top
functions by own time and by cumulative time.

    python bench/profile_create.py                 # 2000 creates
    python bench/profile_create.py --op get -n 5000
    python bench/profile_create.py --sort cumulative --top 40
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import tempfile
import time
import urllib.parse

from openimagebuilder.server.app import ImageBuilderApp
from openimagebuilder.server.settings import Settings

AUTH = ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/imagebuilder/aws4_request, "
        "SignedHeaders=host, Signature=0")
HEADERS = {"host": "127.0.0.1", "content-type": "application/json", "x-amz-date": "20250101T000000Z",
           "authorization": AUTH, "user-agent": "Boto3/1.44.8 Botocore/1.44.8"}


def call(app: ImageBuilderApp, method: str, path: str, body: dict | None = None, query: bytes = b"") -> dict:
    """One request as the ASGI app runs it on SQLite: writes in the shared transaction, which
    commits before the answer (here right away, as when requests come one at a time)."""
    raw = json.dumps(body).encode() if body is not None else b""
    response = app.dispatcher.handle(method, path, query, HEADERS, raw, app.inline)
    if app.inline is not None and app.inline.is_open:
        app.inline.commit()
    if response.status != 200:
        raise SystemExit(f"{method} {path}: {response.status} {response.body[:300]!r}")
    return json.loads(response.body)


def sql_timings(app: ImageBuilderApp, one, n: int) -> None:  # type: ignore[no-untyped-def]
    """Wall time per statement text: the repository's statements on the DB-API cursor (timed
    around `StatementRunner`), the rest through SQLAlchemy's cursor events, and COMMIT."""
    from collections import defaultdict

    from sqlalchemy import event

    from openimagebuilder.store import statements

    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    starts: dict[int, float] = {}

    def record(statement: str, seconds: float) -> None:
        entry = totals[" ".join(statement.split())]
        entry[0] += 1
        entry[1] += seconds

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        starts[id(cursor)] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        record(statement, time.perf_counter() - starts.pop(id(cursor), time.perf_counter()))

    runner = statements.StatementRunner
    originals = runner._execute, runner.execute_many

    def timed(original):  # type: ignore[no-untyped-def]
        def call(self, statement, params):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                return original(self, statement, params)
            finally:
                record(statement.compiled(self.dialect).sql, time.perf_counter() - started)
        return call

    runner._execute, runner.execute_many = timed(originals[0]), timed(originals[1])  # type: ignore[method-assign]
    commit = app.inline.commit if app.inline is not None else None
    if app.inline is not None:
        def timed_commit() -> None:
            started = time.perf_counter()
            try:
                commit()  # type: ignore[misc]
            finally:
                record("COMMIT (shared write transaction)", time.perf_counter() - started)
        app.inline.commit = timed_commit  # type: ignore[method-assign]
    event.listen(app.engine, "before_cursor_execute", before)
    event.listen(app.engine, "after_cursor_execute", after)
    started = time.perf_counter()
    for i in range(n):
        one(i)
    elapsed = time.perf_counter() - started
    event.remove(app.engine, "before_cursor_execute", before)
    event.remove(app.engine, "after_cursor_execute", after)
    runner._execute, runner.execute_many = originals  # type: ignore[method-assign]
    if commit is not None:
        app.inline.commit = commit  # type: ignore[union-attr, method-assign]
    in_sql = sum(t for _, t in totals.values())
    print(f"{n} requests in {elapsed:.2f}s; {in_sql:.2f}s in SQL ({in_sql / elapsed:.0%}); BEGIN, SAVEPOINT and "
          f"RELEASE run on the driver connection and are not counted")
    print(f"{'us/request':>10} {'calls':>7}  statement")
    for statement, (count, seconds) in sorted(totals.items(), key=lambda kv: -kv[1][1]):
        print(f"{seconds * 1e6 / n:10.0f} {count:7d}  {statement[:150]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--op", choices=("create", "get"), default="create")
    parser.add_argument("-n", type=int, default=2000, help="requests timed, and again profiled (2000)")
    parser.add_argument("--sort", default="tottime", help="pstats sort key for the first table (tottime)")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sql", action="store_true",
                        help="instead of cProfile, time each SQL statement (by text) over the N requests")
    parser.add_argument("--out", help="also dump the raw profile here (for snakeviz / pstats)")
    opts = parser.parse_args()

    data = tempfile.mkdtemp(prefix="oib-profile-")
    app = ImageBuilderApp(Settings(data_dir=data, log_level="warning"))
    if app.checkpointer is not None:
        app.checkpointer.start()
    if app.inline is not None:
        app.inline.on_open = lambda: None  # no event loop here: call() commits
    infra = call(app, "PUT", "/CreateInfrastructureConfiguration",
                 {"name": "prof-infra", "instanceProfileName": "p", "clientToken": "t-infra"})
    recipe = call(app, "PUT", "/CreateImageRecipe", {
        "name": "prof-recipe", "semanticVersion": "1.0.0",
        "parentImage": "arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2-x86/x.x.x",
        "components": [{"componentArn": "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x"}],
        "clientToken": "t-recipe"})
    counter = 0

    def create() -> str:
        nonlocal counter
        counter += 1
        return call(app, "PUT", "/CreateImagePipeline", {
            "name": f"prof-{counter}", "imageRecipeArn": recipe["imageRecipeArn"],
            "infrastructureConfigurationArn": infra["infrastructureConfigurationArn"],
            "clientToken": f"token-{counter}"})["imagePipelineArn"]

    arns = [create() for _ in range(200)]  # warm-up (and pipelines to get)
    queries = [b"imagePipelineArn=" + urllib.parse.quote(arn, safe="-_.~").encode() for arn in arns]

    def one(i: int) -> None:
        if opts.op == "create":
            create()
        else:
            call(app, "GET", "/GetImagePipeline", query=queries[i % len(queries)])

    started, cpu_started = time.perf_counter(), time.process_time()
    for i in range(opts.n):
        one(i)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(f"{opts.op}: {opts.n} calls of Dispatcher.handle in {elapsed:.2f}s = "
          f"{elapsed * 1e6 / opts.n:.0f} us/call wall, {cpu * 1e6 / opts.n:.0f} us/call CPU "
          f"({opts.n / elapsed:.0f}/s, one thread, no HTTP)")

    if opts.sql:
        sql_timings(app, one, opts.n)
        app.close()
        return 0

    profile = cProfile.Profile()
    profile.enable()
    for i in range(opts.n):
        one(i)
    profile.disable()
    app.close()
    if opts.out:
        profile.dump_stats(opts.out)
    for sort in (opts.sort, "cumulative"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).strip_dirs().sort_stats(sort).print_stats(opts.top)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
