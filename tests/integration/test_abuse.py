"""Abuse resistance: per-client budgets, a study's pace, the daily cap per address, and no
address oracle."""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator, Awaitable
from ipaddress import ip_network

import httpx
import pytest
from redis.asyncio import Redis

from service.settings import RateLimit, Settings
from service.store.connection import RedisClient
from tests.support.api import Api, serving
from tests.support.contract import assert_bridge_error
from tests.support.mail import Mailbox
from tests.support.redis_server import RedisServer


def _from(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


class TestPerClientBudget:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.replace(rate_limit_per_ip=RateLimit(3, 60))

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
        return settings.replace(
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


class TestOutsidersCannotLockAStudyOut:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        # The shipped limits, scaled down: 10 per client (100/600), 50 per study (1000/60).
        return settings.replace(
            rate_limit_per_ip=RateLimit(10, 600),
            study_email_pace=RateLimit(50, 60),
            trusted_proxies=(ip_network("127.0.0.0/8"),),
        )

    async def test_requests_for_made_up_addresses_never_refuse_a_participant(
        self, api: Api
    ) -> None:
        # The attack: 11 clients use up their budgets on made-up addresses. Before, that used
        # up the study's budget too, and a real participant got 429 for a minute.
        await api.create_study("study-a")
        await api.create_participant("study-a", "real@example.org", consented=True)
        for client in range(11):
            for n in range(10):
                response = await api.client.post(
                    "/v3/auth/email",
                    json={"study": "study-a", "email": f"fake{client}-{n}@example.org"},
                    headers=_from(f"198.51.100.{client}"),
                )
                assert response.status_code == 202
        real = await api.client.post(
            "/v3/auth/email",
            json={"study": "study-a", "email": "real@example.org"},
            headers=_from("203.0.113.50"),
        )
        assert real.status_code == 202
        await api.mailbox.wait_for("real@example.org")


class TestStudyPace:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.replace(rate_limit_per_ip=None, study_email_pace=RateLimit(2, 1))

    async def test_a_study_s_emails_beyond_its_pace_wait_and_are_all_delivered(
        self, api: Api
    ) -> None:
        await api.create_study("study-a")
        await api.create_study("study-b")
        addresses = [f"p{n}@example.org" for n in range(4)]
        for address in addresses:
            await api.create_participant("study-a", address, consented=True)
            assert (await api.request_link("study-a", address)).status_code == 202
        await api.create_participant("study-b", "q@example.org", consented=True)
        assert (await api.request_link("study-b", "q@example.org")).status_code == 202
        started = time.monotonic()
        for address in [*addresses, "q@example.org"]:
            await api.mailbox.wait_for(address, within=10)
        # Two went at once; the other two of study-a waited for its pace (at least about half
        # a window), and study-b's has a pace of its own.
        assert time.monotonic() - started >= 0.4
        metrics = (await api.scrape_metrics()).text
        assert 'magiclink_emails_total{kind="sign-in",outcome="paced"}' in metrics
        # A paced email carries a fresh link that works.
        last = api.mailbox.to(addresses[-1])[-1]
        signed_in = await api.sign_in_with_token("study-a", addresses[-1], last.token)
        assert signed_in.status_code == 200

    async def test_made_up_addresses_do_not_count_against_the_pace(self, api: Api) -> None:
        await api.create_study("study-a")
        await api.create_participant("study-a", "real@example.org", consented=True)
        for n in range(20):
            assert (await api.request_link("study-a", f"fake{n}@example.org")).status_code == 202
        await api.outbox_drained()
        assert (await api.request_link("study-a", "real@example.org")).status_code == 202
        await api.mailbox.wait_for("real@example.org")
        metrics = (await api.scrape_metrics()).text
        assert 'outcome="paced"' not in metrics


class TestDailyCap:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.replace(sign_in_emails_per_day=3)

    async def test_an_address_gets_at_most_its_emails_of_the_day_and_answers_tell_nothing(
        self, api: Api
    ) -> None:
        # The attack: anybody could have an address emailed once per interval for ever.
        await api.create_study("study-a")
        await api.create_participant("study-a", "victim@example.org", consented=True)
        answers = {
            address: [await api.request_link("study-a", address) for _ in range(6)]
            for address in ("victim@example.org", "nobody@example.org")
        }
        # Every request is answered alike, capped or not, account or not.
        bodies = {(a.status_code, a.content) for replies in answers.values() for a in replies}
        accepted = (
            b'{"message":"If registered with the study, we\'ll send an email to that address so '
            b'you can sign in.","type":"StatusMessage"}'
        )
        assert bodies == {(202, accepted)}
        await api.outbox_drained()
        assert len(api.mailbox.to("victim@example.org")) == 3
        metrics = (await api.scrape_metrics()).text
        assert 'magiclink_emails_total{kind="sign-in",outcome="capped"} 3.0' in metrics
        # The emails that went still sign in.
        latest = api.mailbox.to("victim@example.org")[-1]
        response = await api.sign_in_with_token("study-a", "victim@example.org", latest.token)
        assert response.status_code == 200


class TestNoOracle:
    """Known and unknown addresses take the same path: the same Redis commands in the same
    order, and byte-identical answers. (Their timing is compared by ``make bench``.)"""

    @pytest.fixture
    async def api(
        self, settings: Settings, redis: RedisClient, mailbox: Mailbox
    ) -> AsyncIterator[Api]:
        # No worker in this process: its commands would interleave with the request's.
        async with serving(settings, redis, mailbox, run_worker=False) as api:
            yield api

    @pytest.mark.parametrize("redis", ["redis"], indirect=True)  # MONITOR: a real server
    async def test_known_and_unknown_addresses_take_the_same_path(
        self, api: Api, redis: RedisClient, redis_server: RedisServer
    ) -> None:
        await api.create_study("study-a", emailSignInRequestIntervalSeconds=60)
        await api.create_participant("study-a", "known@example.org", consented=True)
        await api.create_participant("study-a", "off@example.org", status="disabled")
        await api.request_link("study-a", "warm-up@example.org")  # the study is cached now

        paths = {}
        for address in ("known@example.org", "unknown@example.org", "off@example.org"):
            commands, answer = await _monitored(redis_server, api.request_link("study-a", address))
            paths[address] = (commands, answer)
        reference_commands, reference_answer = paths["known@example.org"]
        assert reference_commands  # the accept script, at least
        for commands, answer in paths.values():
            assert commands == reference_commands
            assert answer == reference_answer
        # The study's funnel count is made inside the accepting script, for every address.
        assert ("HINCRBY", 3) in reference_commands
        assert ("EXPIRE", 2) in reference_commands
        stats_key = api.services.study_stats.key("study-a")
        assert await redis.hget(stats_key, "linksRequested") == "4"  # with the warm-up


async def _monitored(
    server: RedisServer, request: Awaitable[httpx.Response]
) -> tuple[list[tuple[str, int]], tuple[int, bytes, list[tuple[str, str]]]]:
    """The Redis commands a request makes (name and number of arguments, in order) and its
    answer (status, body, headers but the request id)."""
    monitor_client = Redis.from_url(server.url)
    marker = secrets.token_hex(8)
    seen: list[tuple[str, int]] = []
    try:
        async with monitor_client.monitor() as monitor:
            response = await request
            await monitor_client.echo(marker)  # on another connection of the pool
            while True:
                event = await monitor.next_command()
                command = event["command"]
                if marker in command:
                    break
                name, *arguments = command.split(" ")
                seen.append((name.upper(), len(arguments)))
    finally:
        await monitor_client.aclose()
    headers = [(k, v) for k, v in response.headers.items() if k.lower() != "x-request-id"]
    return seen, (response.status_code, response.content, headers)
