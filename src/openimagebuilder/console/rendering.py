"""Jinja2 templates (autoescaped) and the few filters the pages use."""
from __future__ import annotations

from typing import Any

import yaml
from jinja2 import ChainableUndefined, Environment, PackageLoader

from .api import Principal
from .http import link
from .timeline import parse_time


def when(text: str | None) -> str:
    """An API timestamp as the pages show it: UTC, to the second."""
    moment = parse_time(text)
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment is not None else "—"


def clock(text: str | None) -> str:
    """The time of day alone (the page gives the date elsewhere)."""
    moment = parse_time(text)
    return moment.strftime("%H:%M:%S") if moment is not None else "—"


def seconds(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 10:
        return f"{value:.2f} s"
    if value < 120:
        return f"{value:.0f} s"
    minutes, rest = divmod(int(value), 60)
    return f"{minutes} min {rest} s" if minutes < 120 else f"{minutes // 60} h {minutes % 60} min"


def as_yaml(value: Any) -> str:
    return str(yaml.safe_dump(value, sort_keys=False, default_flow_style=False, allow_unicode=True)).rstrip()


class Renderer:
    def __init__(self) -> None:
        self.environment = Environment(loader=PackageLoader("openimagebuilder.console", "templates"),
                                       autoescape=True, undefined=ChainableUndefined, trim_blocks=True,
                                       lstrip_blocks=True)
        self.environment.filters.update(when=when, clock=clock, seconds=seconds, yaml=as_yaml)
        self.environment.globals.update(link=link)

    def render(self, template: str, title: str, principal: Principal | None, data: dict[str, Any],
               signs_in: bool = False) -> bytes:
        context = {"notice": "", "error": "", "current": "", **data}
        return self.environment.get_template(template).render(
            title=title, principal=principal, signs_in=signs_in, **context).encode()
