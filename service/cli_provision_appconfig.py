"""``magiclink provision appconfig``: a study's managed app configuration, for an MDM/EMM.

The same three files the admin API serves (``service/provisioning/appconfig.py``), read from
the study in MAGICLINK_REDIS_URL. Written to stdout, or to ``--output FILE``.

Exit status: 0 written, 1 unknown study, a study lacking what the format needs, or a Redis
error, 2 a usage error (no MAGICLINK_REDIS_URL).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from service.api.routes.provisioning_exports import Builder
from service.cli_redis import redis_handler
from service.provisioning.appconfig import (
    MissingAppLink,
    app_restrictions_xml,
    appconfig_xml,
    managed_config_plist,
)
from service.settings import Settings
from service.store.connection import RedisClient
from service.store.studies import StudyStore

FORMATS: dict[str, Builder] = {
    "appconfig": appconfig_xml,
    "plist": managed_config_plist,
    "restrictions": app_restrictions_xml,
}


def add_appconfig_command(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``appconfig`` to the ``provision`` actions."""
    parser = actions.add_parser(
        "appconfig",
        help="print a study's managed app configuration for an MDM (needs MAGICLINK_REDIS_URL)",
        description="Prints the managed app configuration of the study's own app: appconfig "
        "(AppConfig Community specfile; needs an appleAppLinks entry for the bundle id), plist "
        "(the values an MDM pushes to iOS) or restrictions (the Android app_restrictions.xml). "
        "serverUrl is MAGICLINK_BASE_URL.",
    )
    parser.add_argument("--study", required=True, help="study identifier")
    parser.add_argument(
        "--format", required=True, choices=sorted(FORMATS), help="which file to write"
    )
    parser.add_argument("--output", type=Path, help="write to FILE instead of stdout")
    parser.set_defaults(handler=_appconfig)


def _appconfig(args: argparse.Namespace, settings: Settings) -> int:
    async def export(redis: RedisClient, args: argparse.Namespace) -> int:
        study = await StudyStore(redis).get(args.study)
        if study is None:
            print(f"magiclink: no study {args.study!r}", file=sys.stderr)
            return 1
        try:
            content = FORMATS[args.format](settings, study)
        except MissingAppLink as exc:
            print(f"magiclink: {exc.message}", file=sys.stderr)
            return 1
        if args.output is None:
            sys.stdout.buffer.write(content)
            sys.stdout.flush()
        else:
            args.output.write_bytes(content)
            print(f"wrote {args.output}", file=sys.stderr)
        return 0

    return redis_handler("provision appconfig", export)(args, settings)
