"""List filters narrowed in the store by the values it keeps per resource, on SQLite and PostgreSQL:
a narrowed scan keeps exactly what a full scan and the filter keep, the kept values follow every
write of a document, and a filter that matches nothing reads no resource."""
from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from openimagebuilder.api.common import filter_predicate, narrowing
from openimagebuilder.api.components import FILTERS as COMPONENT_FILTERS
from openimagebuilder.api.images import IMAGE_FILTERS, VERSION_MATCHER
from openimagebuilder.api.pipelines import FILTERS as PIPELINE_FILTERS
from openimagebuilder.api.versioned import version_matcher
from openimagebuilder.domain.semver import parse_version, sort_key
from openimagebuilder.store.database import transaction
from openimagebuilder.store.repository import Repository, Resource

from ..conftest import migrated_store

ACCOUNT, REGION = "123456789012", "us-east-1"
PREFIX = f"arn:aws:imagebuilder:{REGION}:{ACCOUNT}"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    with migrated_store(request.param, tmp_path) as engine:
        yield engine


def _pipeline(number: int, **document: Any) -> Resource:
    name = f"pipeline-{number:02d}"
    arn = f"{PREFIX}:image-pipeline/{name}"
    return Resource("image-pipeline", arn, name, {"arn": arn, "name": name, **document}, "2026-01-01T00:00:00.000Z")


def _image(name: str, version: str, build: int, **document: Any) -> Resource:
    arn = f"{PREFIX}:image/{name}/{version}/{build}"
    return Resource("image", arn, name, {"arn": arn, "name": name, "version": version, **document},
                    "2026-01-01T00:00:00.000Z", version=version, build=build,
                    sort_key=sort_key(name, parse_version(version), build))


def _component(name: str, version: str, build: int, **document: Any) -> Resource:
    arn = f"{PREFIX}:component/{name}/{version}/{build}"
    return Resource("component", arn, name, {"arn": arn, "name": name, "version": version, **document},
                    "2026-01-01T00:00:00.000Z", version=version, build=build,
                    sort_key=sort_key(name, parse_version(version), build))


RECIPE = f"{PREFIX}:image-recipe/recipe/1.0.0"
PIPELINES = [_pipeline(n, status="ENABLED" if n % 3 else "DISABLED", description=["nightly", "weekly", None][n % 3],
                       imageRecipeArn=RECIPE if n % 2 else f"{PREFIX}:image-recipe/other/1.0.0",
                       infrastructureConfigurationArn=f"{PREFIX}:infrastructure-configuration/infra-{n % 4}")
             for n in range(40)]
IMAGES = [_image("web", "1.0.0", 1, platform="Linux", type="AMI", osVersion="Amazon Linux 2"),
          _image("web", "1.0.0", 2, platform="Linux", type="AMI", osVersion="Amazon Linux 2"),
          _image("web", "1.2.0", 1, platform="Windows", type="AMI", osVersion="Microsoft Windows Server 2022"),
          _image("web", "2019.12.03", 1, platform="Linux", type="DOCKER", osVersion="Ubuntu 22"),
          _image("db", "2.0.0", 1, platform="Linux", type="AMI", osVersion="Amazon Linux 2023",
                 sourcePipelineArn=f"{PREFIX}:image-pipeline/pipeline-01")]
COMPONENTS = [_component("tools", "1.0.0", 1, platform="Linux", type="BUILD", supportedOsVersions=["Ubuntu 22", "RHEL 9"]),
              _component("tools", "1.1.0", 1, platform="Linux", type="TEST", state={"status": "DEPRECATED"},
                         productCodes=[{"productCodeId": "code-1", "productCodeType": "marketplace"}]),
              _component("lint", "3.0.0", 1, platform="Windows", type="BUILD", description="A " * 300)]

PIPELINE_FILTERS_TRIED = [
    [{"name": "status", "values": ["DISABLED"]}],
    [{"name": "status", "values": ["ENABLED", "DISABLED"]}],
    [{"name": "status", "values": ["enabled"]}],  # case-sensitive: nothing
    [{"name": "description", "values": ["nightly"]}],
    [{"name": "description", "values": ["nightly"]}, {"name": "status", "values": ["DISABLED"]}],
    [{"name": "description", "values": ["weekly"]}, {"name": "status", "values": ["DISABLED"]}],  # disjoint
    [{"name": "imageRecipeArn", "values": [RECIPE]}, {"name": "name", "values": ["pipeline-1*"]}],
    [{"name": "infrastructureConfigurationArn", "values": [f"{PREFIX}:infrastructure-configuration/infra-3"]}],
    [{"name": "distributionConfigurationArn", "values": ["arn:nothing"]}],
]
IMAGE_FILTERS_TRIED = [
    [{"name": "platform", "values": ["Windows"]}],
    [{"name": "platform", "values": ["macOS"]}],
    [{"name": "type", "values": ["DOCKER", "AMI"]}, {"name": "osVersion", "values": ["Amazon Linux 2"]}],
    [{"name": "version", "values": ["1.0.0"]}],
    [{"name": "version", "values": ["1.x.x"]}],
    [{"name": "version", "values": ["1.2.x", "2.0.0"]}],
    [{"name": "version", "values": ["1.0.0/2"]}],
    [{"name": "version", "values": ["2019.12.3"]}],
    [{"name": "version", "values": ["2019.x.x"]}, {"name": "platform", "values": ["Linux"]}],
    [{"name": "version", "values": ["x.x.x"]}],
    [{"name": "version", "values": ["3.x.x"]}],
]
COMPONENT_FILTERS_TRIED = [
    [{"name": "supportedOsVersion", "values": ["RHEL 9"]}],
    [{"name": "status", "values": ["ACTIVE"]}],
    [{"name": "status", "values": ["DEPRECATED"]}, {"name": "type", "values": ["TEST"]}],
    [{"name": "productCodes", "values": ["code-1"]}],
    [{"name": "description", "values": ["A " * 300]}],  # longer than the store keeps
    [{"name": "description", "values": ["A " * 150]}],  # the same first 200 characters: nothing
    [{"name": "platform", "values": ["Windows"]}, {"name": "version", "values": ["3.0.x"]}],
]


def _stored(engine: Engine, *items: Resource) -> None:
    with transaction(engine, write=True) as connection:
        repo = Repository(connection, ACCOUNT, REGION)
        for item in items:
            repo.insert(Resource(item.kind, item.arn, item.name_id, dict(item.document), item.date_created,
                                 version=item.version, build=item.build, sort_key=item.sort_key))


def _arns(engine: Engine, kind: str, params: dict[str, Any] | None = None, chunked: bool = False) -> list[str]:
    with transaction(engine, write=False) as connection:
        repo = Repository(connection, ACCOUNT, REGION)
        narrowed = narrowing(kind, params) if params is not None else None
        if not chunked:
            return [resource.arn for resource in repo.scan(kind, narrowing=narrowed)]
        found: list[str] = []  # page by page, resuming after the last one, as pagination does
        after = None
        while True:
            page = list(itertools.islice(repo.scan(kind, after, narrowing=narrowed), 3))
            found += [resource.arn for resource in page]
            if len(page) < 3:
                return found
            after = (page[-1].sort_key, page[-1].id)


@pytest.mark.parametrize(("kind", "items", "fields", "matchers", "tried"), [
    ("image-pipeline", PIPELINES, PIPELINE_FILTERS, {}, PIPELINE_FILTERS_TRIED),
    ("image", IMAGES, IMAGE_FILTERS, VERSION_MATCHER, IMAGE_FILTERS_TRIED),
    ("component", COMPONENTS, COMPONENT_FILTERS, {"version": version_matcher}, COMPONENT_FILTERS_TRIED),
], ids=["pipelines", "images", "components"])
def test_a_narrowed_scan_keeps_what_the_filter_keeps(engine: Engine, kind: str, items: list[Resource], fields: Any,
                                                     matchers: Any, tried: list[list[dict[str, Any]]]) -> None:
    _stored(engine, *items)
    with transaction(engine, write=False) as connection:
        everything = list(Repository(connection, ACCOUNT, REGION).scan(kind))
    for filters in tried:
        keep = filter_predicate({"filters": filters}, fields, matchers)
        expected = [resource.arn for resource in everything if keep(resource)]
        for chunked in (False, True):
            narrowed = [arn for arn in _arns(engine, kind, {"filters": filters}, chunked)
                        if keep(next(resource for resource in everything if resource.arn == arn))]
            assert narrowed == expected, filters


def test_kept_values_follow_updates_and_deletes(engine: Engine) -> None:
    _stored(engine, *PIPELINES[:6])
    disabled = {"filters": [{"name": "status", "values": ["DISABLED"]}]}
    assert _arns(engine, "image-pipeline", disabled) == [PIPELINES[0].arn, PIPELINES[3].arn]
    with transaction(engine, write=True) as connection:
        repo = Repository(connection, ACCOUNT, REGION)
        # Read for update, rewritten with its values as they were (progress, tags), then changed.
        pipeline = repo.get(PIPELINES[1].arn, for_update=True)
        assert pipeline is not None
        repo.replace_document(pipeline.arn, {**pipeline.document, "tags": {"a": "b"}})
        repo.replace_document(pipeline.arn, {**pipeline.document, "status": "DISABLED"})
        # Rewritten without being read first.
        repo.replace_document(PIPELINES[3].arn, {**PIPELINES[3].document, "status": "ENABLED"})
        repo.delete(PIPELINES[0].arn)
    assert _arns(engine, "image-pipeline", disabled) == [PIPELINES[1].arn]
    with transaction(engine, write=False) as connection:
        kept = connection.execute(text(
            "SELECT r.arn, v.field, v.value FROM resource_filter_values v JOIN resources r ON r.id = v.resource_id "
            "WHERE r.arn = :arn ORDER BY v.field"), {"arn": PIPELINES[1].arn}).all()
        orphans = connection.execute(text(
            "SELECT count(*) FROM resource_filter_values WHERE resource_id NOT IN (SELECT id FROM resources)")).scalar()
    assert [(row.field, row.value) for row in kept] == [
        ("description", "weekly"), ("imageRecipeArn", RECIPE),
        ("infrastructureConfigurationArn", f"{PREFIX}:infrastructure-configuration/infra-1"), ("status", "DISABLED")]
    assert orphans == 0


def test_a_filter_matching_nothing_reads_no_resource(engine: Engine) -> None:
    _stored(engine, *PIPELINES)
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        for filters in ([{"name": "status", "values": ["PAUSED"]}],
                        [{"name": "status", "values": ["ENABLED"]}, {"name": "description", "values": ["monthly"]}]):
            statements.clear()
            assert _arns(engine, "image-pipeline", {"filters": filters}) == []
            # Only the filter values' key is read: no statement selects from resources.
            assert statements and not [sql for sql in statements if "FROM resources" in sql], statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
