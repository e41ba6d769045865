"""``magiclink links show|check``: the app association files, ours and any host's.

- ``links show`` prints the two files this service serves (built from the studies in
  MAGICLINK_REDIS_URL) and checks them as ``check`` would.
- ``links check URL`` fetches ``URL/.well-known/apple-app-site-association`` and
  ``URL/.well-known/assetlinks.json`` without following redirects (a redirect is itself a
  problem: neither Apple nor Android follows one) and prints every problem, one line each.

Exit status: 0 nothing wrong, 1 a problem found (or the host did not answer), 2 a usage error.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

import click
import httpx

from service import __version__
from service.cli._command import Group
from service.cli._context import load_settings
from service.cli._output import progress
from service.cli._redis import on_redis
from service.deeplinks.association import AASA_PATH, ASSETLINKS_PATH, AssociationFiles
from service.deeplinks.association_check import (
    MEDIA_TYPE,
    Fetched,
    Report,
    check_apple_app_site_association,
    check_assetlinks,
)
from service.store.connection import RedisClient
from service.store.scripts import Scripts
from service.store.studies import StudyStore

# Enough for any real file (Apple stops at 128 KB); a host sending more is cut off here.
MAX_FETCH_BYTES = 4 * 1024 * 1024


@click.group(cls=Group)
def links() -> None:
    """The app association files: print ours, or check any host's.

    The files that let iOS and Android open sign-in links in the study apps:
    /.well-known/apple-app-site-association and /.well-known/assetlinks.json.
    """


def _print_reports(reports: list[Report]) -> None:
    """Every problem, one line each, then "ok" for each file without one; exit 1 if any."""
    problems = [problem for report in reports for problem in report.problems]
    for problem in problems:
        click.echo(problem)
    for report in reports:
        if not report.problems:
            click.echo(f"{report.name}: ok ({report.summary})")
    if problems:
        raise click.exceptions.Exit(1)


# --- show ----------------------------------------------------------------------------------


@links.command()
@on_redis
async def show(redis: RedisClient) -> None:
    """Print the files this service serves (needs MAGICLINK_REDIS_URL).

    Built from the studies in MAGICLINK_REDIS_URL, at the URLs under MAGICLINK_BASE_URL, and
    checked as 'magiclink links check' would check them.
    """
    base_url = load_settings().base_url
    files = AssociationFiles.build(await StudyStore(redis, Scripts(redis)).all())
    served = (
        (AASA_PATH, files.apple_app_site_association.body, check_apple_app_site_association),
        (ASSETLINKS_PATH, files.assetlinks.body, check_assetlinks),
    )
    reports = []
    for path, body, check in served:
        url = base_url + path
        click.echo(f"# {url}")
        click.echo(json.dumps(json.loads(body), indent=2))
        click.echo()
        reports.append(check(Fetched(url, 200, {"content-type": MEDIA_TYPE}, body)))
    _print_reports(reports)


# --- check ---------------------------------------------------------------------------------


def _origin(url: str) -> str | None:
    """``https://host[:port]`` from what the operator typed (a bare host means https)."""
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def _as_origin(ctx: click.Context, param: click.Parameter, value: str) -> str:
    origin = _origin(value)
    if origin is None:
        raise click.BadParameter(
            f"the host's origin, like https://signin.example.org (no path); got {value!r}"
        )
    return origin


def fetch(client: httpx.Client, url: str) -> Fetched:
    """One GET, as the platforms make it: no redirects followed, the body capped."""
    try:
        with client.stream("GET", url) as response:
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_FETCH_BYTES:
                    break
            headers = {name.lower(): value for name, value in response.headers.items()}
            return Fetched(url, response.status_code, headers, bytes(body))
    except httpx.HTTPError as exc:
        return Fetched(url, error=f"{type(exc).__name__}: {exc}" if str(exc) else repr(exc))


@links.command()
@click.argument("url", metavar="URL", callback=_as_origin)
@click.option(
    "--timeout",
    metavar="SECONDS",
    type=click.FloatRange(0, min_open=True),
    default=10.0,
    show_default=True,
    help="Seconds to wait for each file.",
)
def check(url: str, timeout: float) -> None:
    """Fetch a host's two files and report every problem (exit 1 if any).

    Fetches both files as Apple's CDN and Android do (no redirects followed) and reports
    every problem, one line each: status, redirect, content type, size, JSON shape, app ids,
    fingerprints. URL is the host's origin, like https://signin.example.org (a bare host
    means https). Exit 0 when nothing is wrong, 1 otherwise.
    """
    if url.startswith("http://"):
        click.echo(
            "magiclink: note: Apple and Android fetch these files over https only; checking "
            "over http",
            err=True,
        )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the report says what was fetched
    headers = {"User-Agent": f"magiclink/{__version__} (links check)"}
    checks = (
        (AASA_PATH, check_apple_app_site_association),
        (ASSETLINKS_PATH, check_assetlinks),
    )
    reports = []
    with (
        httpx.Client(follow_redirects=False, timeout=timeout, headers=headers) as client,
        progress(len(checks), "Fetching") as fetching,
    ):
        for path, check_file in checks:
            reports.append(check_file(fetch(client, url + path)))
            fetching.advance(path.rpartition("/")[2])
    _print_reports(reports)
