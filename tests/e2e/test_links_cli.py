"""``magiclink links check|show`` as an operator runs them: against a live ``magiclink serve``,
and against a small HTTP server of our own that serves broken files."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from tests.support.api import ADMIN_KEY, SECRET_KEY
from tests.support.ports import free_port
from tests.support.redis_server import RedisServer
from tests.support.service_process import magiclink, serving

REDIS_DATABASE = 8
AASA = "/.well-known/apple-app-site-association"
ASSETLINKS = "/.well-known/assetlinks.json"
APP = "ABCDE12345.org.example.sleep"
PRINT = ":".join(f"{n:02x}" for n in range(32))


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    return redis_server.clean_database(REDIS_DATABASE)


def test_check_and_show_a_live_service(tmp_path: Path, redis_url: str) -> None:
    env = {
        "MAGICLINK_REDIS_URL": redis_url,
        "MAGICLINK_ADMIN_KEY": ADMIN_KEY,
        "MAGICLINK_SECRET_KEY": SECRET_KEY,
    }
    with serving(env, tmp_path, "--no-worker") as (url, _):
        empty = magiclink({}, tmp_path, "links", "check", url)
        assert empty.returncode == 0, empty.stdout + empty.stderr
        assert empty.stdout.splitlines() == [
            "apple-app-site-association: ok (0 apps, 0.1 KB of 128 KB)",
            "assetlinks.json: ok (0 apps)",
        ]
        assert "HTTP Request" not in empty.stderr  # no client log noise around the report

        admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
        for identifier, app, package in (
            ("sleep-study", APP, "org.example.sleep"),
            ("diary-study", "FGHIJ67890.org.example.diary", "org.example.diary"),
        ):
            study = {
                "identifier": identifier,
                "name": identifier,
                "appleAppLinks": [{"appID": app, "paths": [f"/s/{identifier}/*"]}],
                "androidAppLinks": [
                    {
                        "namespace": "android_app",
                        "package_name": package,
                        "sha256_cert_fingerprints": [PRINT],
                    }
                ],
            }
            created = httpx.post(f"{url}/v3/studies", json=study, headers=admin)
            assert created.status_code == 201, created.text

        checked = magiclink({}, tmp_path, "links", "check", url)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert checked.stdout.splitlines() == [
            f"apple-app-site-association: ok (2 apps, "
            f"{len(httpx.get(url + AASA).content) / 1024:.1f} KB of 128 KB)",
            "assetlinks.json: ok (2 apps)",
        ]
        assert "over http" in checked.stderr  # Apple and Android fetch over https only

        shown = magiclink(
            {"MAGICLINK_REDIS_URL": redis_url, "MAGICLINK_BASE_URL": "https://signin.example.org"},
            tmp_path,
            "links",
            "show",
        )
        assert shown.returncode == 0, shown.stderr
        sections = shown.stdout.split("# ")[1:]
        assert [section.splitlines()[0] for section in sections] == [
            f"https://signin.example.org{AASA}",
            f"https://signin.example.org{ASSETLINKS}",
        ]
        aasa_text = sections[0].split("\n", 1)[1]
        assert json.loads(aasa_text) == httpx.get(url + AASA).json()
        links_text = sections[1].split("\n", 1)[1].split("\n\n")[0]
        assert json.loads(links_text) == httpx.get(url + ASSETLINKS).json()
        assert shown.stdout.rstrip().endswith("assetlinks.json: ok (2 apps)")


def test_show_needs_the_services_redis(tmp_path: Path) -> None:
    shown = magiclink({}, tmp_path, "links", "show")
    assert shown.returncode == 2
    assert "links show needs MAGICLINK_REDIS_URL" in shown.stderr


# --- a host that serves broken files --------------------------------------------------------

Answer = tuple[int, dict[str, str], bytes]


class _Handler(BaseHTTPRequestHandler):
    answers: ClassVar[dict[str, Answer]] = {}

    def do_GET(self) -> None:
        status, headers, body = self.answers.get(self.path, (404, {}, b"not here"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep the test output clean


@pytest.fixture
def broken_host() -> Iterator[tuple[str, dict[str, Answer]]]:
    """A local HTTP server on a free loopback port; the test says what each path answers."""
    answers: dict[str, Answer] = {}
    handler = type("Handler", (_Handler,), {"answers": answers})
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", answers
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _json(document: object, content_type: str = "application/json") -> Answer:
    return 200, {"Content-Type": content_type}, json.dumps(document).encode()


def test_check_names_every_problem_of_a_broken_host(
    tmp_path: Path, broken_host: tuple[str, dict[str, Answer]]
) -> None:
    url, answers = broken_host
    answers[AASA] = _json(
        {"applinks": {"apps": [], "details": [{"appID": "abcde12345.org.x", "paths": ["/s/*"]}]}},
        content_type="text/plain; charset=utf-8",
    )
    answers[ASSETLINKS] = (301, {"Location": "https://www.example.org/assetlinks.json"}, b"")

    checked = magiclink({}, tmp_path, "links", "check", url)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    lines = checked.stdout.splitlines()
    assert lines[0] == (
        "apple-app-site-association: Content-Type is 'text/plain; charset=utf-8'; serve it as "
        "exactly application/json (no charset or other parameters)"
    )
    assert lines[1].startswith(
        "apple-app-site-association: applinks.details[0].appID must be the team id, a dot and "
        "the bundle id"
    )
    assert lines[1].endswith("write the team id in upper case: ABCDE12345")
    assert lines[2] == (
        f"assetlinks.json: {url}{ASSETLINKS} answers 301, a redirect to "
        "https://www.example.org/assetlinks.json; Apple and Android do not follow redirects: "
        "serve the file at this URL itself"
    )
    assert len(lines) == 3

    # The redirect fixed, the fingerprints are wrong.
    statement = {
        "relation": ["delegate_permission/common.handle_all_urls"],
        "target": {
            "namespace": "android_app",
            "package_name": "org.example.sleep",
            "sha256_cert_fingerprints": [PRINT, "AB:CD:EF"],
        },
    }
    answers[ASSETLINKS] = _json([statement])
    answers[AASA] = (404, {"Content-Type": "text/html"}, b"<h1>Not found</h1>")
    checked = magiclink({}, tmp_path, "links", "check", url)
    assert checked.returncode == 1
    lines = checked.stdout.splitlines()
    assert lines[0] == (
        f"apple-app-site-association: {url}{AASA} answers 404; it must answer 200 with the file"
    )
    assert lines[1] == (
        "assetlinks.json: [0].target.sha256_cert_fingerprints[0] must be upper-case for "
        f"Android: {PRINT.upper()}"
    )
    assert lines[2].startswith(
        "assetlinks.json: [0].target.sha256_cert_fingerprints[1] must be the SHA-256 fingerprint"
    )
    assert len(lines) == 3


def test_check_of_a_host_that_does_not_answer(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    checked = magiclink({}, tmp_path, "links", "check", "--timeout", "5", url)
    assert checked.returncode == 1
    lines = checked.stdout.splitlines()
    assert lines[0].startswith(f"apple-app-site-association: could not fetch {url}{AASA}: ")
    assert lines[1].startswith(f"assetlinks.json: could not fetch {url}{ASSETLINKS}: ")


@pytest.mark.parametrize(
    "args",
    [
        ["links", "check", "ftp://example.org"],
        ["links", "check", "https://example.org/some/path"],
        ["links", "check", "--timeout", "0", "https://example.org"],
        ["links", "check"],
        ["links"],
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    result = magiclink({}, tmp_path, *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    assert result.stderr
