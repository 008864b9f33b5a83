"""The API processes sharing a store: each renews its row (`api_servers`) with a heartbeat, and the
rows renewed within the timeout are the live servers (server/rate_share.py divides the rate
limit by their number). Times are epoch seconds from each server's own clock, as build leases are:
the hosts' clocks must agree to well within the timeout."""
from __future__ import annotations

from sqlalchemy import Connection, delete, func, select

from .database import dialect_insert
from .tables import api_servers


def heartbeat(connection: Connection, server_id: str, now: float, timeout: float) -> int:
    """Records that `server_id` is live at `now`, forgets the servers silent for more than
    `timeout` seconds (killed, or cut off from the store), and answers how many are live, this
    one included."""
    upsert = dialect_insert(connection, api_servers).values(server_id=server_id, heartbeat_at=now)
    connection.execute(upsert.on_conflict_do_update(index_elements=[api_servers.c.server_id],
                                                    set_={"heartbeat_at": now}))
    connection.execute(delete(api_servers).where(api_servers.c.heartbeat_at < now - timeout))
    return int(connection.scalar(select(func.count()).select_from(api_servers)) or 1)


def leave(connection: Connection, server_id: str) -> None:
    """A server stopping cleanly: the others stop counting it at their next heartbeat."""
    connection.execute(delete(api_servers).where(api_servers.c.server_id == server_id))


def registered_servers(connection: Connection) -> list[str]:
    """The ids of the servers with a row, live or not yet forgotten (for tests and diagnosis)."""
    return sorted(connection.scalars(select(api_servers.c.server_id)))
