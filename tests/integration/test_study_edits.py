"""Researchers' safe study edits: versions, merge patches, and trying a template before saving.

An edit names the version it started from; a stale one changes nothing and says why. A patch
changes only what it names. A preview is the email as the worker would build it; a test email
goes through the outbox, marked, and signs nobody in.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from service.email.preview import SAMPLE_CODE, SAMPLE_TOKEN
from tests.support.api import Api
from tests.support.contract import assert_bridge_error, assert_invalid

HTML_TEMPLATE = {
    "subject": "Sign in to ${studyName}",
    "body": "<p>Hello ${participantEmail}</p><p><a href='${emailSignInUrl}'>Sign in</a> "
    "or type ${code}.</p>${qrCode}<p>Help: ${supportEmail}</p>",
    "mimeType": "text/html",
}


async def _get(api: Api, study: str) -> dict[str, Any]:
    response = await api.client.get(f"/v3/studies/{study}", headers=api.admin)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# --------------------------------------------------------------------------- versions


async def test_a_new_study_signs_in_and_is_version_1(api: Api) -> None:
    response = await api.client.post(
        "/v3/studies",
        json={"identifier": "fresh", "name": "Fresh", "version": 7},
        headers=api.admin,
    )
    assert response.status_code == 201, response.text
    assert response.json()["emailSignInEnabled"] is True
    assert response.json()["version"] == 1  # a sent version is ignored on create
    assert response.headers["etag"] == '"1"'


async def test_put_without_a_version_is_400_naming_it(api: Api) -> None:
    await api.create_study("study-a")
    response = await api.client.put(
        "/v3/studies/study-a", json={"name": "No version"}, headers=api.admin
    )
    errors = assert_invalid(response, "version")
    assert "If-Match" in errors["version"][0]
    assert (await _get(api, "study-a"))["name"] == "Study study-a"


async def test_two_editors_from_one_version_the_second_gets_409_and_nothing_changes(
    api: Api,
) -> None:
    await api.create_study("study-a", shortName="A")
    first = await api.client.put(
        "/v3/studies/study-a", json={"name": "First", "version": 1}, headers=api.admin
    )
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 2
    second = await api.client.put(
        "/v3/studies/study-a", json={"name": "Second", "version": 1}, headers=api.admin
    )
    body = assert_bridge_error(second, 409, "ConcurrentModificationException")
    assert body["currentVersion"] == 2
    assert "version 2" in body["message"]
    stored = await _get(api, "study-a")
    assert (stored["name"], stored["version"]) == ("First", 2)


async def test_if_match_carries_the_version_instead_of_the_body(api: Api) -> None:
    await api.create_study("study-a")
    stale = await api.client.put(
        "/v3/studies/study-a",
        json={"name": "Stale"},
        headers={**api.admin, "If-Match": '"5"'},
    )
    assert_bridge_error(stale, 409, "ConcurrentModificationException")
    fresh = await api.client.put(
        "/v3/studies/study-a",
        json={"name": "Fresh"},
        headers={**api.admin, "If-Match": '"1"'},
    )
    assert fresh.status_code == 200, fresh.text
    assert fresh.headers["etag"] == '"2"'


@pytest.mark.parametrize("header", ['"2", "1"', '"1"'])
async def test_if_match_holds_when_it_lists_the_current_etag(api: Api, header: str) -> None:
    await api.create_study("study-a")
    response = await api.client.patch(
        "/v3/studies/study-a", json={"name": "X"}, headers={**api.admin, "If-Match": header}
    )
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2


@pytest.mark.parametrize("header", ["1", '"one"', '"0"', "*", 'W/"1"', '"2", "3"', ""])
async def test_an_if_match_that_does_not_name_the_current_etag_is_stale(
    api: Api, header: str
) -> None:
    # A precondition that does not hold (RFC 9110): nothing changes, and the answer names the
    # version to start from. A weak tag never matches: If-Match compares strongly.
    await api.create_study("study-a")
    response = await api.client.put(
        "/v3/studies/study-a", json={"name": "X"}, headers={**api.admin, "If-Match": header}
    )
    body = assert_bridge_error(response, 409, "ConcurrentModificationException")
    assert body["currentVersion"] == 1
    assert (await _get(api, "study-a"))["name"] == "Study study-a"


@pytest.mark.parametrize(("version", "if_match"), [(1, '"2"'), (2, '"1"')])
async def test_a_body_version_and_if_match_that_differ_are_stale(
    api: Api, version: int, if_match: str
) -> None:
    # Both are preconditions: whichever is not the current version makes the change stale.
    await api.create_study("study-a")
    response = await api.client.put(
        "/v3/studies/study-a",
        json={"name": "X", "version": version},
        headers={**api.admin, "If-Match": if_match},
    )
    assert (
        assert_bridge_error(response, 409, "ConcurrentModificationException")["currentVersion"] == 1
    )
    assert (await _get(api, "study-a"))["version"] == 1


async def test_concurrent_edits_from_one_version_let_exactly_one_through(api: Api) -> None:
    await api.create_study("study-a")
    answers = await asyncio.gather(
        *(
            api.client.patch(
                "/v3/studies/study-a", json={"version": 1, "shortName": f"S{n}"}, headers=api.admin
            )
            for n in range(8)
        )
    )
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] + [409] * 7
    assert (await _get(api, "study-a"))["version"] == 2


# --------------------------------------------------------------------------- merge patch


async def test_patch_changes_only_what_it_names(api: Api) -> None:
    created = await api.create_study(
        "study-a",
        shortName="A",
        supportEmail="help@example.org",
        installLinks={"ios": "https://apps.apple.com/app/id1", "android": None},
        emailSignInTemplate={
            "subject": "Sign in",
            "body": "Tap ${url}",
            "mimeType": "text/plain",
        },
    )
    response = await api.client.patch(
        "/v3/studies/study-a",
        json={
            "version": 1,
            "name": "Renamed",
            "installLinks": {"android": "https://play.google.com/store/apps/details?id=a.b"},
        },
        headers={**api.admin, "Content-Type": "application/merge-patch+json"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "Renamed"
    assert body["version"] == 2
    # What the patch did not name stays, the sign-in flag and template included.
    for field in ("shortName", "supportEmail", "emailSignInEnabled", "emailSignInTemplate"):
        assert body[field] == created[field], field
    # Objects merge member by member.
    assert body["installLinks"] == {
        "ios": "https://apps.apple.com/app/id1",
        "android": "https://play.google.com/store/apps/details?id=a.b",
    }


async def test_patch_null_takes_the_default(api: Api) -> None:
    await api.create_study("study-a", shortName="A", emailSignInTokenTtlSeconds=600)
    response = await api.client.patch(
        "/v3/studies/study-a",
        json={"version": 1, "shortName": None, "emailSignInTokenTtlSeconds": None},
        headers=api.admin,
    )
    assert response.status_code == 200, response.text
    assert response.json()["shortName"] == ""
    assert response.json()["emailSignInTokenTtlSeconds"] == 3600


async def test_an_invalid_patch_names_the_field_and_changes_nothing(api: Api) -> None:
    created = await api.create_study("study-a")
    response = await api.client.patch(
        "/v3/studies/study-a",
        json={"version": 1, "emailSignInTemplate": {"subject": "Hi", "body": "no token"}},
        headers=api.admin,
    )
    assert_invalid(response, "emailSignInTemplate.body")
    unknown = await api.client.patch(
        "/v3/studies/study-a", json={"version": 1, "colour": "blue"}, headers=api.admin
    )
    assert_invalid(unknown, "colour")
    assert await _get(api, "study-a") == created


@pytest.mark.parametrize("key", ["z[", "a[0]", "[", "str"])
async def test_an_unknown_key_that_looks_like_a_validation_path_is_named(
    api: Api, key: str
) -> None:
    # The fuzzer's key "…z[…" was a 500: the path cleanup took it for one of pydantic's
    # branch names and left nothing to name.
    await api.create_study("study-a")
    response = await api.client.patch(
        "/v3/studies/study-a", json={"version": 1, key: []}, headers=api.admin
    )
    assert_invalid(response, key)


async def test_patch_of_an_unknown_study_is_404(api: Api) -> None:
    response = await api.client.patch(
        "/v3/studies/nobody", json={"version": 1, "name": "X"}, headers=api.admin
    )
    assert_bridge_error(response, 404, "EntityNotFoundException")


async def test_patch_needs_the_admin_key(api: Api) -> None:
    await api.create_study("study-a")
    response = await api.client.patch("/v3/studies/study-a", json={"version": 1, "name": "X"})
    assert_bridge_error(response, 401, "NotAuthenticatedException")


# --------------------------------------------------------------------------- preview


async def test_preview_of_a_draft_is_the_email_the_worker_would_build(api: Api) -> None:
    await api.create_study("study-a", supportEmail="help@example.org")
    response = await api.client.post(
        "/v3/studies/study-a/emailSignInTemplate/preview",
        json={"template": HTML_TEMPLATE},
        headers=api.admin,
    )
    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["subject"] == "Sign in to Study study-a"
    assert "participant@example.org" in preview["html"]
    assert "/s/study-a?" in preview["html"]
    assert SAMPLE_TOKEN in preview["html"]
    assert SAMPLE_CODE in preview["text"]
    # The QR code is inlined for a browser; an email attaches it (cid:) instead.
    assert 'src="data:image/png;base64,' in preview["html"]
    assert "cid:" not in preview["html"]
    assert preview["warnings"] == []
    # Nothing was stored or sent.
    assert (await _get(api, "study-a"))["emailSignInTemplate"] is None
    await asyncio.sleep(0.2)
    assert api.mailbox.emails == []


async def test_preview_without_a_template_shows_the_saved_or_default_one(api: Api) -> None:
    await api.create_study("study-a")
    default = await api.client.post(
        "/v3/studies/study-a/emailSignInTemplate/preview", json={}, headers=api.admin
    )
    assert default.status_code == 200, default.text
    assert SAMPLE_TOKEN in default.json()["html"]
    plain = {"subject": "Code for ${studyName}", "body": "Type ${code}", "mimeType": "text/plain"}
    patched = await api.client.patch(
        "/v3/studies/study-a",
        json={"version": 1, "emailSignInTemplate": plain},
        headers=api.admin,
    )
    assert patched.status_code == 200, patched.text
    saved = await api.client.post(
        "/v3/studies/study-a/emailSignInTemplate/preview", json={}, headers=api.admin
    )
    assert saved.json()["subject"] == "Code for Study study-a"
    assert saved.json()["html"] is None
    assert saved.json()["text"].strip() == f"Type {SAMPLE_CODE}"
    # Only a code: the researcher is told participants cannot tap anything.
    assert any("no sign-in link" in warning for warning in saved.json()["warnings"])


async def test_preview_warns_of_values_the_study_leaves_empty(api: Api) -> None:
    await api.create_study("study-a")  # no support address
    response = await api.client.post(
        "/v3/studies/study-a/emailSignInTemplate/preview",
        json={"template": HTML_TEMPLATE},
        headers=api.admin,
    )
    assert response.json()["warnings"] == [
        "${supportEmail} is empty for this study: set its supportEmail to fill it"
    ]


async def test_preview_escapes_the_study_values_in_html(api: Api) -> None:
    await api.create_study("study-a", name="<script>alert(1)</script>")
    template = {**HTML_TEMPLATE, "body": "<h1>${studyName}</h1>" + HTML_TEMPLATE["body"]}
    response = await api.client.post(
        "/v3/studies/study-a/emailSignInTemplate/preview",
        json={"template": template},
        headers=api.admin,
    )
    html = response.json()["html"]
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in html
    assert "<script>" not in html


async def test_an_invalid_draft_is_400_naming_the_field(api: Api) -> None:
    await api.create_study("study-a")
    response = await api.client.post(
        "/v3/studies/study-a/emailSignInTemplate/preview",
        json={"template": {"subject": "Hi", "body": "Tap ${participantFirstName} ${url}"}},
        headers=api.admin,
    )
    errors = assert_invalid(response, "template.body")
    assert "participantFirstName" in errors["template.body"][0]


# --------------------------------------------------------------------------- test send


async def test_a_test_email_is_marked_and_signs_nobody_in(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", "researcher@example.org", consented=True)
    response = await api.client.post(
        "/v3/studies/study-a/emailSignInTemplate/test",
        json={"email": "researcher@example.org", "template": HTML_TEMPLATE},
        headers=api.admin,
    )
    assert response.status_code == 202, response.text
    assert response.json() == {"message": "Test email queued.", "type": "StatusMessage"}
    email = await api.mailbox.wait_for("researcher@example.org")
    assert email.message["Subject"] == "[Test] Sign in to Study study-a"
    assert email.message["X-Magiclink-Test"]
    assert f"type {SAMPLE_CODE}." in email.text
    # Its link and code sign nobody in, even the participant with that address.
    by_token = await api.client.post(
        "/v3/auth/email/signIn",
        json={"study": "study-a", "email": "researcher@example.org", "token": email.token},
    )
    assert_bridge_error(by_token, 404, "EntityNotFoundException")
    by_code = await api.client.post(
        "/v3/auth/email/signIn",
        json={"study": "study-a", "email": "researcher@example.org", "token": SAMPLE_CODE},
    )
    assert_bridge_error(by_code, 404, "EntityNotFoundException")


async def test_a_test_of_the_saved_template_goes_to_any_address(api: Api) -> None:
    await api.create_study("study-a")
    response = await api.client.post(
        "/v3/studies/study-a/emailSignInTemplate/test",
        json={"email": "someone@example.org"},
        headers=api.admin,
    )
    assert response.status_code == 202, response.text
    email = await api.mailbox.wait_for("someone@example.org")
    assert str(email.message["Subject"]).startswith("[Test] ")


async def test_test_emails_are_limited_per_study(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_study("study-b")
    url = "/v3/studies/{}/emailSignInTemplate/test"
    body = {"email": "r@example.org"}
    for _ in range(5):
        sent = await api.client.post(url.format("study-a"), json=body, headers=api.admin)
        assert sent.status_code == 202, sent.text
    refused = await api.client.post(url.format("study-a"), json=body, headers=api.admin)
    assert_bridge_error(refused, 429, "RateLimitExceededException")
    assert int(refused.headers["retry-after"]) >= 1
    other = await api.client.post(url.format("study-b"), json=body, headers=api.admin)
    assert other.status_code == 202  # another study has its own


async def test_a_test_email_needs_a_valid_address(api: Api) -> None:
    await api.create_study("study-a")
    response = await api.client.post(
        "/v3/studies/study-a/emailSignInTemplate/test",
        json={"email": "not an address"},
        headers=api.admin,
    )
    assert_invalid(response, "email")
