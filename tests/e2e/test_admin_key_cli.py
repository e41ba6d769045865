"""``magiclink admin-key`` as an operator runs it, against a real Redis and a real server."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.support.api import ADMIN_KEY, SECRET_KEY
from tests.support.redis_server import RedisServer
from tests.support.service_process import magiclink, serving


def test_create_use_list_and_revoke_a_key(tmp_path: Path, redis_server: RedisServer) -> None:
    redis_url = redis_server.clean_database(2)
    env = {"MAGICLINK_REDIS_URL": redis_url}

    created = magiclink(env, tmp_path, "admin-key", "create", "ops")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert re.fullmatch(r"mlk_[A-Za-z0-9_-]{43}", key), created.stdout
    assert created.stdout == key + "\n"  # only the key on stdout, for KEY=$(...)
    assert "cannot be shown again" in created.stderr
    assert key not in created.stderr

    again = magiclink(env, tmp_path, "admin-key", "create", "ops")
    assert again.returncode == 1
    assert "already exists" in again.stderr
    assert again.stdout == ""
    bad_name = magiclink(env, tmp_path, "admin-key", "create", "Not A Name")
    assert bad_name.returncode == 2
    assert "invalid key name" in bad_name.stderr
    assert magiclink(env, tmp_path, "admin-key", "create", "ci").returncode == 0

    listed = magiclink(env, tmp_path, "admin-key", "list")
    assert listed.returncode == 0, listed.stderr
    rows = [line.split() for line in listed.stdout.splitlines()]
    assert [row[0] for row in rows] == ["NAME", "ci", "ops"]
    assert rows[0] == ["NAME", "CREATED"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", row[1]) for row in rows[1:])
    assert key not in listed.stdout + listed.stderr
    assert key[4:] not in listed.stdout + listed.stderr

    serve_env = {**env, "MAGICLINK_ADMIN_KEY": ADMIN_KEY, "MAGICLINK_SECRET_KEY": SECRET_KEY}
    with serving(serve_env, tmp_path) as (url, log_path):
        named = {"Authorization": f"Bearer {key}"}
        study = {"identifier": "keys", "name": "Keys"}
        made = httpx.post(f"{url}/v3/studies", json=study, headers=named)
        assert made.status_code == 201, made.text
        assert httpx.get(f"{url}/v3/studies/keys", headers=named).status_code == 200

        revoked = magiclink(env, tmp_path, "admin-key", "revoke", "ops")
        assert revoked.returncode == 0, revoked.stderr
        assert "revoked" in revoked.stdout

        # Revoked while the server runs: refused from the next call on.
        refused = httpx.get(f"{url}/v3/studies/keys", headers=named)
        assert refused.status_code == 401, refused.text
        assert refused.json()["type"] == "NotAuthenticatedException"
        bootstrap = {"Authorization": f"Bearer {ADMIN_KEY}"}
        assert httpx.get(f"{url}/v3/studies/keys", headers=bootstrap).status_code == 200
    log = log_path.read_text()
    assert "admin call with key 'ops': POST /v3/studies" in log
    assert "admin call refused (unknown or revoked key): GET /v3/studies/keys" in log
    assert "admin call with the bootstrap key: GET /v3/studies/keys" in log
    assert key not in log
    assert key[4:] not in log

    unknown = magiclink(env, tmp_path, "admin-key", "revoke", "ops")
    assert unknown.returncode == 1
    assert "no admin key named 'ops'" in unknown.stderr
    after = magiclink(env, tmp_path, "admin-key", "list")
    assert [line.split()[0] for line in after.stdout.splitlines()] == ["NAME", "ci"]


def test_admin_key_commands_refuse_the_embedded_store(tmp_path: Path) -> None:
    for args in (("create", "ops"), ("list",), ("revoke", "ops")):
        result = magiclink({}, tmp_path, "admin-key", *args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert "MAGICLINK_REDIS_URL" in lines[0]
