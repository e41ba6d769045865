"""Every string a participant reads is translated in every shipped catalog, placeholders kept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from service.i18n.catalogs import LOCALE_DIR, SOURCE_LANGUAGE, shipped, translations

ROOT = Path(__file__).resolve().parents[2]
# %(name)s filled by Jinja2's gettext, ${name} by the email substitution.
_PLACEHOLDER = re.compile(r"%\([A-Za-z_]+\)s|\$\{[A-Za-z][A-Za-z0-9_]*\}")
_TAG = re.compile(r"</?[a-z]+")
REQUIRED = {"en", "de", "es", "fr", "pt", "ar"}


def _extracted() -> set[str]:
    """The msgids in the sources now, extracted as `make messages` does (babel.cfg)."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    return {
        message[2]
        for message in extract_from_dir(str(ROOT), method_map, options_map)
        if isinstance(message[2], str)
    }


EXTRACTED = _extracted()
LANGUAGES = sorted(shipped() - {SOURCE_LANGUAGE})


def test_the_required_languages_are_shipped() -> None:
    assert shipped() >= REQUIRED
    assert len(EXTRACTED) > 30  # the extraction found the templates' strings


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_has_a_reviewed_translation(language: str) -> None:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as source:
        catalog = read_po(source)
    missing = sorted(
        msgid
        for msgid in EXTRACTED
        if (found := catalog.get(msgid)) is None or not found.string or found.fuzzy
    )
    assert not missing, f"{path}: run `make messages` and translate: {missing}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder_and_tag(language: str) -> None:
    catalog = translations(language)
    for msgid in EXTRACTED:
        translated = catalog.gettext(msgid)
        assert translated != msgid or not msgid.strip(), f"{language}: {msgid!r} untranslated"
        assert sorted(_PLACEHOLDER.findall(translated)) == sorted(_PLACEHOLDER.findall(msgid)), (
            f"{language}: {translated!r} changed the placeholders of {msgid!r}"
        )
        assert sorted(_TAG.findall(translated)) == sorted(_TAG.findall(msgid)), (
            f"{language}: {translated!r} changed the markup of {msgid!r}"
        )


def test_catalogs_are_loaded_once_per_language() -> None:
    assert translations("de") is translations("de")
    assert translations("de").gettext("Open the app") == "App öffnen"
    assert translations("xx").gettext("Open the app") == "Open the app"
