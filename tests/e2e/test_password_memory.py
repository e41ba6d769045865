"""Password hashing cannot exhaust a process's memory: measured on a real ``serve``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from tests.support.api import ADMIN_KEY, SECRET_KEY
from tests.support.redis_server import RedisServer
from tests.support.service_process import ServiceProcess, running

CONCURRENT = 40
# The bound: peak RSS within about 150 MB of idle (each argon2 check takes 19 MiB).
MAX_GROWTH_KB = 150 * 1024


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


async def _sign_in_with_wrong_passwords(url: str) -> list[int]:
    limits = httpx.Limits(max_connections=CONCURRENT)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        answers = await asyncio.gather(
            *(
                client.post(
                    "/v3/auth/signIn",
                    json={"study": "mem", "email": f"p{n}@example.org", "password": "wrong!!!"},
                )
                for n in range(CONCURRENT)
            )
        )
    return [answer.status_code for answer in answers]


def test_forty_concurrent_wrong_password_sign_ins_stay_within_150_mb(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    # The attack: 16 concurrent unauthenticated sign-ins OOM-killed a process in a 256 MiB
    # cgroup; 40 took RSS to 780 MB (one 19 MiB argon2 check each, in an unbounded pool).
    env = {
        "MAGICLINK_REDIS_URL": redis_server.clean_database(3),
        "MAGICLINK_ADMIN_KEY": ADMIN_KEY,
        "MAGICLINK_SECRET_KEY": SECRET_KEY,
        "MAGICLINK_PASSWORD_HASH_CONCURRENCY": "2",
        # The limits per client and address would refuse most of these before any hashing;
        # here the bound on hashing itself is under test.
        "MAGICLINK_RATE_LIMIT_FAILED_SIGN_INS_PER_IP": "0",
        "MAGICLINK_RATE_LIMIT_PASSWORDS_PER_IP": "0",
        "MAGICLINK_RATE_LIMIT_PASSWORDS_PER_ADDRESS": "0",
    }
    with running(ServiceProcess(env, tmp_path)) as service:
        study = {"identifier": "mem", "name": "Memory", "emailSignInEnabled": True}
        admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
        assert httpx.post(f"{service.url}/v3/studies", json=study, headers=admin).status_code == 201
        idle = _status_kb(service.pid, "VmRSS")
        Path(f"/proc/{service.pid}/clear_refs").write_text("5")  # peak := now
        statuses = asyncio.run(_sign_in_with_wrong_passwords(service.url))
        peak = _status_kb(service.pid, "VmHWM")
    print(
        f"RSS idle {idle // 1024} MB, peak {peak // 1024} MB: +{(peak - idle) // 1024} MB; "
        f"{statuses.count(404)} checked (404), {statuses.count(503)} told to retry (503)"
    )
    assert set(statuses) <= {404, 503}
    assert statuses.count(404) >= 10  # two at once, four waiting each: some are checked
    assert peak - idle < MAX_GROWTH_KB
