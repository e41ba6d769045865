"""``magiclink provision ACTION``: getting apps onto the right server.

- ``provision link PROFILE [options] [--qr FILE.svg|FILE.png]`` prints a provisioning link in
  the format of ``PROFILE`` (see `service.provisioning.profiles`) and optionally writes its QR
  code (error correction M). Needs no Redis: the ``study`` profile only reads
  MAGICLINK_BASE_URL.

Other actions are added to the parser `add_provision_commands` returns.
Exit status: 0 printed, 2 a usage error (unknown profile, missing or wrong option).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import segno

from service.provisioning.profiles import (
    PROFILES,
    SAMETIME_PARAMS,
    LinkOptions,
    ProvisioningError,
    build_link,
)
from service.settings import Settings

QR_KINDS = {".svg": "svg", ".png": "png"}


def add_provision_commands(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """Add ``provision`` with its ``link`` action; returns the actions, for adding more."""
    parser = subparsers.add_parser(
        "provision",
        help="provisioning links and QR codes that point apps at this server",
        description="Get apps onto the right server and study: provisioning links (also as "
        "QR codes) for our own app and for other well-known clients.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    link = actions.add_parser(
        "link",
        help="print a provisioning link (and write its QR code)",
        description="Prints the provisioning link of PROFILE on stdout. Profiles: "
        "study (--study, --login-hint; needs MAGICLINK_BASE_URL), "
        "element / element-pro / element-classic (--account-provider, --login-hint), "
        "sametime (--host, --port, --user, --community-name, --param KEY=VALUE with KEY one "
        f"of {', '.join(SAMETIME_PARAMS)}). Never put a password into a link.",
    )
    link.add_argument("profile", metavar="PROFILE", help="one of: " + ", ".join(PROFILES))
    link.add_argument("--study", help="study identifier (study)")
    link.add_argument("--login-hint", help="address or user name to prefill in the app")
    link.add_argument("--account-provider", help="Matrix server name, like example.org (element*)")
    link.add_argument("--host", help="Sametime proxy host (sametime)")
    link.add_argument("--port", type=int, help="Sametime proxy port (sametime)")
    link.add_argument("--user", help="Sametime user name (sametime)")
    link.add_argument("--community-name", help="name of the community in the app (sametime)")
    link.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="another documented parameter (sametime); repeatable",
    )
    link.add_argument(
        "--qr", type=Path, metavar="FILE", help="also write the QR code to FILE.svg or FILE.png"
    )
    link.set_defaults(handler=_link)
    return actions


def _fail(message: str) -> int:
    print(f"magiclink: provision link: {message}", file=sys.stderr)
    return 2


def _link(args: argparse.Namespace, settings: Settings) -> int:
    params: list[tuple[str, str]] = []
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep or not key:
            return _fail(f"--param takes KEY=VALUE; got {item!r}")
        params.append((key, value))
    qr_kind = None
    if args.qr is not None:
        qr_kind = QR_KINDS.get(args.qr.suffix.lower())
        if qr_kind is None:
            return _fail(f"--qr writes .svg or .png files; got {str(args.qr)!r}")
    options = LinkOptions(
        base_url=settings.base_url,
        study=args.study,
        login_hint=args.login_hint,
        account_provider=args.account_provider,
        host=args.host,
        port=args.port,
        user=args.user,
        community_name=args.community_name,
        params=tuple(params),
    )
    try:
        url = build_link(args.profile, options)
    except ProvisioningError as exc:
        return _fail(str(exc))
    if args.qr is not None:
        qr = segno.make(url, error="m", micro=False)
        try:
            qr.save(str(args.qr), kind=qr_kind, scale=6, border=2)
        except OSError as exc:
            return _fail(f"cannot write {str(args.qr)!r}: {exc.strerror or exc}")
    print(url)
    return 0
