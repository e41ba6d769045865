"""The gettext catalogs of participants' pages and emails, loaded once per language.

The catalogs are ``service/locale/<lang>/LC_MESSAGES/messages.po`` (English is the source
language and has none). A compiled ``.mo`` beside a ``.po`` is used when it is at least as new
(``make messages`` writes them); otherwise the ``.po`` is compiled in memory with Babel. So a
checkout, an editable install and a wheel (which carries the ``.po`` files as package data) all
work with no build step to forget, and a stale ``.mo`` is never read.
"""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from service.i18n.tags import choose

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"


@functools.cache
def shipped() -> frozenset[str]:
    """The languages participants can read the service in: the source and every catalog."""
    found = {path.parent.parent.name for path in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    return frozenset({SOURCE_LANGUAGE, *(name.replace("_", "-") for name in found)})


def _po_path(language: str) -> Path:
    return LOCALE_DIR / language.replace("-", "_") / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalog of a shipped language (English and unknown ones: the source text).

    Cached per process: a page or an email never parses a catalog again.
    """
    po = _po_path(language)
    if language == SOURCE_LANGUAGE or not po.is_file():
        return gettext.NullTranslations()
    mo = po.with_suffix(".mo")
    if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as compiled:
            return gettext.GNUTranslations(compiled)
    with po.open("rb") as source:
        catalog = read_po(source, locale=language.replace("-", "_"))
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # fuzzy entries are left out, as msgfmt does
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@functools.cache
def babel_locale(language: str) -> Locale:
    """Babel's locale for a tag (CLDR wording of durations and dates); English if unknown."""
    try:
        return Locale.parse(language, sep="-")
    except (ValueError, UnknownLocaleError):
        return Locale.parse(SOURCE_LANGUAGE)


def direction(language: str) -> str:
    """``rtl`` for right-to-left scripts (Arabic, Hebrew...), else ``ltr``."""
    return "rtl" if babel_locale(language).text_direction == "rtl" else "ltr"


def page_language(wanted: tuple[str, ...]) -> str:
    """The shipped language a page is shown in, for the languages a device asks for."""
    return choose(wanted, shipped()) or SOURCE_LANGUAGE
