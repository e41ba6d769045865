"""``magiclink provision``: getting apps onto the right server.

- ``provision link PROFILE [options] [--qr FILE.svg|FILE.png]`` prints a provisioning link in
  the format of ``PROFILE`` (one command each; the formats are in
  `service.provisioning.profiles`) and optionally writes its QR code (error correction M).
  Needs no Redis. The ``study`` profile needs MAGICLINK_BASE_URL (not this machine's, unless
  ``--allow-local``) and, with MAGICLINK_REDIS_URL set, checks that the study exists.
- ``provision appconfig --study ID --format F`` prints a study's managed app configuration
  for an MDM/EMM: the three files the admin API serves (``service/provisioning/appconfig.py``),
  read from the study in MAGICLINK_REDIS_URL. ``--profile mattermost`` prints Mattermost's
  instead (``--set KEY=VALUE`` per key; no study, no Redis).
- ``provision link sametime ... --stproxyconfig`` prints the Sametime proxy's
  ``<mobile><configUrl>`` element for the link instead of the link.

Exit status: 0 printed, 1 unknown study or one lacking what the format needs (appconfig), 2 a
usage error (an unknown profile, a missing or wrong option, a link that cannot be made).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import click
import segno

from service.cli._command import Group
from service.cli._context import Failure, Misuse, load_settings
from service.cli._redis import on_redis
from service.provisioning import mattermost
from service.provisioning.appconfig import EXPORTS, MissingAppLink
from service.provisioning.profiles import (
    ELEMENT_APPS,
    SAMETIME_PARAMS,
    STPROXYCONFIG_REMINDER,
    ElementApp,
    ElementOptions,
    ProvisioningError,
    SametimeOptions,
    StudyOptions,
    element_link,
    sametime_link,
    stproxyconfig_fragment,
    study_link,
)
from service.store.connection import RedisClient
from service.store.scripts import Scripts
from service.store.studies import StudyStore
from service.studies.model import Study


@click.group(cls=Group)
def provision() -> None:
    """Provisioning links, QR codes and MDM configuration.

    Get apps onto the right server and study: provisioning links (also as QR codes) for our
    own app and for other well-known clients, and the managed app configuration an MDM pushes.
    """


# --- link ----------------------------------------------------------------------------------


@provision.group(cls=Group, noun="profile")
def link() -> None:
    """Print a provisioning link (and write its QR code).

    Prints the link in the format PROFILE's app expects, on stdout; --qr also writes its QR
    code. Never put a password into a link: any app can claim a custom scheme.
    """


QR_KINDS = {".svg": "svg", ".png": "png"}


def _qr_file(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    if value is not None and value.suffix.lower() not in QR_KINDS:
        raise click.BadParameter(f"writes .svg or .png files; got {str(value)!r}")
    return value


def _key_values(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in value:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"takes KEY=VALUE, like savePassword=false; got {item!r}")
        pairs.append((key, text))
    return tuple(pairs)


_QR = click.option(
    "--qr",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=_qr_file,
    metavar="FILE",
    help="Also write the QR code to FILE.svg or FILE.png.",
)


def _print(build: Callable[[], str], qr: Path | None) -> None:
    """Print the link ``build`` makes, after writing its QR code to ``qr``."""
    try:
        url = build()
    except ProvisioningError as exc:
        raise Misuse(str(exc)) from None
    if qr is not None:
        code = segno.make(url, error="m", micro=False)
        try:
            code.save(str(qr), kind=QR_KINDS[qr.suffix.lower()], scale=6, border=2)
        except OSError as exc:
            raise Misuse(f"cannot write {str(qr)!r}: {exc.strerror or exc}") from None
    click.echo(url)


@link.command("study")
@click.option("--study", "study_id", metavar="ID", required=True, help="The study's identifier.")
@click.option(
    "--login-hint", metavar="ADDRESS", help="The participant's address, prefilled in the app."
)
@click.option(
    "--allow-local",
    is_flag=True,
    help="Allow a MAGICLINK_BASE_URL on this machine (127.0.0.1, localhost): for a try-out.",
)
@_QR
def study_command(
    study_id: str, login_hint: str | None, qr: Path | None, allow_local: bool
) -> None:
    """Our own app: the study's universal link.

    The link is under MAGICLINK_BASE_URL, which must be set: the app that opens it learns the
    server and study from it. With MAGICLINK_REDIS_URL set, the study must exist there.
    """
    settings = load_settings()
    if not os.environ.get("MAGICLINK_BASE_URL", "").strip():
        raise Misuse(
            "provision link study needs MAGICLINK_BASE_URL, the service's public address (e.g. "
            "https://signin.example.org): the link tells the app which server to sign in to"
        )
    host = urlsplit(settings.base_url).hostname or ""
    if not allow_local and (host == "localhost" or _is_loopback(host)):
        raise Misuse(
            f"MAGICLINK_BASE_URL {settings.base_url} is this machine, which no phone reaches; "
            "set the service's public address, or pass --allow-local for a try-out here"
        )
    if settings.redis_url is not None:
        _study(study_id)  # exit 1 when the study does not exist
    _print(lambda: study_link(StudyOptions(settings.base_url, study_id, login_hint)), qr)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _element_command(app: ElementApp, name: str) -> None:
    @link.command(app, help=f"{name}: the Matrix server to sign in to.")
    @click.option(
        "--account-provider",
        required=True,
        metavar="SERVER",
        help="The Matrix server name, like example.org.",
    )
    @click.option(
        "--login-hint",
        metavar="USER",
        help="Who signs in, prefilled: mxid:@alice:example.org, alice or alice@example.org.",
    )
    @_QR
    def element(account_provider: str, login_hint: str | None, qr: Path | None) -> None:
        _print(lambda: element_link(ElementOptions(account_provider, login_hint), app), qr)


for _app, _name in ELEMENT_APPS.items():
    _element_command(_app, _name)


@link.command()
@click.option(
    "--host", metavar="HOST", required=True, help="The Sametime proxy host, like st.example.org."
)
@click.option(
    "--port", metavar="PORT", type=click.IntRange(1, 65535), help="The Sametime proxy port."
)
@click.option(
    "--user",
    metavar="USER",
    help="The Sametime user name (the user types the password in the app).",
)
@click.option("--community-name", metavar="NAME", help="The community's name in the app.")
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    callback=_key_values,
    help=f"Another documented parameter ({', '.join(SAMETIME_PARAMS)}); repeatable.",
)
@click.option(
    "--stproxyconfig",
    is_flag=True,
    help="Print the <mobile><configUrl> element for the proxy's stproxyconfig.xml instead "
    "(its browser client then shows the link as a QR code); a reminder goes to stderr.",
)
@_QR
def sametime(
    host: str,
    port: int | None,
    user: str | None,
    community_name: str | None,
    params: tuple[tuple[str, str], ...],
    stproxyconfig: bool,
    qr: Path | None,
) -> None:
    """HCL Sametime: a community for the mobile app to add."""
    options = SametimeOptions(host, port, user, community_name, params)
    if not stproxyconfig:
        _print(lambda: sametime_link(options), qr)
        return
    if qr is not None:
        raise Misuse("--qr and --stproxyconfig: pick one (the proxy draws its own QR code)")
    try:
        fragment = stproxyconfig_fragment(sametime_link(options))
    except ProvisioningError as exc:
        raise Misuse(str(exc)) from None
    click.echo(fragment)  # stdout holds only the fragment: it can be piped into a file
    click.echo(STPROXYCONFIG_REMINDER, err=True)


# --- appconfig -----------------------------------------------------------------------------

FORMATS = {export.name: export for export in EXPORTS}


@provision.command()
@click.option("--study", "study_id", metavar="ID", help="The study's identifier (profile study).")
@click.option(
    "--profile",
    type=click.Choice(["study", "mattermost"]),
    default="study",
    show_default=True,
    help="Whose configuration: the study's own app, or Mattermost's mobile apps.",
)
@click.option(
    "--set",
    "settings_given",
    multiple=True,
    metavar="KEY=VALUE",
    callback=_key_values,
    help="A value of one of Mattermost's keys (serverUrl=https://chat.example.org, "
    "allowOtherServers=false); repeatable. Profile mattermost only.",
)
@click.option(
    "--format",
    "file_format",
    required=True,
    type=click.Choice(sorted(FORMATS)),
    help="Which file to write.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write to FILE instead of stdout.",
)
def appconfig(
    study_id: str | None,
    profile: str,
    settings_given: tuple[tuple[str, str], ...],
    file_format: str,
    output: Path | None,
) -> None:
    """Print a study's managed app configuration for an MDM.

    The configuration of the study's own app, read from MAGICLINK_REDIS_URL: appconfig (the
    AppConfig Community specfile; needs an appleAppLinks entry for the bundle id), plist (the
    values an MDM pushes to iOS) or restrictions (Android's app_restrictions.xml). serverUrl
    is MAGICLINK_BASE_URL.

    --profile mattermost: the same three files for Mattermost's mobile apps, with Mattermost's
    keys and defaults and a --set KEY=VALUE for each value to change (no study, no Redis).
    """
    export = FORMATS[file_format]
    if profile == "mattermost":
        if study_id is not None:
            raise Misuse("--study is for profile study; Mattermost's configuration names none")
        try:
            values = mattermost.values(settings_given)
        except mattermost.WrongOption as wrong:
            raise Misuse(f"--set {wrong.message}") from None
        content = export.render(mattermost.BUNDLE_ID, mattermost.KEYS, values)
    else:
        if study_id is None:
            raise Misuse("Missing option '--study' (profile study)")
        if settings_given:
            raise Misuse("--set is for profile mattermost; the study's values come from it")
        try:
            content = export.build(load_settings(), _study(study_id))
        except MissingAppLink as exc:
            raise Failure(exc.message) from None
    if output is None:
        click.echo(content, nl=False)  # the bytes as they are
    else:
        output.write_bytes(content)
        click.echo(f"wrote {output}", err=True)


@on_redis
async def _study(redis: RedisClient, study_id: str) -> Study:
    study = await StudyStore(redis, Scripts(redis)).get(study_id)
    if study is None:
        raise Failure(f"no study {study_id!r}")
    return study
