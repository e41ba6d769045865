"""Onboarding a study whose emails cannot get the app onto phones warns the researcher: the
API's answer, and the console's onboarding page."""

from __future__ import annotations

from tests.support.api import Api

APP_STORE = "https://apps.apple.com/app/sleep/id1234567890"
PLAY = "https://play.google.com/store/apps/details?id=org.example.sleep"


async def _onboard(api: Api) -> dict[str, object]:
    response = await api.client.post(
        "/v3/studies/study-a/onboarding",
        json={"participants": [{"email": "ann@example.org"}]},
        headers=api.admin,
    )
    assert response.status_code == 202, response.text
    body: dict[str, object] = response.json()
    return body


async def test_a_study_without_install_links_gets_a_warning_naming_the_way_out(api: Api) -> None:
    await api.create_study("study-a", supportEmail="help@example.org")
    result = await _onboard(api)
    warning = result["warning"]
    assert isinstance(warning, str)
    assert "no iOS and Android install link" in warning
    assert "help@example.org" in warning
    assert "installLinks" in warning
    assert result["queued"] == 1  # the emails go out all the same


async def test_one_missing_store_is_named(api: Api) -> None:
    await api.create_study("study-a", installLinks={"android": PLAY})
    warning = (await _onboard(api))["warning"]
    assert isinstance(warning, str)
    assert "no iOS install link" in warning
    assert "no one to ask" in warning  # and no supportEmail


async def test_a_study_with_both_store_links_gets_no_warning(api: Api) -> None:
    await api.create_study("study-a", installLinks={"ios": APP_STORE, "android": PLAY})
    assert (await _onboard(api))["warning"] is None
