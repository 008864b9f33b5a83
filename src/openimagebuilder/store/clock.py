"""A clock that users drive (`oib serve --clock manual`), kept in the store so that every process
on the store reads the same time. It starts at the real time of the first start."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from .database import transaction
from .tables import service_settings

_KEY = "manual_clock"


class StoredClock:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        try:
            with transaction(engine, write=True) as connection:
                exists = connection.scalar(select(service_settings.c.value).where(service_settings.c.key == _KEY))
                if exists is None:
                    connection.execute(insert(service_settings).values(
                        key=_KEY, value=repr(datetime.now(UTC).timestamp())))
        except IntegrityError:
            pass  # another process created it first

    def now(self) -> datetime:
        with transaction(self.engine, write=False) as connection:
            value = connection.scalar(select(service_settings.c.value).where(service_settings.c.key == _KEY))
        return datetime.fromtimestamp(float(value), UTC)

    def set(self, moment: datetime) -> None:
        with transaction(self.engine, write=True) as connection:
            connection.execute(update(service_settings).where(service_settings.c.key == _KEY)
                               .values(value=repr(moment.timestamp())))
