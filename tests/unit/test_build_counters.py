"""Build-number counters (store/executions.next_number) when two transactions create the same
counter at once, as two schedulers on one PostgreSQL firing two pipelines of one recipe version do:
the second waits for the first and takes the next number, instead of failing on the counter's
primary key (which lost that run as FAILED_TO_START)."""
from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from openimagebuilder.store.database import transaction
from openimagebuilder.store.executions import ExecutionRepository
from tests.conftest import migrated_store

ACCOUNT, REGION, KEY = "123456789012", "us-east-1", "image/recipe/1.0.0"


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    with migrated_store(request.param, tmp_path) as engine:
        yield engine


def test_racing_creators_of_a_counter_both_get_a_number(database):
    if database.dialect.name == "sqlite":
        pytest.skip("SQLite serializes writers: the race needs two concurrent write transactions")
    numbers: list[int] = []
    failures: list[BaseException] = []

    def second() -> None:
        try:
            with transaction(database, write=True) as connection:
                numbers.append(ExecutionRepository(connection, ACCOUNT, REGION).next_number(KEY))
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)

    with transaction(database, write=True) as connection:
        assert ExecutionRepository(connection, ACCOUNT, REGION).next_number(KEY) == 1
        racer = threading.Thread(target=second)
        racer.start()
        racer.join(0.5)  # the second creator now waits on this transaction's new row
    racer.join(10)
    assert failures == [] and numbers == [2]


def test_numbers_count_up_per_key(database):
    with transaction(database, write=True) as connection:
        counters = ExecutionRepository(connection, ACCOUNT, REGION)
        assert [counters.next_number(KEY) for _ in range(3)] == [1, 2, 3]
        assert counters.next_number("image/other/1.0.0") == 1
