"""``magiclink admin-key create|list|revoke``: named keys of the researcher/admin API."""

from __future__ import annotations

import click

from service.cli._command import Group
from service.cli._context import Failure
from service.cli._output import table
from service.cli._redis import on_redis
from service.store.admin_keys import NAME_RULE, AdminKeyError, AdminKeyStore, is_valid_name
from service.store.connection import RedisClient


@click.group("admin-key", cls=Group)
def admin_key() -> None:
    """Create, list and revoke named keys of the admin API.

    Named bearer keys of the researcher/admin API, stored hashed in Redis (needs
    MAGICLINK_REDIS_URL). MAGICLINK_ADMIN_KEY keeps working next to them.
    """


def _valid_name(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not is_valid_name(value):
        raise click.BadParameter(f"invalid key name {value!r}: use {NAME_RULE}")
    return value


@admin_key.command(
    help="Make a key; it is printed once, on stdout.\n\n"
    f"NAME says what the key is for: {NAME_RULE}. Only the key goes to stdout, for "
    "KEY=$(magiclink admin-key create ci); it cannot be shown again.",
    short_help="Make a key; it is printed once, on stdout.",
)
@click.argument("name", callback=_valid_name)
@on_redis
async def create(redis: RedisClient, name: str) -> None:
    try:
        key = await AdminKeyStore(redis).create(name)
    except AdminKeyError as exc:
        raise Failure(str(exc)) from None
    click.echo(key)
    click.echo(
        f"Admin key {name!r} created. Store it now: it cannot be shown again "
        "(only its hash is kept).",
        err=True,
    )


@admin_key.command("list")
@on_redis
async def list_keys(redis: RedisClient) -> None:
    """The keys' names and creation times."""
    found = await AdminKeyStore(redis).list()
    if not found:
        click.echo("No named admin keys; make one with: magiclink admin-key create NAME", err=True)
        return
    table(("NAME", "CREATED"), [(info.name, info.created_on) for info in found])


@admin_key.command()
@click.argument("name")
@on_redis
async def revoke(redis: RedisClient, name: str) -> None:
    """Remove a key; it stops working at once.

    NAME is the key's name, as 'magiclink admin-key list' shows it.
    """
    if not await AdminKeyStore(redis).revoke(name):
        raise Failure(f"no admin key named {name!r}; 'magiclink admin-key list' shows them")
    click.echo(f"Admin key {name!r} revoked.")
