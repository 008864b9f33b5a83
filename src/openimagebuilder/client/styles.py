"""How statuses and times look in the client commands' output."""
from __future__ import annotations

from datetime import datetime

from rich.text import Text

_STYLES = {
    "AVAILABLE": "green", "COMPLETED": "green", "ENABLED": "green", "SUCCEEDED": "green",
    "FAILED": "red", "CANCELLED": "red", "DISABLED": "yellow", "SKIPPED": "dim",
    "PENDING": "dim", "RUNNING": "cyan", "BUILDING": "cyan", "TESTING": "cyan", "DISTRIBUTING": "cyan",
    "INTEGRATING": "cyan", "CREATING": "cyan", "WAITING": "yellow",
}


def status_text(status: str) -> Text:
    return Text(status, style=_STYLES.get(status, ""))


def when(value: object) -> str:
    """A service date (ISO-8601 text, or a datetime when boto3 parsed it) as `YYYY-MM-DD HH:MM:SS`."""
    if not value:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    text = str(value)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return text
