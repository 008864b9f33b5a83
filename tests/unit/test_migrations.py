"""Migrations on stores that hold data: a store written by an earlier version keeps every
resource, reference and client token, on SQLite and PostgreSQL, and ends with the schema that
store/tables.py declares."""
from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from openimagebuilder.store.database import _MIGRATIONS, create_store_engine, migrate, transaction
from openimagebuilder.store.tables import metadata

from ..conftest import scratch_database

ACCOUNT, REGION = "123456789012", "us-east-1"
PREFIX = f"arn:aws:imagebuilder:{REGION}:{ACCOUNT}"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        engine = create_store_engine(f"sqlite:///{tmp_path / 'oib.db'}")
        yield engine
        engine.dispose()
        return
    with scratch_database() as url:
        engine = create_store_engine(url)
        yield engine
        engine.dispose()


def _upgrade_to(engine: Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _resource_row(index: int, name: str, kind: str = "image-pipeline") -> dict:
    arn = f"{PREFIX}:{kind}/{name}"
    return {"id": index, "account_id": ACCOUNT, "region": REGION, "kind": kind, "subtype": "", "name_id": name,
            "version": "", "build": 0, "sort_key": name, "arn": arn, "identity": arn,
            "date_created": "2026-01-01T00:00:00.000Z", "document": f'{{"arn": "{arn}"}}'}


def _store_as_of_0005(engine: Engine) -> None:
    """What version 0005 wrote: three pipelines referring to a recipe and an infrastructure
    configuration (references inserted out of source order), and two client tokens."""
    _upgrade_to(engine, "0005")
    rows = [_resource_row(1, "recipe", "image-recipe"), _resource_row(2, "infra", "infrastructure-configuration")]
    rows += [_resource_row(3 + n, f"pipeline-{n}") for n in range(3)]
    references = []
    for target in ("image-recipe", "infrastructure-configuration"):
        for n in range(3):
            references.append({"account_id": ACCOUNT, "region": REGION, "source_arn": f"{PREFIX}:image-pipeline/pipeline-{n}",
                               "target_kind": target, "target_subtype": "", "target_owner": ACCOUNT,
                               "target_name_id": "recipe" if target == "image-recipe" else "infra",
                               "target_version": "1.0.0" if target == "image-recipe" else "",
                               "target_build": None})
    tokens = [{"account_id": ACCOUNT, "region": REGION, "operation": "CreateImagePipeline", "token": f"token-{n}",
               "fingerprint": "f" * 64, "response": '{"imagePipelineArn": "x"}' if n else None,
               "date_created": "2026-01-01T00:00:00.000Z"} for n in range(2)]
    with engine.begin() as connection:
        for table, values in (("resources", rows), ("resource_references", references), ("client_tokens", tokens)):
            columns = list(values[0])
            connection.execute(text(f"INSERT INTO {table} ({', '.join(columns)}) "
                                    f"VALUES ({', '.join(':' + c for c in columns)})"), values)


def test_0006_keeps_every_row_and_numbers_references_in_their_order(engine: Engine) -> None:
    _store_as_of_0005(engine)
    migrate(engine)
    with transaction(engine, write=False) as connection:
        resources = connection.execute(text("SELECT id, arn, document FROM resources ORDER BY id")).all()
        references = connection.execute(text(
            "SELECT source_arn, position, target_kind FROM resource_references ORDER BY source_arn, position")).all()
        tokens = connection.execute(text(
            "SELECT token, fingerprint, response FROM client_tokens ORDER BY token")).all()
    assert [row.id for row in resources] == [1, 2, 3, 4, 5]
    assert resources[0].document == f'{{"arn": "{PREFIX}:image-recipe/recipe"}}'
    assert [(row.source_arn.rsplit("/", 1)[1], row.position, row.target_kind) for row in references] == [
        (f"pipeline-{n}", position, target) for n in range(3)
        for position, target in enumerate(("image-recipe", "infrastructure-configuration"))]
    assert [(row.token, row.response) for row in tokens] == [("token-0", None), ("token-1", '{"imagePipelineArn": "x"}')]


def test_0006_ends_with_the_declared_schema(engine: Engine) -> None:
    _store_as_of_0005(engine)
    migrate(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []
    columns = {column["name"] for column in inspect(engine).get_columns("resources")}
    assert "identity" not in columns
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            sql = dict(connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all())
        assert "WITHOUT ROWID" in sql["resource_references"] and "WITHOUT ROWID" in sql["client_tokens"]
        # Foreign keys are back on after the migration, and still cascade from the rebuilt table.
        with transaction(engine, write=True) as connection:
            connection.execute(text("DELETE FROM resources WHERE arn = :arn"),
                               {"arn": f"{PREFIX}:image-pipeline/pipeline-0"})
            left = connection.execute(text("SELECT count(*) FROM resource_references")).scalar()
        assert left == 4


def test_a_fresh_store_has_the_declared_schema(engine: Engine) -> None:
    migrate(engine)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []


def test_0006_goes_back_to_0005_and_forward_again_keeping_every_row(engine: Engine) -> None:
    _store_as_of_0005(engine)
    migrate(engine)
    migrate(engine, "0005")
    with transaction(engine, write=False) as connection:
        resources = connection.execute(text("SELECT arn, identity FROM resources ORDER BY id")).all()
        references = connection.execute(text(
            "SELECT source_arn, target_kind FROM resource_references ORDER BY id")).all()
        tokens = connection.execute(text("SELECT token, response FROM client_tokens ORDER BY id")).all()
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert revision == "0005"
    assert len(resources) == 5 and all(row.identity == row.arn for row in resources)
    if engine.dialect.name == "sqlite":  # rebuilt in (source, position) order
        assert [(row.source_arn.rsplit("/", 1)[1], row.target_kind) for row in references] == [
            (f"pipeline-{n}", target) for n in range(3) for target in ("image-recipe", "infrastructure-configuration")]
    assert len(references) == 6 and [row.token for row in tokens] == ["token-0", "token-1"]
    with transaction(engine, write=True) as connection:  # 0005's writes work: ids are generated
        connection.execute(text("INSERT INTO client_tokens (account_id, region, operation, token, fingerprint, "
                                "date_created) VALUES ('1', 'r', 'o', 't', 'f', 'd')"))
    migrate(engine)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
        assert connection.execute(text("SELECT count(*) FROM resource_references")).scalar() == 6


def test_0011_widens_grantees_keeping_the_grants(engine: Engine) -> None:
    _upgrade_to(engine, "0010")
    row = _resource_row(1, "shared", "component")
    grant = {"arn": row["arn"], "grantee": "444455556666", "account_id": ACCOUNT, "region": REGION,
             "kind": "component", "name_id": "shared"}
    with engine.begin() as connection:
        row.pop("identity")
        connection.execute(text(f"INSERT INTO resources ({', '.join(row)}) VALUES ({', '.join(':' + c for c in row)})"),
                           row)
        connection.execute(text("INSERT INTO resource_grants VALUES (:arn, :grantee, :account_id, :region, :kind, "
                                ":name_id)"), grant)
    migrate(engine)
    unit = {**grant, "grantee": "ou-" + "a" * 32 + "-" + "b" * 32}  # the longest OU id: 68 characters
    with transaction(engine, write=True) as connection:
        connection.execute(text("INSERT INTO resource_grants VALUES (:arn, :grantee, :account_id, :region, :kind, "
                                ":name_id)"), unit)
        grantees = sorted(connection.execute(text("SELECT grantee FROM resource_grants")).scalars())
    assert grantees == sorted(["444455556666", unit["grantee"]])
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
        if engine.dialect.name == "sqlite":
            sql = connection.execute(text("SELECT sql FROM sqlite_master WHERE name = 'resource_grants'")).scalar()
            assert "WITHOUT ROWID" in sql
    # The grants go with their resource, as before.
    with transaction(engine, write=True) as connection:
        connection.execute(text("DELETE FROM resources WHERE arn = :arn"), {"arn": row["arn"]})
        assert connection.execute(text("SELECT count(*) FROM resource_grants")).scalar() == 0


def test_0012_fills_the_filter_values_of_stored_resources(engine: Engine) -> None:
    _upgrade_to(engine, "0011")
    pipeline = _resource_row(1, "pipeline")
    pipeline["document"] = f'{{"arn": "{pipeline["arn"]}", "status": "DISABLED", "description": "nightly"}}'
    component = {**_resource_row(2, "tools", "component"), "version": "1.0.0", "build": 1,
                 "arn": f"{PREFIX}:component/tools/1.0.0/1", "sort_key": "tools/1"}
    component["document"] = '{"version": "1.0.0", "platform": "Linux", "supportedOsVersions": ["RHEL 9", "Ubuntu 22"]}'
    infrastructure = _resource_row(3, "infra", "infrastructure-configuration")  # no filter but name: nothing kept
    with engine.begin() as connection:
        for row in (pipeline, component, infrastructure):
            row.pop("identity")
            connection.execute(text(f"INSERT INTO resources ({', '.join(row)}) VALUES "
                                    f"({', '.join(':' + c for c in row)})"), row)
    migrate(engine)
    with transaction(engine, write=False) as connection:
        kept = connection.execute(text("SELECT resource_id, kind, field, value, sort_key FROM resource_filter_values "
                                       "ORDER BY resource_id, field, value")).all()
    assert [tuple(row) for row in kept] == [
        (1, "image-pipeline", "description", "nightly", "pipeline"), (1, "image-pipeline", "status", "DISABLED", "pipeline"),
        (2, "component", "platform", "Linux", "tools/1"), (2, "component", "status", "ACTIVE", "tools/1"),
        (2, "component", "supportedOsVersion", "RHEL 9", "tools/1"),
        (2, "component", "supportedOsVersion", "Ubuntu 22", "tools/1"),
        (2, "component", "version", "1.0.0", "tools/1"), (2, "component", "version", "1.0.x", "tools/1"),
        (2, "component", "version", "1.x.x", "tools/1")]
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
    # The values go with their resource; and back to 0011 the table is gone.
    with transaction(engine, write=True) as connection:
        connection.execute(text("DELETE FROM resources WHERE id = 2"))
        assert connection.execute(text("SELECT count(*) FROM resource_filter_values")).scalar() == 2
    migrate(engine, "0011")
    assert "resource_filter_values" not in inspect(engine).get_table_names()


def test_0013_adds_the_api_servers_table_and_goes_back_without_it(engine: Engine) -> None:
    _upgrade_to(engine, "0012")
    assert "api_servers" not in inspect(engine).get_table_names()
    migrate(engine)
    with transaction(engine, write=True) as connection:
        connection.execute(text("INSERT INTO api_servers (server_id, heartbeat_at) VALUES ('host-1-abc', 100.5)"))
        assert connection.execute(text("SELECT heartbeat_at FROM api_servers")).scalar() == 100.5
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
    migrate(engine, "0012")
    assert "api_servers" not in inspect(engine).get_table_names()
    migrate(engine)
    assert "api_servers" in inspect(engine).get_table_names()


def test_processes_starting_together_on_a_new_store_migrate_it_once(engine: Engine) -> None:
    # `oib serve` and its workers started at once on a new database: each migrates at start.
    url = engine.url.render_as_string(hide_password=False)
    engines = [create_store_engine(url) for _ in range(4)]
    failures: list[BaseException] = []

    def start(each: Engine) -> None:
        try:
            migrate(each)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=start, args=(each,)) for each in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for each in engines:
        each.dispose()
    assert failures == []
    with engine.connect() as connection:
        assert not compare_metadata(MigrationContext.configure(connection), metadata)
