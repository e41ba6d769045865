"""Abuse resistance: per-client and per-study budgets, and no address oracle by timing."""

from __future__ import annotations

import asyncio
import dataclasses
import statistics
import time
from ipaddress import ip_network

import pytest

from service.settings import RateLimit, Settings
from tests.support.api import Api
from tests.support.contract import assert_bridge_error


def _from(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


class TestPerClientBudget:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(settings, rate_limit_per_ip=RateLimit(3, 60))

    async def test_one_client_gets_a_budget_across_addresses(self, api: Api) -> None:
        await api.create_study("study-a")
        for i in range(3):
            assert (await api.request_link("study-a", f"a{i}@example.org")).status_code == 202
        refused = await api.request_link("study-a", "a9@example.org")
        body = assert_bridge_error(refused, 429, "RateLimitExceededException")
        assert "network" in body["message"]
        assert 1 <= int(refused.headers["Retry-After"]) <= 120
        # Without a trusted proxy, X-Forwarded-For is the client's own word: ignored.
        spoofed = await api.client.post(
            "/v3/auth/email",
            json={"study": "study-a", "email": "a8@example.org"},
            headers=_from("203.0.113.99"),
        )
        assert spoofed.status_code == 429


class TestBehindATrustedProxy:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(
            settings,
            rate_limit_per_ip=RateLimit(2, 60),
            trusted_proxies=(ip_network("127.0.0.0/8"),),  # the test client's address
        )

    async def test_each_forwarded_client_has_its_own_budget(self, api: Api) -> None:
        await api.create_study("study-a")

        async def ask(client: str, address: str) -> int:
            response = await api.client.post(
                "/v3/auth/email",
                json={"study": "study-a", "email": address},
                headers=_from(f"{client}, 127.0.0.5"),  # the client, then our proxy
            )
            return response.status_code

        assert [await ask("198.51.100.1", f"x{i}@example.org") for i in range(3)] == [
            202,
            202,
            429,
        ]
        assert await ask("198.51.100.2", "y@example.org") == 202
        # Hops left of the first untrusted one are the client's own word: not believed.
        spoofed = await api.client.post(
            "/v3/auth/email",
            json={"study": "study-a", "email": "z@example.org"},
            headers=_from("192.0.2.77, 198.51.100.1"),
        )
        assert spoofed.status_code == 429


class TestPerStudyBudget:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(
            settings,
            rate_limit_per_ip=None,
            rate_limit_per_study=RateLimit(2, 1),
        )

    async def test_a_study_budget_caps_every_sender_and_slides(self, api: Api) -> None:
        await api.create_study("study-a")
        await api.create_study("study-b")
        statuses = [
            (await api.request_link("study-a", f"s{i}@example.org")).status_code for i in range(3)
        ]
        assert statuses == [202, 202, 429]
        refused = await api.request_link("study-a", "s9@example.org")
        body = assert_bridge_error(refused, 429, "RateLimitExceededException")
        assert "study" in body["message"]
        assert (await api.request_link("study-b", "s0@example.org")).status_code == 202
        await asyncio.sleep(int(refused.headers["Retry-After"]) + 0.05)
        assert (await api.request_link("study-a", "s8@example.org")).status_code == 202


class TestNoOracle:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(settings, rate_limit_per_ip=None, rate_limit_per_study=None)

    async def test_known_and_unknown_addresses_take_the_same_time(self, api: Api) -> None:
        await api.create_study("study-a")
        await api.create_participant("study-a", "known@example.org", consented=True)
        timings: dict[str, list[float]] = {"known@example.org": [], "unknown@example.org": []}
        for _ in range(150):
            for address, samples in timings.items():
                started = time.perf_counter()
                response = await api.request_link("study-a", address)
                samples.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 202
        known = statistics.median(timings["known@example.org"])
        unknown = statistics.median(timings["unknown@example.org"])
        print(f"median ms: known {known:.2f}, unknown {unknown:.2f}")
        assert abs(known - unknown) < 2.0
