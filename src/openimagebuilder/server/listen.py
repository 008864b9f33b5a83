"""The listening socket of `oib serve`, taken before anything else starts: a port that is in use
is reported in one line that says how to choose another, and nothing claims to be serving."""
from __future__ import annotations

import errno
import socket


class PortUnavailable(Exception):
    """The address cannot be listened on; the message says why and what to do."""


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to host:port and listening (port 0: one the system picks)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=2048)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            other = port + 1 if 0 < port < 65535 else 4011
            raise PortUnavailable(
                f"port {port} on {host} is already in use (another oib serve?); choose another port: "
                f"make run PORT={other}, oib serve --port {other}, or OIB_PORT={other}") from None
        raise PortUnavailable(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
