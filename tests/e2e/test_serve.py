"""``magiclink serve`` as a newcomer and an operator run it: a real process on a real port."""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import httpx

from tests.support.api import ADMIN_KEY, SECRET_KEY
from tests.support.mail import SmtpServer
from tests.support.redis_server import RedisServer
from tests.support.service_process import serving

DEMO = {"study": "demo", "email": "participant@example.org"}
TOKEN_IN_EMAIL = re.compile(r"token=([A-Za-z0-9_-]+)")  # the README's grep


def _wait_for_file(folder: Path, pattern: str) -> Path:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = sorted(folder.glob(pattern))
        if found:
            return found[-1]
        time.sleep(0.05)
    raise AssertionError(f"no {pattern} in {folder}")


def test_the_readme_walk_through_with_embedded_defaults(tmp_path: Path) -> None:
    with serving({}, tmp_path, "--demo") as (url, log_path):
        asked = httpx.post(f"{url}/v3/auth/email", json=DEMO)
        assert asked.status_code == 202, asked.text
        eml = _wait_for_file(tmp_path / "outbox", "*.eml")
        match = TOKEN_IN_EMAIL.search(eml.read_text())
        assert match, eml.read_text()
        token = match.group(1)
        assert f"{url}/s/demo?" in eml.read_text()  # links point at where it listens

        signed_in = httpx.post(f"{url}/v3/auth/email/signIn", json={**DEMO, "token": token})
        assert signed_in.status_code == 200, signed_in.text
        session = signed_in.json()
        me = httpx.get(
            f"{url}/v3/participants/self", headers={"Bridge-Session": session["sessionToken"]}
        )
        assert me.status_code == 200
    log = log_path.read_text()
    # The default format is JSON, for every line: uvicorn's and the banner too.
    lines = [json.loads(line) for line in log.splitlines()]
    assert {"uvicorn.error", "magiclink"} <= {line["logger"] for line in lines}
    assert "EMBEDDED" in log  # the loud warning about data dying with the process
    assert "curl" in log  # the banner says what to try
    for secret in (token, session["sessionToken"], session["reauthToken"]):
        assert secret not in log
    # Past the banner (which names the demo address to try), addresses appear masked only.
    served = log.split("Application startup complete", 1)[1]
    assert "participant@example.org" not in served
    assert "p***@example.org" in served


README = Path(__file__).resolve().parents[2] / "README.md"


def _walk_through_block(number: int = 1) -> str:
    """A block of the README's walk-through, the n-th ``sh`` block under its heading."""
    section = README.read_text().split("## Walk-through", 1)[1]
    return section.split("```sh\n")[number].split("```", 1)[0]


def _pasted(block: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """The block run by bash, as a newcomer pastes it, against `serve --demo`; it succeeded."""
    with serving({}, folder, "--demo") as (url, _):
        done = subprocess.run(
            ["bash", "-c", block.replace("http://127.0.0.1:8000", url)],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    assert not done.stderr, done.stderr
    return done


def test_the_readme_walk_through_pasted_as_one_block(tmp_path: Path) -> None:
    # A newcomer pastes the whole block at once: the email is written a moment after the
    # 202, so the block must wait for it, and take it rather than an email from before.
    earlier = tmp_path / "outbox" / "19700101T000000.000000-earlier.eml"
    earlier.parent.mkdir()
    earlier.write_text("Tap https://signin.example.org/s/demo?token=used-long-ago\n")
    done = _pasted(_walk_through_block(1), tmp_path)
    # One answer per line, in the order of the steps.
    answers = [json.loads(line)["type"] for line in done.stdout.splitlines()]
    assert answers == ["StatusMessage", "UserSessionInfo", "StudyParticipant", "StatusMessage"]
    assert '"message":"Signed out."' in done.stdout.splitlines()[-1], done.stdout


def test_the_readme_first_install_pasted_as_one_block(tmp_path: Path) -> None:
    done = _pasted(_walk_through_block(2), tmp_path)
    assert done.stdout.splitlines()[-3:] == ["412", "201", "200"], done.stdout


def test_serving_from_redis_and_smtp_survives_a_restart(
    tmp_path: Path, redis_server: RedisServer, smtp_server: SmtpServer
) -> None:
    redis_url = redis_server.clean_database(1)
    env = {
        "MAGICLINK_REDIS_URL": redis_url,
        "MAGICLINK_SMTP_URL": smtp_server.url,
        "MAGICLINK_ADMIN_KEY": ADMIN_KEY,
        "MAGICLINK_SECRET_KEY": SECRET_KEY,
        "MAGICLINK_MAIL_FROM": "Study Team <team@example.org>",
    }
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    address = "erin@example.org"
    smtp_server.mailbox.clear()
    with serving(env, tmp_path) as (url, _):
        study = {"identifier": "e2e", "name": "E2E", "emailSignInEnabled": True}
        assert httpx.post(f"{url}/v3/studies", json=study, headers=admin).status_code == 201
        created = httpx.post(
            f"{url}/v3/studies/e2e/participants",
            json={"email": address, "consented": True},
            headers=admin,
        )
        assert created.status_code == 201
        assert httpx.post(f"{url}/v3/auth/email", json={"study": "e2e", "email": address})
        deadline = time.monotonic() + 10
        while not smtp_server.mailbox.to(address):
            assert time.monotonic() < deadline, "no email arrived by SMTP"
            time.sleep(0.05)
        caught = smtp_server.mailbox.to(address)[0]
        assert caught.mail_from == "team@example.org"
        signed_in = httpx.post(
            f"{url}/v3/auth/email/signIn",
            json={"study": "e2e", "email": address, "token": caught.token},
        )
        assert signed_in.status_code == 200
        session = signed_in.json()["sessionToken"]

    with serving(env, tmp_path) as (url, _):
        # Same Redis, same secret key: the session and the study outlive the process.
        me = httpx.get(f"{url}/v3/participants/self", headers={"Bridge-Session": session})
        assert me.status_code == 200
        assert me.json()["email"] == address
        assert httpx.get(f"{url}/ready").status_code == 200
