"""The embedded store's directory and files are private (0700 and 0600) whatever the umask: they
hold every document, client token, credential and the pagination-signing secret."""
from __future__ import annotations

import os
import stat

from sqlalchemy import text

from openimagebuilder.store.database import create_store_engine, migrate, sqlite_url


def mode(path) -> int:  # type: ignore[no-untyped-def]
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_data_dir_and_its_database_files_are_private(tmp_path):
    previous = os.umask(0o022)
    try:
        data_dir = tmp_path / "data"
        engine = create_store_engine(sqlite_url(data_dir))
        migrate(engine)
        with engine.connect() as connection:  # kept open: the -wal and -shm files exist meanwhile
            connection.execute(text("CREATE TABLE probe (x INTEGER)"))
            connection.commit()
            files = sorted(path.name for path in data_dir.iterdir())
            assert files == ["oib.db", "oib.db-shm", "oib.db-wal"]
            assert mode(data_dir) == 0o700
            assert {name: mode(data_dir / name) for name in files} == dict.fromkeys(files, 0o600)
        engine.dispose()
    finally:
        os.umask(previous)


def test_an_existing_readable_database_is_made_private(tmp_path):
    database = tmp_path / "oib.db"
    database.touch()
    database.chmod(0o644)
    sqlite_url(tmp_path)
    assert mode(database) == 0o600
