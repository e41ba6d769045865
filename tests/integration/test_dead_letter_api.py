"""The dead-letter admin API: what the CLI's outbox status, retry and purge do, over HTTP."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.support.api import Api
from tests.support.contract import assert_bridge_error, assert_invalid

URL = "/v3/outbox/deadLetters"


async def _dead_letters(api: Api, count: int) -> list[dict[str, Any]]:
    """The list once it holds ``count`` letters (delivery is asynchronous)."""
    for _ in range(100):
        listed = await api.client.get(URL, headers=api.admin)
        assert listed.status_code == 200, listed.text
        body: dict[str, Any] = listed.json()
        if body["total"] == count:
            items: list[dict[str, Any]] = body["items"]
            return items
        await asyncio.sleep(0.05)
    raise AssertionError(f"never {count} dead letters: {body}")


async def _refused(api: Api, *addresses: str) -> list[dict[str, Any]]:
    await api.create_study("study-a")
    for address in addresses:
        await api.create_participant("study-a", address, consented=True)
        api.mailbox.refuse[address] = "550 5.1.1 No such user"
        assert (await api.request_link("study-a", address)).status_code == 202
    return await _dead_letters(api, len(addresses))


async def test_a_refused_email_is_listed_masked_with_its_reason(api: Api) -> None:
    [letter] = await _refused(api, "gone@example.org")
    assert letter["kind"] == "sign-in"
    assert letter["studyId"] == "study-a"
    assert letter["to"] != "gone@example.org"
    assert letter["to"].endswith("@example.org")
    assert "550" in letter["reason"]
    assert letter["failedOn"].endswith("Z")


async def test_retry_by_id_delivers_it_once_the_cause_is_fixed(api: Api) -> None:
    [letter] = await _refused(api, "gone@example.org")
    del api.mailbox.refuse["gone@example.org"]
    retried = await api.client.post(f"{URL}/retry", json={"ids": [letter["id"]]}, headers=api.admin)
    assert retried.status_code == 200, retried.text
    assert retried.json()["count"] == 1
    caught = await api.mailbox.wait_for("gone@example.org")
    signed_in = await api.sign_in_with_token("study-a", "gone@example.org", caught.token)
    assert signed_in.is_success
    assert await _dead_letters(api, 0) == []


async def test_purge_all_deletes_every_one(api: Api) -> None:
    await _refused(api, "a@example.org", "b@example.org")
    purged = await api.client.post(f"{URL}/purge", json={"all": True}, headers=api.admin)
    assert purged.json() == {
        "count": 2,
        "message": "2 dead letter(s) deleted.",
        "type": "DeadLetterChange",
    }
    assert await _dead_letters(api, 0) == []


async def test_ids_that_are_not_dead_letters_are_404(api: Api) -> None:
    for action in ("retry", "purge"):
        response = await api.client.post(
            f"{URL}/{action}", json={"ids": ["1-0"]}, headers=api.admin
        )
        assert_bridge_error(response, 404, "EntityNotFoundException")


@pytest.mark.parametrize("body", [{}, {"all": False}, {"ids": []}, {"ids": ["1-0"], "all": True}])
async def test_neither_or_both_ways_of_choosing_is_400_naming_ids(
    api: Api, body: dict[str, Any]
) -> None:
    response = await api.client.post(f"{URL}/purge", json=body, headers=api.admin)
    assert_invalid(response, "ids")


@pytest.mark.parametrize("ids", [["nope"], ["1-0"] * 101, ["342-78925035233942424081"]])
async def test_ids_must_be_stream_ids_and_few(api: Api, ids: list[str]) -> None:
    response = await api.client.post(f"{URL}/retry", json={"ids": ids}, headers=api.admin)
    assert response.status_code == 400, response.text


@pytest.mark.parametrize("size", ["0", "101", "x", "1.5"])
async def test_a_bad_page_size_is_400_naming_it(api: Api, size: str) -> None:
    response = await api.client.get(URL, params={"pageSize": size}, headers=api.admin)
    assert_invalid(response, "pageSize")


async def test_the_dead_letter_api_needs_the_admin_key(api: Api) -> None:
    assert_bridge_error(await api.client.get(URL), 401, "NotAuthenticatedException")
    purge = await api.client.post(f"{URL}/purge", json={"all": True})
    assert_bridge_error(purge, 401, "NotAuthenticatedException")
