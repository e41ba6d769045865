"""Rendering the service's own HTML pages (Jinja2, autoescaped, never researcher text as code)."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from service import templates_dir

# The sign-in link carries a token: no referrer leaves the page, nothing is cached, no script
# runs, nobody frames it.
PAGE_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}


class Pages:
    def __init__(self) -> None:
        self._env = Environment(
            loader=FileSystemLoader(templates_dir()),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
        )

    def render(self, name: str, **context: Any) -> str:
        return self._env.get_template(name).render(**context)
