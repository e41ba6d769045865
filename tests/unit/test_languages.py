"""Language tags, choosing an email's language, and durations worded in it."""

from __future__ import annotations

import pytest

from service.api.accept_language import languages, tags
from service.i18n.catalogs import direction, page_language
from service.i18n.tags import canonical, choose, tag_problem
from service.studies.durations import human_period
from service.studies.localization import sign_in_email
from service.studies.model import Study, stored_study
from service.studies.templates import EmailTemplate

GERMAN = EmailTemplate("Ihr Link", "${url}")
SPANISH = EmailTemplate("Tu enlace", "${url}")
ENGLISH = EmailTemplate("Your link", "${url}")


@pytest.mark.parametrize(
    ("written", "expected"),
    [("de", "de"), ("DE-ch", "de-CH"), ("zh-hant-tw", "zh-Hant-TW"), ("es-419", "es-419")],
)
def test_canonical_tags(written: str, expected: str) -> None:
    assert canonical(written) == expected


@pytest.mark.parametrize("value", ["", "english", "de_DE", "d", "de-", 3, None, "de-CH-x"])
def test_tags_that_are_refused(value: object) -> None:
    assert tag_problem(value, "defaultLanguage") is not None


def test_lookup_falls_back_to_the_language_before_the_next_wanted_one() -> None:
    assert choose(["de-CH", "es"], {"de", "es"}) == "de"
    assert choose(["fr", "ES-mx"], {"de", "es"}) == "es"
    assert choose(["fr", "garbage!"], {"de", "es"}) is None


def test_the_accept_language_header_gives_tags_and_bridge_languages() -> None:
    header = "es-MX,es;q=0.9,en;q=0.5,*;q=0.1"
    assert tags(header) == ("es-MX", "es", "en")
    assert languages(header) == ("es", "en")


def _study(**fields: object) -> Study:
    defaults: dict[str, object] = {
        "identifier": "s",
        "name": "S",
        "email_sign_in_template": ENGLISH,
        "localized_email_sign_in_templates": {"de": GERMAN, "es": SPANISH},
    }
    return Study(**{**defaults, **fields})  # type: ignore[arg-type]


def test_the_first_wanted_language_with_a_template_wins() -> None:
    study = _study()
    assert sign_in_email(study, ["fr", "es-MX", "de"]).template == SPANISH
    assert sign_in_email(study, ["de-CH"]).language == "de"
    chosen = sign_in_email(study, ["fr"])
    assert (chosen.language, chosen.template) == ("en", ENGLISH)


def test_without_a_template_of_its_own_the_built_in_email_speaks_every_shipped_language() -> None:
    study = _study(email_sign_in_template=None)
    assert sign_in_email(study, ["fr-CA"]).language == "fr"
    assert sign_in_email(study, ["fr-CA"]).template is None
    assert sign_in_email(study, ["es"]).template == SPANISH  # the study's own comes first
    assert sign_in_email(study, ["ja"]).language == "en"


@pytest.mark.parametrize(
    ("seconds", "language", "expected"),
    [
        (3600, "de", "1 Stunde"),
        (900, "es", "15 minutos"),
        (5400, "fr", "90 minutes"),
        (7200, "pt", "2 horas"),
        (86400, "de-CH", "1 Tag"),
        (3600, "xx", "1 hour"),
    ],
)
def test_periods_are_worded_in_the_email_s_language(
    seconds: int, language: str, expected: str
) -> None:
    assert human_period(seconds, language) == expected


def test_pages_pick_a_shipped_language_and_its_direction() -> None:
    assert page_language(("es-MX", "en")) == "es"
    assert page_language(("ja",)) == "en"
    assert direction("ar") == "rtl"
    assert direction("he") == "rtl"
    assert direction("de") == "ltr"


def test_a_study_stored_before_languages_existed_is_read_with_the_defaults() -> None:
    old = {"identifier": "s", "name": "S", "emailSignInEnabled": True, "version": 3}
    study = stored_study(old)
    assert study.default_language == "en"
    assert study.localized_email_sign_in_templates == {}
    assert study.localized_onboarding_templates == {}


def test_the_stored_form_keeps_the_languages() -> None:
    study = _study(default_language="de", localized_onboarding_templates={"es": SPANISH})
    again = stored_study(study.to_json())
    assert again.default_language == "de"
    assert again.localized_email_sign_in_templates == {"de": GERMAN, "es": SPANISH}
    assert again.localized_onboarding_templates == {"es": SPANISH}
