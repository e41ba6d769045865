"""``magiclink admin-key create|list|revoke``: named keys of the researcher/admin API."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable

from service.cli_redis import redis_handler
from service.settings import Settings
from service.store.admin_keys import NAME_RULE, AdminKeyError, AdminKeyStore, is_valid_name
from service.store.connection import RedisClient

Command = Callable[[AdminKeyStore, argparse.Namespace], Awaitable[int]]


def add_admin_key_commands(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    parser = subparsers.add_parser(
        "admin-key",
        help="create, list and revoke named keys of the researcher/admin API",
        description="Named bearer keys of the researcher/admin API, stored hashed in Redis "
        "(needs MAGICLINK_REDIS_URL). MAGICLINK_ADMIN_KEY keeps working next to them.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="make a key; it is printed once, on stdout")
    create.add_argument("name", type=_name, help=f"what the key is for: {NAME_RULE}")
    create.set_defaults(handler=_handler(_create))
    listing = actions.add_parser("list", help="the keys' names and creation times")
    listing.set_defaults(handler=_handler(_list))
    revoke = actions.add_parser("revoke", help="remove a key; it stops working at once")
    revoke.add_argument("name", help="the key's name, as 'list' shows it")
    revoke.set_defaults(handler=_handler(_revoke))


def _name(value: str) -> str:
    if not is_valid_name(value):
        raise argparse.ArgumentTypeError(f"invalid key name {value!r}: use {NAME_RULE}")
    return value


def _handler(command: Command) -> Callable[[argparse.Namespace, Settings], int]:
    async def on_store(redis: RedisClient, args: argparse.Namespace) -> int:
        return await command(AdminKeyStore(redis), args)

    return redis_handler("admin-key", on_store)


async def _create(store: AdminKeyStore, args: argparse.Namespace) -> int:
    try:
        key = await store.create(args.name)
    except AdminKeyError as exc:
        print(f"magiclink: {exc}", file=sys.stderr)
        return 1
    print(key, flush=True)
    print(
        f"Admin key {args.name!r} created. Store it now: it cannot be shown again "
        "(only its hash is kept).",
        file=sys.stderr,
    )
    return 0


async def _list(store: AdminKeyStore, args: argparse.Namespace) -> int:
    found = await store.list()
    if not found:
        print(
            "No named admin keys; make one with: magiclink admin-key create NAME", file=sys.stderr
        )
        return 0
    width = max(len("NAME"), *(len(info.name) for info in found))
    print(f"{'NAME':<{width}}  CREATED")
    for info in found:
        print(f"{info.name:<{width}}  {info.created_on}")
    return 0


async def _revoke(store: AdminKeyStore, args: argparse.Namespace) -> int:
    if not await store.revoke(args.name):
        print(
            f"magiclink: no admin key named {args.name!r}; 'magiclink admin-key list' shows them",
            file=sys.stderr,
        )
        return 1
    print(f"Admin key {args.name!r} revoked.")
    return 0
