"""The service's own Jinja2 templates, one environment per language.

Each environment has that language's gettext catalog installed (Jinja2's i18n extension), is
made once and kept: a page or a built-in email never parses a catalog or a template again.
"""

from __future__ import annotations

import functools

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from service import templates_dir
from service.i18n.catalogs import translations


def isolated(text: str) -> Markup:
    """A name set apart from the sentence's direction (``<bdi>``): a study called "Sleep &
    Mood" stays in one piece inside an Arabic sentence. Escaped, as every value."""
    return Markup("<bdi>{}</bdi>").format(text)


@functools.cache
def environment(language: str) -> Environment:
    """The templates' environment for ``language``, with its catalog installed."""
    env = Environment(
        loader=FileSystemLoader(templates_dir()),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    # Line breaks and indentation inside {% trans %} are not part of the message (babel.cfg
    # extracts with the same policy).
    env.policies["ext.i18n.trimmed"] = True
    env.filters["isolated"] = isolated
    # newstyle: gettext itself fills %(name)s and escapes the values, so a translation can
    # neither leave a value out silently nor let one through unescaped.
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    return env
