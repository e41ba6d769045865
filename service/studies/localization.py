"""Which language, and which template, an email of a study goes out in.

Wanted languages come in order (the participant's stored ones, then those of the request that
asked for the email), and the study's ``defaultLanguage`` closes the list. The first one with a
template wins, each tried with its truncations (``de-CH``, then ``de``): RFC 4647 lookup.

A study without a template of its own for an email uses the built-in one, which exists in
every shipped language; the study's localized templates still come first. A study with its own
default-language template speaks only the languages it wrote templates for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from service.i18n.catalogs import page_language, shipped
from service.i18n.tags import choose
from service.studies.model import Study
from service.studies.templates import EmailTemplate


@dataclass(frozen=True)
class Localized:
    """The language an email goes out in, and the study's template for it (None: the
    built-in one, in ``language``, which is then a shipped language)."""

    language: str
    template: EmailTemplate | None


def _localized(
    default_language: str,
    default_template: EmailTemplate | None,
    templates: Mapping[str, EmailTemplate],
    wanted: Iterable[str],
) -> Localized:
    available = {default_language, *templates}
    if default_template is None:
        available |= shipped()
    language = choose([*wanted, default_language], available) or default_language
    if language in templates:
        return Localized(language, templates[language])
    if language == default_language and default_template is not None:
        return Localized(language, default_template)
    # The built-in email: its text exists only in the shipped languages.
    return Localized(page_language((language,)), None)


def sign_in_email(study: Study, wanted: Iterable[str]) -> Localized:
    return _localized(
        study.default_language,
        study.email_sign_in_template,
        study.localized_email_sign_in_templates,
        wanted,
    )


def onboarding_email(study: Study, wanted: Iterable[str]) -> Localized:
    return _localized(
        study.default_language,
        study.onboarding_template,
        study.localized_onboarding_templates,
        wanted,
    )
