"""Fixtures of the browser tests: Debian's chromium driven by Playwright, and a real
``magiclink serve`` with a study whose apps are on both stores, and a real emailed link.

Nothing here skips: without chromium the tests fail and say how to install it (``make test``
does, run as root: ``tests/system_packages.sh``). Playwright's own browser downloads are never used.

The browser is Playwright's async API on the session's event loop (the tests here run on that
loop: ``pytestmark`` in each module). The sync API would not do: while it is open it leaves its
event loop marked as running in the main thread, and every later async test in the session
would then fail with "Runner.run() cannot be called from a running event loop".
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
import redis
from playwright.async_api import Browser, async_playwright

from tests.support.api import ADMIN_KEY, SECRET_KEY
from tests.support.mail import CaughtEmail, SmtpServer
from tests.support.redis_server import RedisServer
from tests.support.service_process import ServiceProcess

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = (
    f"{CHROMIUM} is missing, and the landing page's browser tests need it. Install Debian's "
    "chromium with 'sudo apt-get install chromium' (run as root, 'make test' installs it). "
    "Playwright's own browser downloads are not used."
)

STUDY = "browser-study"
PARTICIPANT = "browser.participant@example.org"
APP_STORE = "https://apps.apple.com/app/example/id1234567890"
PLAY_STORE = "https://play.google.com/store/apps/details?id=org.example.study"
PACKAGE = "org.example.study"
FINGERPRINT = ":".join(f"{byte:02X}" for byte in range(0xA0, 0xC0))  # 32 bytes
SCHEME = "examplestudy"
REDIS_DATABASE = 9


@dataclass(frozen=True)
class LandingSite:
    """The running service, and the sign-in email it sent to the participant."""

    url: str
    study: str
    email: str
    link: str  # the link exactly as the email has it
    token: str
    code: str
    caught: CaughtEmail

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_KEY}"}


def _chromium() -> str:
    if not CHROMIUM.exists():
        pytest.fail(INSTALL_HINT, pytrace=False)
    return str(CHROMIUM)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    executable = _chromium()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


def _wait_for_email(smtp_server: SmtpServer, address: str) -> CaughtEmail:
    deadline = time.monotonic() + 10
    while not smtp_server.mailbox.to(address):
        assert time.monotonic() < deadline, f"no sign-in email to {address} within 10 s"
        time.sleep(0.05)
    return smtp_server.mailbox.to(address)[-1]


@pytest.fixture(scope="module")
def landing_site(
    redis_server: RedisServer, smtp_server: SmtpServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LandingSite]:
    """``magiclink serve`` on Redis database 9 (flushed) whose links point at itself."""
    with _serving(redis_server, smtp_server, REDIS_DATABASE, tmp_path_factory) as (url, _):
        yield _signed_up(url, smtp_server)


@contextlib.contextmanager
def _serving(
    redis_server: RedisServer,
    smtp_server: SmtpServer,
    database: int,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, str]]:
    """A ``magiclink serve`` on its own Redis database (flushed), sending to the SMTP sink,
    whose links point at itself: its URL and its Redis URL, until the block ends."""
    redis_url = f"{redis_server.url.rsplit('/', 1)[0]}/{database}"
    with redis.Redis.from_url(redis_url) as client:
        client.flushdb()
    service = ServiceProcess(
        {
            "MAGICLINK_REDIS_URL": redis_url,
            "MAGICLINK_SMTP_URL": smtp_server.url,
            "MAGICLINK_ADMIN_KEY": ADMIN_KEY,
            "MAGICLINK_SECRET_KEY": SECRET_KEY,
            "MAGICLINK_MAIL_FROM": "Study Team <team@example.org>",
        },
        tmp_path_factory.mktemp(f"serve-db{database}"),
    )
    service.set_env("MAGICLINK_BASE_URL", service.url)
    service.start()
    try:
        yield service.url, redis_url
    finally:
        if service.running:
            service.stop()
        service.ensure_stopped()


def _signed_up(url: str, smtp_server: SmtpServer) -> LandingSite:
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    study = {
        "identifier": STUDY,
        "name": "Sleep & Mood Browser Study",
        "supportEmail": "help@example.org",
        "emailSignInEnabled": True,
        # The link's path is /s/browser-study exactly: "/s/browser-study/*" alone would miss it
        # (see service/deeplinks/association.py).
        "appleAppLinks": [
            {
                "appID": "ABCDE12345.org.example.study",
                "paths": [f"/s/{STUDY}", f"/s/{STUDY}/*"],
            }
        ],
        "androidAppLinks": [
            {
                "namespace": "android_app",
                "package_name": PACKAGE,
                "sha256_cert_fingerprints": [FINGERPRINT],
            }
        ],
        "installLinks": {"ios": APP_STORE, "android": PLAY_STORE},
        "appUrlScheme": SCHEME,
    }
    created = httpx.post(f"{url}/v3/studies", json=study, headers=admin)
    assert created.status_code == 201, created.text
    participant = httpx.post(
        f"{url}/v3/studies/{STUDY}/participants",
        json={"email": PARTICIPANT, "consented": True},
        headers=admin,
    )
    assert participant.status_code == 201, participant.text

    smtp_server.mailbox.clear()
    asked = httpx.post(f"{url}/v3/auth/email", json={"study": STUDY, "email": PARTICIPANT})
    assert asked.status_code == 202, asked.text
    caught = _wait_for_email(smtp_server, PARTICIPANT)
    match = re.search(rf"{re.escape(url)}/s/[^\s<>\"']+", caught.text)
    assert match, f"no sign-in link on {url} in the email:\n{caught.text}"
    return LandingSite(
        url=url,
        study=STUDY,
        email=PARTICIPANT,
        link=match.group(0),
        token=caught.token,
        code=caught.code,
        caught=caught,
    )


CONSOLE_REDIS_DATABASE = 10


@dataclass(frozen=True)
class ConsoleSite:
    """``magiclink serve`` for the console's tests: its own Redis database, the SMTP sink."""

    url: str
    redis_url: str
    smtp: SmtpServer


@pytest.fixture(scope="module")
def console_site(
    redis_server: RedisServer, smtp_server: SmtpServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ConsoleSite]:
    with _serving(redis_server, smtp_server, CONSOLE_REDIS_DATABASE, tmp_path_factory) as (
        url,
        redis_url,
    ):
        yield ConsoleSite(url, redis_url, smtp_server)
