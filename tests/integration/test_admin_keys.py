"""Named admin keys: made by the store (as ``magiclink admin-key`` does), used on the admin API."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from service.api.application import create_app
from service.settings import Settings
from service.store import keys
from service.store.admin_keys import AdminKeyExists, AdminKeyStore, InvalidAdminKeyName
from service.store.decoding import text
from tests.support.api import ADMIN_KEY, Api
from tests.support.contract import assert_bridge_error

AUTH_LOG = "service.api.admin_auth"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def everything_in(redis: Redis) -> list[str]:
    """Every key name and every value Redis holds, as text (SCAN, not KEYS)."""
    found: list[str] = []
    async for raw in redis.scan_iter(count=1000):
        name = text(raw)
        kind = text(await redis.type(name))
        values: Any
        if kind == "string":
            values = [await redis.get(name)]
        elif kind == "hash":
            values = [x for pair in (await redis.hgetall(name)).items() for x in pair]
        elif kind == "set":
            values = await redis.smembers(name)
        elif kind == "zset":
            values = await redis.zrange(name, 0, -1)
        elif kind == "list":
            values = await redis.lrange(name, 0, -1)
        elif kind == "stream":
            entries: Any = await redis.xrange(name)
            values = [x for _, fields in entries for pair in fields.items() for x in pair]
        else:
            raise AssertionError(f"{name}: type {kind} not inspected")
        found += [name, *(text(value) for value in values)]
    return found


async def test_named_key_works_until_revoked_and_the_bootstrap_key_keeps_working(
    api: Api, redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    store = AdminKeyStore(redis)
    key = await store.create("ops")
    assert re.fullmatch(r"mlk_[A-Za-z0-9_-]{43}", key)

    with caplog.at_level(logging.INFO, logger=AUTH_LOG):
        created = await api.client.post(
            "/v3/studies", json={"identifier": "study-k", "name": "K"}, headers=bearer(key)
        )
        assert created.status_code == 201, created.text
        listed = await api.client.get("/v3/studies", headers=bearer(key))
        assert listed.status_code == 200
        assert [s["identifier"] for s in listed.json()["items"]] == ["study-k"]
        participant = await api.client.post(
            "/v3/studies/study-k/participants", json={"email": "a@example.org"}, headers=bearer(key)
        )
        assert participant.status_code == 201, participant.text
        # The scheme is case-insensitive, as for the bootstrap key.
        lower = await api.client.get("/v3/studies", headers={"Authorization": f"bearer {key}"})
        assert lower.status_code == 200

        assert await store.revoke("ops") is True
        refused = await api.client.get("/v3/studies", headers=bearer(key))
        refused_write = await api.client.post(
            "/v3/studies", json={"identifier": "study-l", "name": "L"}, headers=bearer(key)
        )

    for response in (refused, refused_write):
        error = assert_bridge_error(response, 401, "NotAuthenticatedException")
        assert error == {
            "statusCode": 401,
            "message": "The admin API needs 'Authorization: Bearer <key>' with "
            "MAGICLINK_ADMIN_KEY or a key made by 'magiclink admin-key create NAME'.",
            "type": "NotAuthenticatedException",
        }
    assert (await api.client.get("/v3/studies/study-l", headers=api.admin)).status_code == 404
    # The bootstrap key from the environment still works, before and after.
    bootstrap = await api.client.get("/v3/studies/study-k", headers=api.admin)
    assert bootstrap.status_code == 200, bootstrap.text

    # The log names the key that was used and why a call was refused, never a key.
    auth_lines = [r.getMessage() for r in caplog.records if r.name == AUTH_LOG]
    assert "admin call with key 'ops': POST /v3/studies" in auth_lines
    assert "admin call refused (unknown or revoked key): GET /v3/studies" in auth_lines
    assert all(r.levelno == logging.INFO for r in caplog.records if r.name == AUTH_LOG)
    assert key not in caplog.text
    assert key[4:] not in caplog.text


async def test_several_keys_are_independent(api: Api, redis: Redis) -> None:
    store = AdminKeyStore(redis)
    ops = await store.create("ops")
    ci = await store.create("ci.deploy-1")
    assert ops != ci
    assert await store.revoke("ops") is True
    assert (await api.client.get("/v3/studies", headers=bearer(ops))).status_code == 401
    assert (await api.client.get("/v3/studies", headers=bearer(ci))).status_code == 200
    assert [info.name for info in await store.list()] == ["ci.deploy-1"]


async def test_list_and_redis_hold_no_key_material(api: Api, redis: Redis) -> None:
    store = AdminKeyStore(redis)
    key = await store.create("ops")
    await store.create("backup")
    digest = hashlib.sha256(key.encode()).hexdigest()
    assert (await api.client.get("/v3/studies", headers=bearer(key))).status_code == 200

    listed = await store.list()
    assert [info.name for info in listed] == ["backup", "ops"]
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", i.created_on) for i in listed
    )
    shown = repr(listed)
    for secret in (key, key[4:], digest):
        assert secret not in shown

    stored = await everything_in(redis)
    assert not [item for item in stored if key[4:] in item]  # no plaintext, with or without prefix
    # The scan does see the admin keys: the hash is there (so the check above could fail).
    assert any(digest in item for item in stored)
    assert keys.admin_key(digest) in stored


async def test_revoked_key_leaves_nothing_behind(redis: Redis) -> None:
    store = AdminKeyStore(redis)
    key = await store.create("ops")
    assert await store.revoke("ops") is True
    assert await store.revoke("ops") is False
    assert await store.revoke("never-made") is False
    assert await store.lookup(key) is None
    assert await store.list() == []
    assert [text(k) async for k in redis.scan_iter(match=f"{keys.PREFIX}admin-key*")] == []
    # The name is free again, for a new key.
    again = await store.create("ops")
    assert again != key
    assert await store.lookup(again) == "ops"
    assert await store.lookup(key) is None


async def test_creating_an_existing_name_is_an_error_and_keeps_the_first_key(
    redis: Redis,
) -> None:
    store = AdminKeyStore(redis)
    first = await store.create("ops")
    with pytest.raises(AdminKeyExists, match="'ops' already exists"):
        await store.create("ops")
    assert await store.lookup(first) == "ops"
    assert [info.name for info in await store.list()] == ["ops"]


@pytest.mark.parametrize(
    "name",
    ["", "Ops", "-ops", ".ops", "_ops", "ops key", "ops:1", "ops/1", "öps", "a" * 64, "ops\n"],
)
async def test_invalid_names_are_refused(redis: Redis, name: str) -> None:
    store = AdminKeyStore(redis)
    with pytest.raises(InvalidAdminKeyName, match="invalid admin key name"):
        await store.create(name)
    assert await store.list() == []


@pytest.mark.parametrize("name", ["a", "0", "ops", "ci.deploy_2-b", "a" * 63])
async def test_valid_names_are_accepted(redis: Redis, name: str) -> None:
    store = AdminKeyStore(redis)
    key = await store.create(name)
    assert await store.lookup(key) == name


async def test_a_lookup_entry_without_its_listing_opens_nothing(api: Api, redis: Redis) -> None:
    """What a crash or a race between create and revoke could leave: it fails closed."""
    store = AdminKeyStore(redis)
    key = await store.create("ops")
    await redis.hdel(keys.ADMIN_KEYS, "ops")
    assert await redis.exists(keys.admin_key(hashlib.sha256(key.encode()).hexdigest()))
    assert (await api.client.get("/v3/studies", headers=bearer(key))).status_code == 401
    # A lookup pointing at a listed name whose hash is another key's opens nothing either.
    other = await store.create("ops")
    assert await store.lookup(other) == "ops"
    assert await store.lookup(key) is None


@pytest.mark.parametrize(
    "presented",
    ["mlk_", "mlk_" + "x" * 43, "MLK_x", ADMIN_KEY + "x", "mlk_" + "x" * 500],
    ids=["prefix-only", "made-up", "upper-prefix", "bootstrap-plus", "huge"],
)
async def test_made_up_keys_get_401(api: Api, redis: Redis, presented: str) -> None:
    real = await AdminKeyStore(redis).create("ops")
    response = await api.client.get("/v3/studies", headers=bearer(presented))
    assert_bridge_error(response, 401, "NotAuthenticatedException")
    assert (await api.client.get("/v3/studies", headers=bearer(real[:-1]))).status_code == 401


async def test_refusals_are_logged_without_the_presented_value(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    bare = "mlk_bare-key-presented-without-scheme"
    sent = {
        "missing": {},
        "bare": {"Authorization": bare},
        "basic": {"Authorization": "Basic c2VjcmV0LXZhbHVlLXNlbnQ="},
        "wrong": bearer("mlk_wrong-key-presented-as-bearer"),
    }
    with caplog.at_level(logging.INFO, logger=AUTH_LOG):
        for headers in sent.values():
            response = await api.client.get("/v3/studies", headers=headers)
            assert response.status_code == 401
    lines = [r.getMessage() for r in caplog.records if r.name == AUTH_LOG]
    assert lines == [
        "admin call refused (no Authorization header): GET /v3/studies",
        "admin call refused (no Bearer key): GET /v3/studies",
        "admin call refused (no Bearer key): GET /v3/studies",
        "admin call refused (unknown or revoked key): GET /v3/studies",
    ]
    for secret in (bare, "c2VjcmV0LXZhbHVlLXNlbnQ=", "mlk_wrong-key-presented-as-bearer"):
        assert secret not in caplog.text


@pytest.fixture
async def no_bootstrap(settings: Settings, redis: Redis) -> AsyncIterator[httpx.AsyncClient]:
    """The app without MAGICLINK_ADMIN_KEY, on the same store."""
    app = create_app(settings.replace(admin_key=None), redis=redis, run_worker=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def test_named_keys_work_without_a_bootstrap_key(
    no_bootstrap: httpx.AsyncClient, redis: Redis
) -> None:
    key = await AdminKeyStore(redis).create("ops")
    assert (await no_bootstrap.get("/v3/studies", headers=bearer(key))).status_code == 200
    refused = await no_bootstrap.get("/v3/studies", headers=bearer(ADMIN_KEY))
    error = assert_bridge_error(refused, 401, "NotAuthenticatedException")
    assert "magiclink admin-key create" in error["message"]
