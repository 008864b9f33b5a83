"""A clock that users drive (`oib serve --clock manual`), kept in the store so that every process
on the store reads the same time. It starts at the real time of the first start and only moves
forward.

The clock is read from inside other transactions (a handler's `ctx.now()`, a firing), so reads use
a connection pool of their own: sharing the service's pool, threads that each hold a connection and
wait for a second one to read the clock could exhaust it and stall one another. Moves (never made
inside another transaction) go through the service's engine, so on SQLite they queue with the
process's other writers."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from .database import create_store_engine, transaction
from .tables import service_settings

_KEY = "manual_clock"


class StoredClock:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.reads = create_store_engine(engine.url.render_as_string(hide_password=False), pool_size=4)
        try:
            with transaction(engine, write=True) as connection:
                exists = connection.scalar(select(service_settings.c.value).where(service_settings.c.key == _KEY))
                if exists is None:
                    connection.execute(insert(service_settings).values(
                        key=_KEY, value=repr(datetime.now(UTC).timestamp())))
        except IntegrityError:
            pass  # another process created it first

    def now(self) -> datetime:
        with transaction(self.reads, write=False) as connection:
            value = connection.scalar(select(service_settings.c.value).where(service_settings.c.key == _KEY))
        assert value is not None  # written at start-up
        return datetime.fromtimestamp(float(value), UTC)

    def set(self, moment: datetime) -> None:
        """Moves the clock to `moment` unless it is already later: the clock never goes back, also
        when several processes on the store move it at once."""
        with transaction(self.engine, write=True) as connection:
            current = connection.scalar(select(service_settings.c.value).where(service_settings.c.key == _KEY)
                                        .with_for_update())
            if current is not None and float(current) >= moment.timestamp():
                return
            connection.execute(update(service_settings).where(service_settings.c.key == _KEY)
                               .values(value=repr(moment.timestamp())))

    def close(self) -> None:
        self.reads.dispose()
