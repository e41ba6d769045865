"""``magiclink provision appconfig`` as an operator runs it, against a live ``magiclink serve``."""

from __future__ import annotations

import plistlib
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest

from tests.support.api import ADMIN_KEY, SECRET_KEY
from tests.support.redis_server import RedisServer
from tests.support.service_process import magiclink, serving

REDIS_DATABASE = 11
BASE_URL = "https://signin.example.org"


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    return redis_server.clean_database(REDIS_DATABASE)


def test_the_cli_writes_what_the_api_serves(tmp_path: Path, redis_url: str) -> None:
    env = {
        "MAGICLINK_REDIS_URL": redis_url,
        "MAGICLINK_ADMIN_KEY": ADMIN_KEY,
        "MAGICLINK_SECRET_KEY": SECRET_KEY,
        "MAGICLINK_BASE_URL": BASE_URL,
    }
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    with serving(env, tmp_path, "--no-worker") as (url, _):
        for identifier, apps in (
            ("sleep-study", [{"appID": "ABCDE12345.org.example.sleep", "paths": ["/s/*"]}]),
            ("web-only", []),
        ):
            study = {"identifier": identifier, "name": identifier, "appleAppLinks": apps}
            created = httpx.post(f"{url}/v3/studies", json=study, headers=admin)
            assert created.status_code == 201, created.text
        for fmt, filename in (
            ("appconfig", "appconfig.xml"),
            ("plist", "managed-config.plist"),
            ("restrictions", "app_restrictions.xml"),
        ):
            served = httpx.get(
                f"{url}/v3/studies/sleep-study/provisioning/{filename}", headers=admin
            )
            assert served.status_code == 200, served.text
            out = tmp_path / filename
            args = ("provision", "appconfig", "--study", "sleep-study", "--format", fmt)
            written = magiclink(env, tmp_path, *args, "--output", str(out))
            assert written.returncode == 0, written.stderr
            assert out.read_bytes() == served.content
            printed = magiclink(env, tmp_path, *args)
            assert printed.returncode == 0, printed.stderr
            assert printed.stdout.encode() == served.content

    plist = plistlib.loads((tmp_path / "managed-config.plist").read_bytes())
    assert plist["serverUrl"] == BASE_URL
    specfile = (tmp_path / "appconfig.xml").read_bytes()
    root = ET.fromstring(specfile)  # noqa: S314 - our own output, not untrusted input
    assert root.findtext("bundleId") == "org.example.sleep"

    no_app = magiclink(
        env, tmp_path, "provision", "appconfig", "--study", "web-only", "--format", "appconfig"
    )
    assert no_app.returncode == 1
    assert "appleAppLinks" in no_app.stderr
    unknown = magiclink(
        env, tmp_path, "provision", "appconfig", "--study", "nope", "--format", "plist"
    )
    assert unknown.returncode == 1
    assert "no study 'nope'" in unknown.stderr
    # With the service's Redis configured, a study link is only printed for a real study.
    linked = magiclink(env, tmp_path, "provision", "link", "study", "--study", "sleep-study")
    assert (linked.returncode, linked.stderr) == (0, "")
    assert linked.stdout.startswith(f"{BASE_URL}/")
    no_link = magiclink(env, tmp_path, "provision", "link", "study", "--study", "nope")
    assert (no_link.returncode, no_link.stdout) == (1, "")
    assert "no study 'nope'" in no_link.stderr
    without_redis = {k: v for k, v in env.items() if k != "MAGICLINK_REDIS_URL"}
    refused = magiclink(
        without_redis, tmp_path, "provision", "appconfig", "--study", "x", "--format", "plist"
    )
    assert refused.returncode == 2
    assert "MAGICLINK_REDIS_URL" in refused.stderr
