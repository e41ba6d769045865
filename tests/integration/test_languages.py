"""A study in English, German and Spanish, end to end: real Redis (and the embedded store), the
real SMTP server, the worker. Each participant gets the email of their language: their stored
languages first, then their request's Accept-Language, then the study's defaultLanguage."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import Api
from tests.support.contract import assert_bridge_error

ENGLISH = {
    "subject": "Your link for ${studyName}",
    "body": "Hello! Sign in: ${url}\nIt expires in ${emailSignInExpirationPeriod}.",
}
GERMAN = {
    "subject": "Ihr Link für ${studyName}",
    "body": "Hallo! Anmelden: ${url}\nDer Link ist ${emailSignInExpirationPeriod} gültig.",
}
SPANISH = {
    "subject": "Tu enlace para ${studyName}",
    "body": "¡Hola! Entra aquí: ${url}\nEl enlace caduca en ${emailSignInExpirationPeriod}.",
}
PASSWORD = "a long enough password 1"


async def _bilingual_study(api: Api, ttl: int = 3600, **fields: Any) -> dict[str, Any]:
    return await api.create_study(
        "study-de-es",
        name="Schlafstudie",
        emailSignInTokenTtlSeconds=ttl,
        emailSignInTemplate=ENGLISH,
        localizedEmailSignInTemplates={"de": GERMAN, "es": SPANISH},
        **fields,
    )


async def _email(api: Api, address: str, accept_language: str | None = None) -> Any:
    before = len(api.mailbox.to(address))
    headers = {"Accept-Language": accept_language} if accept_language else {}
    response = await api.client.post(
        "/v3/auth/email", json={"study": "study-de-es", "email": address}, headers=headers
    )
    assert response.status_code == 202, response.text
    return await api.mailbox.wait_for(address, count=before + 1)


@pytest.mark.parametrize(
    ("ttl", "english", "german", "spanish"),
    [(3600, "1 hour", "1 Stunde", "1 hora"), (900, "15 minutes", "15 Minuten", "15 minutos")],
)
async def test_each_participant_gets_the_email_of_their_language(
    api: Api, ttl: int, english: str, german: str, spanish: str
) -> None:
    await _bilingual_study(api, ttl)
    await api.create_participant("study-de-es", "maria@example.org")
    await api.create_participant("study-de-es", "olivia@example.org")
    # Hans's languages are stored (from his sign-up's Accept-Language).
    signed_up = await api.client.post(
        "/v3/auth/signUp",
        json={"study": "study-de-es", "email": "hans@example.org", "password": PASSWORD},
        headers={"Accept-Language": "de-CH"},
    )
    assert signed_up.status_code == 201

    # The phone says Mexican Spanish: the Spanish template (es-MX falls back to es).
    maria = await _email(api, "maria@example.org", "es-MX,es;q=0.9,en;q=0.5")
    assert maria.message["Subject"] == "Tu enlace para Schlafstudie"
    assert f"El enlace caduca en {spanish}." in maria.text
    assert maria.text.startswith("¡Hola! Entra aquí: https://")

    # Stored languages come before the request's: German, though this phone says English.
    hans = await _email(api, "hans@example.org", "en-US")
    assert hans.message["Subject"] == "Ihr Link für Schlafstudie"
    assert f"Der Link ist {german} gültig." in hans.text

    # French has no template: the study's default (English) one.
    olivia = await _email(api, "olivia@example.org", "fr-FR,fr;q=0.9")
    assert olivia.message["Subject"] == "Your link for Schlafstudie"
    assert f"It expires in {english}." in olivia.text

    # Every link works, whatever its language.
    for address, caught in (("maria@example.org", maria), ("hans@example.org", hans)):
        signed_in = await api.sign_in_with_token("study-de-es", address, caught.token)
        assert signed_in.status_code in (200, 412), signed_in.text


async def test_a_study_without_its_own_template_speaks_every_shipped_language(api: Api) -> None:
    await api.create_study("study-de-es", name="Estudio del sueño", emailSignInTokenTtlSeconds=900)
    await api.create_participant("study-de-es", "maria@example.org")
    maria = await _email(api, "maria@example.org", "es-MX")
    assert maria.message["Subject"] == "Tu enlace para iniciar sesión en Estudio del sueño"
    assert maria.text.startswith("Hola:")
    assert "caducan en 15 minutos" in maria.text
    assert maria.html is not None
    assert '<html lang="es" dir="ltr">' in maria.html

    await api.create_participant("study-de-es", "layla@example.org")
    layla = await _email(api, "layla@example.org", "ar-EG")
    assert layla.html is not None
    assert 'dir="rtl"' in layla.html
    assert "15 دقيقة" in layla.text


async def test_the_default_language_serves_who_matches_nothing(api: Api) -> None:
    # A German-first study: its default template is German, Spanish is localized.
    await api.create_study(
        "study-de-es",
        name="Schlafstudie",
        defaultLanguage="de",
        emailSignInTemplate=GERMAN,
        localizedEmailSignInTemplates={"es": SPANISH},
    )
    await api.create_participant("study-de-es", "olivia@example.org")
    olivia = await _email(api, "olivia@example.org", "en-GB")
    assert olivia.message["Subject"] == "Ihr Link für Schlafstudie"
    assert "Der Link ist 1 Stunde gültig." in olivia.text
    nobody_asked = await _email(api, "olivia@example.org")
    assert nobody_asked.message["Subject"] == "Ihr Link für Schlafstudie"


async def test_researchers_set_the_participant_s_languages(api: Api) -> None:
    await _bilingual_study(api)
    created = await api.create_participant("study-de-es", "maria@example.org")
    changed = await api.client.patch(
        f"/v3/studies/study-de-es/participants/{created['id']}",
        json={"languages": ["es", "en"]},
        headers=api.admin,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["languages"] == ["es", "en"]
    maria = await _email(api, "maria@example.org", "de")
    assert maria.message["Subject"] == "Tu enlace para Schlafstudie"

    bad = await api.client.patch(
        f"/v3/studies/study-de-es/participants/{created['id']}",
        json={"languages": ["español"]},
        headers=api.admin,
    )
    body = assert_bridge_error(bad, 400, "InvalidEntityException")
    assert "languages[0]" in body["errors"]


async def test_the_study_answers_and_patches_its_languages(api: Api) -> None:
    created = await _bilingual_study(api, defaultLanguage="EN")
    assert created["defaultLanguage"] == "en"  # written back in the registry's case
    assert set(created["localizedEmailSignInTemplates"]) == {"de", "es"}
    assert created["localizedEmailSignInTemplates"]["de"]["mimeType"] == "text/plain"
    # A merge patch: French added, Spanish removed, German's subject changed, its body kept.
    patched = await api.client.patch(
        "/v3/studies/study-de-es",
        json={
            "version": created["version"],
            "localizedEmailSignInTemplates": {
                "fr": {"subject": "Votre lien", "body": "Ici : ${url}"},
                "es": None,
                "de": {"subject": "Ihr neuer Link"},
            },
        },
        headers=api.admin,
    )
    assert patched.status_code == 200, patched.text
    templates = patched.json()["localizedEmailSignInTemplates"]
    assert set(templates) == {"de", "fr"}
    assert templates["de"] == {**GERMAN, "subject": "Ihr neuer Link", "mimeType": "text/plain"}


@pytest.mark.parametrize(
    ("fields", "path", "words"),
    [
        ({"defaultLanguage": "english"}, "defaultLanguage", "not a language tag"),
        ({"defaultLanguage": "de_CH"}, "defaultLanguage", "not a language tag"),
        (
            {"localizedEmailSignInTemplates": {"de": {"subject": "Hallo", "body": "kein Link"}}},
            "localizedEmailSignInTemplates.de.body",
            "must contain the sign-in link or code",
        ),
        (
            {"localizedEmailSignInTemplates": {"deutsch": GERMAN}},
            "localizedEmailSignInTemplates.deutsch",
            "not a language tag",
        ),
        (
            {"localizedOnboardingTemplates": {"es": {"subject": "Hola", "body": "${url}"}}},
            "localizedOnboardingTemplates.es.body",
            "unknown variable ${url}",
        ),
        (
            {"localizedEmailSignInTemplates": {"en": ENGLISH}},
            "localizedEmailSignInTemplates.en",
            "defaultLanguage",
        ),
        (
            {"localizedEmailSignInTemplates": {f"de-{n:03d}": GERMAN for n in range(21)}},
            "localizedEmailSignInTemplates",
            "at most 20 languages",
        ),
    ],
)
async def test_a_bad_language_or_localized_template_is_a_400_naming_its_path(
    api: Api, fields: dict[str, Any], path: str, words: str
) -> None:
    response = await api.client.post(
        "/v3/studies", json={"identifier": "study-x", "name": "X", **fields}, headers=api.admin
    )
    body = assert_bridge_error(response, 400, "InvalidEntityException")
    assert path in body["errors"], body
    assert words in " ".join(body["errors"][path])


async def test_the_preview_shows_a_language(api: Api) -> None:
    await _bilingual_study(api)
    preview = await api.client.post(
        "/v3/studies/study-de-es/emailSignInTemplate/preview",
        json={"language": "de-AT"},
        headers=api.admin,
    )
    assert preview.status_code == 200, preview.text
    shown = preview.json()
    assert shown["language"] == "de"
    assert shown["subject"] == "Ihr Link für Schlafstudie"
    assert "Der Link ist 1 Stunde gültig." in shown["text"]
    draft = await api.client.post(
        "/v3/studies/study-de-es/emailSignInTemplate/preview",
        json={"language": "es", "template": SPANISH},
        headers=api.admin,
    )
    assert "caduca en 1 hora" in draft.json()["text"]


@pytest.mark.parametrize(
    ("accept_language", "lang", "direction", "heading"),
    [
        ("es-MX,es;q=0.9", "es", "ltr", "Iniciar sesión en Schlafstudie"),
        ("de-CH", "de", "ltr", "Bei Schlafstudie anmelden"),
        ("ar", "ar", "rtl", "تسجيل الدخول إلى Schlafstudie"),
        ("ja, zh;q=0.5", "en", "ltr", "Sign in to Schlafstudie"),
    ],
)
async def test_pages_follow_the_browser_s_language(
    api: Api, accept_language: str, lang: str, direction: str, heading: str
) -> None:
    await _bilingual_study(api)
    page = await api.client.get(
        "/s/study-de-es?email=a%40example.org&token=x", headers={"Accept-Language": accept_language}
    )
    assert page.status_code == 200
    assert f'<html lang="{lang}" dir="{direction}">' in page.text
    assert f"<h1>{heading}</h1>" in page.text.replace("<bdi>", "").replace("</bdi>", "")
    provisioning = await api.client.get(
        "/p/study-de-es", headers={"Accept-Language": accept_language}
    )
    assert f'<html lang="{lang}" dir="{direction}">' in provisioning.text
    missing = await api.client.get("/s/no-such-study", headers={"Accept-Language": accept_language})
    assert missing.status_code == 404
    assert f'<html lang="{lang}" dir="{direction}">' in missing.text
