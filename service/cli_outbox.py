"""``magiclink outbox status|retry|purge``: look into the email queue and mend it."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime

from service.accounts.email_address import masked
from service.cli_redis import redis_handler
from service.store.connection import RedisClient
from service.store.outbox import Outbox
from service.store.scripts import Scripts


def add_outbox_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "outbox",
        help="queue depth, oldest email, dead letters; re-queue or drop dead letters",
        description="The durable queue of accepted sign-in emails (needs MAGICLINK_REDIS_URL).",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    status = actions.add_parser("status", help="queue depth, oldest age, dead letters")
    status.add_argument("--limit", type=int, default=20, help="dead letters to list (20)")
    status.set_defaults(handler=redis_handler("outbox status", _status))
    for name, verb, run in (
        ("retry", "put back into the queue (after fixing the cause)", _retry),
        ("purge", "delete for good", _purge),
    ):
        action = actions.add_parser(name, help=f"dead letters to {verb}")
        which = action.add_mutually_exclusive_group(required=True)
        which.add_argument("ids", nargs="*", default=[], help="dead-letter ids from 'status'")
        which.add_argument("--all", action="store_true", help="every dead letter")
        action.set_defaults(handler=redis_handler(f"outbox {name}", run))


def _outbox(redis: RedisClient) -> Outbox:
    return Outbox(redis, Scripts(redis))


def _age(ms: int) -> str:
    seconds = max(0, int(time.time() - ms / 1000))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


async def _status(redis: RedisClient, args: argparse.Namespace) -> int:
    outbox = _outbox(redis)
    status = await outbox.status()
    oldest = "-" if status.oldest_queued_ms is None else _age(status.oldest_queued_ms)
    print(f"queued    {status.queued:>8}   ({status.pending} being sent by a worker)")
    print(f"delayed   {status.delayed:>8}   (waiting to be tried again)")
    print(f"dead      {status.dead:>8}   (failed for good; see below, then retry or purge)")
    print(f"oldest    {oldest:>8}   (since the oldest undelivered email was accepted)")
    letters = await outbox.dead_letters(args.limit)
    if letters:
        print()
        print(f"{'ID':<17} {'FAILED (UTC)':<19} {'STUDY':<16} {'TO':<24} REASON")
        for letter in letters:
            failed = datetime.fromtimestamp(letter.failed_at, UTC).strftime("%Y-%m-%d %H:%M:%S")
            study = letter.job.study_id if letter.job else "?"
            to = masked(letter.job.email) if letter.job else "?"
            print(f"{letter.entry_id:<17} {failed:<19} {study:<16} {to:<24} {letter.reason}")
        if status.dead > len(letters):
            print(f"... and {status.dead - len(letters)} more (--limit)")
    return 0


async def _retry(redis: RedisClient, args: argparse.Namespace) -> int:
    moved = await _outbox(redis).requeue_dead(None if args.all else args.ids)
    print(f"{moved} dead letter(s) put back into the queue")
    return 0 if moved or args.all else _none_found(args.ids)


async def _purge(redis: RedisClient, args: argparse.Namespace) -> int:
    removed = await _outbox(redis).purge_dead(None if args.all else args.ids)
    print(f"{removed} dead letter(s) deleted")
    return 0 if removed or args.all else _none_found(args.ids)


def _none_found(ids: list[str]) -> int:
    print(f"magiclink: no dead letter with id {', '.join(ids)}", file=sys.stderr)
    return 1
