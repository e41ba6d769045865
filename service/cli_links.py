"""``magiclink links show|check``: the app association files, ours and any host's.

- ``links show`` prints the two files this service serves (built from the studies in
  MAGICLINK_REDIS_URL) and checks them as ``check`` would.
- ``links check URL`` fetches ``URL/.well-known/apple-app-site-association`` and
  ``URL/.well-known/assetlinks.json`` without following redirects (a redirect is itself a
  problem: neither Apple nor Android follows one) and prints every problem, one line each.

Exit status: 0 nothing wrong, 1 a problem found (or the host did not answer), 2 a usage error.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from urllib.parse import urlsplit

import httpx

from service import __version__
from service.cli_redis import redis_handler
from service.deeplinks.association import (
    AASA_PATH,
    ASSETLINKS_PATH,
    AssociationFiles,
)
from service.deeplinks.association_check import (
    MEDIA_TYPE,
    Fetched,
    Report,
    check_apple_app_site_association,
    check_assetlinks,
)
from service.settings import Settings
from service.store.connection import RedisClient
from service.store.studies import StudyStore

# Enough for any real file (Apple stops at 128 KB); a host sending more is cut off here.
MAX_FETCH_BYTES = 4 * 1024 * 1024


def add_links_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "links",
        help="the app association files: print ours, or check any host's",
        description="The files that let iOS and Android open sign-in links in the study apps: "
        f"{AASA_PATH} and {ASSETLINKS_PATH}.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = actions.add_parser(
        "show", help="print the files this service serves (needs MAGICLINK_REDIS_URL)"
    )
    show.set_defaults(handler=_show)
    check = actions.add_parser(
        "check",
        help="fetch a host's two files and report every problem (exit 1 if any)",
        description="Fetches both files as Apple's CDN and Android do (no redirects followed) "
        "and reports every problem, one line each: status, redirect, content type, size, "
        "JSON shape, app ids, fingerprints. Exit 0 when nothing is wrong, 1 otherwise.",
    )
    check.add_argument("url", help="the host's origin, like https://signin.example.org")
    check.add_argument(
        "--timeout", type=float, default=10.0, help="seconds to wait for each file (10)"
    )
    check.set_defaults(handler=_check)


def _print_reports(reports: list[Report]) -> int:
    problems = [problem for report in reports for problem in report.problems]
    for problem in problems:
        print(problem)
    for report in reports:
        if not report.problems:
            print(f"{report.name}: ok ({report.summary})")
    return 1 if problems else 0


# --- show ----------------------------------------------------------------------------------


def _show(args: argparse.Namespace, settings: Settings) -> int:
    async def show(redis: RedisClient, args: argparse.Namespace) -> int:
        files = AssociationFiles.build(await StudyStore(redis).all())
        served = (
            (AASA_PATH, files.apple_app_site_association.body, check_apple_app_site_association),
            (ASSETLINKS_PATH, files.assetlinks.body, check_assetlinks),
        )
        reports = []
        for path, body, check in served:
            url = settings.base_url + path
            print(f"# {url}")
            print(json.dumps(json.loads(body), indent=2))
            print()
            fetched = Fetched(url, 200, {"content-type": MEDIA_TYPE}, body)
            reports.append(check(fetched))
        return _print_reports(reports)

    return redis_handler("links show", show)(args, settings)


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


def _check(args: argparse.Namespace, settings: Settings) -> int:
    origin = _origin(args.url)
    if origin is None:
        print(
            f"magiclink: links check needs the host's origin, like https://signin.example.org "
            f"(no path); got {args.url!r}",
            file=sys.stderr,
        )
        return 2
    if args.timeout <= 0:
        print("magiclink: --timeout must be more than 0 seconds", file=sys.stderr)
        return 2
    if origin.startswith("http://"):
        print(
            "magiclink: note: Apple and Android fetch these files over https only; checking "
            "over http",
            file=sys.stderr,
        )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the report says what was fetched
    headers = {"User-Agent": f"magiclink/{__version__} (links check)"}
    with httpx.Client(follow_redirects=False, timeout=args.timeout, headers=headers) as client:
        reports = [
            check_apple_app_site_association(fetch(client, origin + AASA_PATH)),
            check_assetlinks(fetch(client, origin + ASSETLINKS_PATH)),
        ]
    return _print_reports(reports)
