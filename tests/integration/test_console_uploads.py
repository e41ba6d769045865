"""The console's one multipart form (onboarding from a CSV file) through HTTP: its CSRF token is
checked like every form's, an upload over the cap is refused with a page saying so, and nothing
is done in either case."""

from __future__ import annotations

import httpx

from tests.integration.test_console_auth import signed_in
from tests.support.api import Api

STUDY = "upload-study"
PATH = f"/console/studies/{STUDY}/onboarding"
CSV = b"email\r\nsomeone@example.org\r\n"


def _upload(data: bytes, csrf: str | None) -> dict[str, object]:
    fields = {"csrf": csrf} if csrf is not None else {}
    return {"data": fields, "files": {"file": ("people.csv", data, "text/csv")}}


async def _participants(api: Api) -> list[str]:
    listed = await api.client.get(f"/v3/studies/{STUDY}/participants", headers=api.admin)
    return [item["email"] for item in listed.json()["items"]]


async def test_an_upload_without_the_csrf_token_changes_nothing(api: Api) -> None:
    await api.create_study(STUDY)
    csrf = await signed_in(api.client)
    for token in (None, "not-the-token"):
        answer = await api.client.post(PATH, **_upload(CSV, token))  # type: ignore[arg-type]
        assert answer.status_code == 403, answer.text
        assert 'id="forbidden"' in answer.text
    assert await _participants(api) == []
    answer = await api.client.post(PATH, **_upload(CSV, csrf))  # type: ignore[arg-type]
    assert answer.status_code == 200, answer.text
    assert await _participants(api) == ["someone@example.org"]


async def test_an_upload_over_the_cap_is_refused_with_a_page_saying_so(api: Api) -> None:
    await api.create_study(STUDY)
    csrf = await signed_in(api.client)
    big = CSV + b"x" * (1024 * 1024 + 64 * 1024)
    answer = await api.client.post(PATH, **_upload(big, csrf))  # type: ignore[arg-type]
    assert answer.status_code == 413, answer.text
    assert "larger than 1 MB" in answer.text
    assert 'aria-invalid="true"' in answer.text
    # Just over 1 MB, under the body's cap: the file itself is measured.
    almost = CSV + b"x" * (1024 * 1024)
    answer = await api.client.post(PATH, **_upload(almost, csrf))  # type: ignore[arg-type]
    assert answer.status_code == 400, answer.text
    assert "larger than 1 MB" in answer.text
    assert await _participants(api) == []


async def test_too_many_rows_are_refused_whole(api: Api) -> None:
    await api.create_study(STUDY)
    csrf = await signed_in(api.client)
    rows = b"".join(b"p%d@example.org\n" % n for n in range(10_001))
    answer = await api.client.post(PATH, **_upload(rows, csrf))  # type: ignore[arg-type]
    assert answer.status_code == 400, answer.text
    assert "more than 10,000 addresses" in answer.text
    assert await _participants(api) == []


async def test_the_funnel_and_dead_letters_need_a_session(api: Api) -> None:
    for path in (f"/console/studies/{STUDY}/funnel", "/console/dead-letters", PATH):
        answer = await api.client.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"] == "/console/sign-in"
    answer = await api.client.post(PATH, files={"file": ("a.csv", CSV, "text/csv")})
    assert answer.status_code == 303


def test_httpx_sends_multipart() -> None:
    request = httpx.Request("POST", "http://x/", **_upload(CSV, "t"))  # type: ignore[arg-type]
    assert request.headers["content-type"].startswith("multipart/form-data")
