"""``magiclink onboard`` as a researcher runs it, next to a running service that delivers."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.support.api import ADMIN_KEY, SECRET_KEY
from tests.support.mail import SmtpServer
from tests.support.redis_server import RedisServer
from tests.support.service_process import magiclink, serving

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def test_onboard_a_csv_file_once(
    tmp_path: Path, redis_server: RedisServer, smtp_server: SmtpServer
) -> None:
    redis_url = redis_server.clean_database(10)
    smtp_server.mailbox.clear()
    env = {
        "MAGICLINK_REDIS_URL": redis_url,
        "MAGICLINK_SMTP_URL": smtp_server.url,
        "MAGICLINK_ADMIN_KEY": ADMIN_KEY,
        "MAGICLINK_SECRET_KEY": SECRET_KEY,
    }
    people = tmp_path / "people.csv"
    people.write_text(
        "name,Email\nAda,ada@example.org\nBob,bob@example.org\n\nCy,cy@example.org\n"
        "Ada again,ADA@example.org\n"
    )
    with serving(env, tmp_path) as (url, _):
        study = {"identifier": "onb", "name": "Onboarding Study"}
        assert httpx.post(f"{url}/v3/studies", json=study, headers=ADMIN).status_code == 201

        first = magiclink(env, tmp_path, "onboard", "--study", "onb", str(people))
        assert first.returncode == 0, first.stderr
        assert "4 addresses, 3 emails queued, 1 skipped" in first.stdout
        assert "3 participants created" in first.stdout
        assert "100%" in first.stderr  # progress, one line a tenth when not on a terminal

        deadline = time.monotonic() + 10
        while len(smtp_server.mailbox.emails) < 3:
            assert time.monotonic() < deadline, "onboarding emails did not arrive"
            time.sleep(0.05)

        again = magiclink(env, tmp_path, "onboard", "--study", "onb", str(people))
        assert again.returncode == 0, again.stderr
        assert "0 emails queued, 4 skipped" in again.stdout
        time.sleep(1.0)
        assert sorted(r for e in smtp_server.mailbox.emails for r in e.recipients) == [
            "ada@example.org",
            "bob@example.org",
            "cy@example.org",
        ]

        broken = tmp_path / "broken.csv"
        broken.write_text("email\ndee@example.org\nnot-an-address\n")
        refused = magiclink(env, tmp_path, "onboard", "--study", "onb", str(broken))
        assert refused.returncode == 2
        assert f"{broken}:3:" in refused.stderr
        assert "nothing was sent" in refused.stderr
        assert "dee@example.org" not in {
            r for e in smtp_server.mailbox.emails for r in e.recipients
        }

        unknown = magiclink(env, tmp_path, "onboard", "--study", "nope", str(people))
        assert unknown.returncode == 2
        assert "no study 'nope'" in unknown.stderr
