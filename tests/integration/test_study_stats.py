"""A study's sign-in funnel by day: ``GET /v3/studies/{id}/stats``, counted by the real flows.

The counts of links requested and emails settled are made inside Lua scripts, so these run on
a Redis Cluster too.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from service.store.connection import RedisClient
from tests.support.api import BACKENDS_WITH_CLUSTER, Api
from tests.support.contract import assert_bridge_error

pytestmark = pytest.mark.parametrize("redis", BACKENDS_WITH_CLUSTER, indirect=True)

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
PASSWORD = "a-password-of-the-participant"


async def _stats(api: Api, study: str = "study-a", **params: Any) -> httpx.Response:
    return await api.client.get(f"/v3/studies/{study}/stats", params=params, headers=api.admin)


async def _days(api: Api, days: int = 1) -> list[dict[str, Any]]:
    response = await _stats(api, days=days)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "StudyStats"
    assert body["studyId"] == "study-a"
    found: list[dict[str, Any]] = body["days"]
    return found


async def _today_once(api: Api, field: str, value: Any, within: float = 5.0) -> dict[str, Any]:
    """Today's counts once ``field`` reached ``value``: the worker settles an email a moment
    after it reaches the SMTP server."""
    deadline = time.monotonic() + within
    while True:
        (today,) = await _days(api)
        if today[field] == value or time.monotonic() > deadline:
            return today
        await asyncio.sleep(0.02)


async def test_every_accepted_request_counts_and_the_worker_counts_what_it_settled(
    api: Api,
) -> None:
    await api.create_study("study-a", emailSignInRequestIntervalSeconds=60)
    await api.create_participant("study-a", "known@example.org", consented=True)
    await api.create_participant("study-a", "refused@example.org", consented=True)
    api.mailbox.refuse["refused@example.org"] = "550 5.1.1 No such user"

    for address in ("known@example.org", "unknown@example.org", "refused@example.org"):
        assert (await api.request_link("study-a", address)).status_code == 202
    await api.mailbox.wait_for("known@example.org")
    await api.outbox_drained()

    today = await _today_once(api, "emailsFailed", 1)
    assert today["linksRequested"] == 3  # the unknown address too: the count enumerates nothing
    assert today["emailsSent"] == 1
    assert today["emailsFailed"] == 1  # refused for good: a dead letter
    assert today["date"] == datetime.now(UTC).date().isoformat()
    # A refused request (429: asked again within the interval) was not accepted: not counted.
    assert (await api.request_link("study-a", "unknown@example.org")).status_code == 429
    (today,) = await _days(api)
    assert today["linksRequested"] == 3


async def test_sign_ins_count_by_method_and_wrong_codes_count(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant(
        "study-a", "ann@example.org", password=PASSWORD, emailVerified=True, consented=True
    )
    token = await api.emailed_token("study-a", "ann@example.org")

    wrong_code = await api.sign_in_with_token("study-a", "ann@example.org", "ABCD2345")
    wrong_token = await api.sign_in_with_token("study-a", "ann@example.org", "0" * 48)
    assert wrong_code.status_code == wrong_token.status_code == 404
    assert (await api.sign_in_with_token("study-a", "ann@example.org", token)).status_code == 200
    password = {"study": "study-a", "email": "ann@example.org", "password": PASSWORD}
    assert (await api.client.post("/v4/auth/signIn", json=password)).status_code == 200
    wrong_password = {**password, "password": "not-the-password-at-all"}
    assert (await api.client.post("/v4/auth/signIn", json=wrong_password)).status_code == 404

    (today,) = await _days(api)
    assert today["signIns"] == {"link": 1, "code": 0, "password": 1, "reauth": 0}
    assert today["wrongCodes"] == 2  # the code and the link token; a wrong password is not one


async def test_landing_views_count_by_platform(api: Api) -> None:
    await api.create_study("study-a")
    for agent in (IPHONE, ANDROID, ANDROID, f"{IPHONE} GSA/300.0"):
        page = await api.client.get(
            "/s/study-a?email=ann%40example.org&token=abc", headers={"User-Agent": agent}
        )
        assert page.status_code == 200
    (today,) = await _days(api)
    assert today["landingViews"] == {"ios": 1, "android": 2, "desktop": 0, "inApp": 1}


async def test_days_are_consecutive_today_last_and_validated(api: Api) -> None:
    await api.create_study("study-a")
    days = await _days(api, 90)
    today = datetime.now(UTC).date()
    assert [d["date"] for d in days] == [
        (today - timedelta(days=back)).isoformat() for back in range(89, -1, -1)
    ]
    assert days[0]["linksExpiredUnused"] == 0  # long over, nothing issued
    assert days[-1]["linksExpiredUnused"] is None  # links may still be used today
    default = await _stats(api)
    assert len(default.json()["days"]) == 30

    for bad in ("0", "91", "abc", "1.5", "-1", "", "٣"):
        body = assert_bridge_error(await _stats(api, days=bad), 400, "InvalidEntityException")
        assert body["errors"] == {"days": ["days must be a whole number from 1 to 90 (default 30)"]}
    repeated = await api.client.get("/v3/studies/study-a/stats?days=1&days=2", headers=api.admin)
    assert_bridge_error(repeated, 400, "InvalidEntityException")


async def test_an_unknown_study_is_404_and_the_key_is_required(api: Api) -> None:
    body = assert_bridge_error(await _stats(api, "no-such-study"), 404, "EntityNotFoundException")
    assert body["entityClass"] == "Study"
    await api.create_study("study-a")
    anonymous = await api.client.get("/v3/studies/study-a/stats")
    assert anonymous.status_code == 401


async def test_counts_fall_on_the_day_of_the_clock(api: Api) -> None:
    await api.create_study("study-a")
    midnight = datetime(2031, 3, 5, tzinfo=UTC).timestamp()
    stats = api.services.study_stats
    stats.clock = lambda: midnight - 0.5
    assert (await api.request_link("study-a", "a@example.org")).status_code == 202
    assert (await api.request_link("study-a", "b@example.org")).status_code == 202
    stats.clock = lambda: midnight + 0.5
    assert (await api.request_link("study-a", "c@example.org")).status_code == 202
    days = await _days(api, 3)
    assert [(d["date"], d["linksRequested"]) for d in days] == [
        ("2031-03-03", 0),
        ("2031-03-04", 2),
        ("2031-03-05", 1),
    ]


async def test_links_never_used_count_once_their_day_is_over(api: Api) -> None:
    await api.create_study("study-a")
    for address in ("used@example.org", "unused@example.org"):
        await api.create_participant("study-a", address, consented=True)
    token = await api.emailed_token("study-a", "used@example.org")
    await api.emailed_token("study-a", "unused@example.org")
    assert (await api.sign_in_with_token("study-a", "used@example.org", token)).status_code == 200
    await api.outbox_drained()

    # Links live an hour: they expire today or tomorrow. Three days on, both days are over.
    real_now = time.time()
    api.services.study_stats.clock = lambda: real_now + 3 * 86_400
    days = await _days(api, 4)
    assert date.fromisoformat(days[0]["date"]) == datetime.now(UTC).date()
    assert sum(d["linksExpiredUnused"] or 0 for d in days) == 1  # issued 2, used 1
    assert days[-1]["linksExpiredUnused"] is None


async def test_deleting_the_study_deletes_its_counts(api: Api, redis: RedisClient) -> None:
    await api.create_study("study-a")
    assert (await api.request_link("study-a", "a@example.org")).status_code == 202
    today_key = api.services.study_stats.key("study-a")
    assert await redis.exists(today_key) == 1
    assert 0 < await redis.ttl(today_key) <= 100 * 86_400  # bounded even if never deleted
    deleted = await api.client.delete("/v3/studies/study-a", headers=api.admin)
    assert deleted.status_code == 200
    assert await redis.exists(today_key) == 0
    await api.create_study("study-a")
    (today,) = await _days(api)
    assert today["linksRequested"] == 0  # a new study of the same name starts from nothing


async def test_counts_buffered_before_a_deletion_do_not_come_back(
    api: Api, redis: RedisClient
) -> None:
    # Sign-ins are counted in memory and written every few seconds; a flush after the study
    # was deleted used to bring its counts back (a test of deletion saw it now and then).
    await api.create_study("study-a")
    await api.create_participant("study-a", "a@example.org", consented=True)
    await api.signed_in("study-a", "a@example.org")  # buffered, not yet written
    deleted = await api.client.delete("/v3/studies/study-a", headers=api.admin)
    assert deleted.status_code == 200
    await api.services.study_stats.flush()
    assert await redis.exists(api.services.study_stats.key("study-a")) == 0
