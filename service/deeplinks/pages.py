"""Rendering the service's own HTML pages (Jinja2, autoescaped, never researcher text as code).

Participants' pages are translated (``service/i18n/templating.py``); ``lang`` and ``dir`` are
in every page's context, for ``<html>``.
"""

from __future__ import annotations

from typing import Any

from service.i18n.catalogs import SOURCE_LANGUAGE, direction
from service.i18n.templating import environment

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
    def render(self, name: str, **context: Any) -> str:
        """A page in English (the researcher console, the API's docs)."""
        return self.render_in(SOURCE_LANGUAGE, name, **context)

    def render_in(self, language: str, name: str, **context: Any) -> str:
        """A participant's page in ``language`` (a shipped one: see ``page_language``)."""
        template = environment(language).get_template(name)
        return template.render(lang=language, dir=direction(language), **context)
