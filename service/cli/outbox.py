"""``magiclink outbox status|retry|purge``: look into the email queue and mend it."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import click

from service.accounts.email_address import masked
from service.cli._command import Group
from service.cli._context import Failure
from service.cli._output import table
from service.cli._redis import on_redis
from service.store.connection import RedisClient
from service.store.outbox import Outbox
from service.store.scripts import Scripts


@click.group(cls=Group)
def outbox() -> None:
    """Queue depth, oldest email, dead letters; retry or purge them.

    The durable queue of accepted emails in MAGICLINK_REDIS_URL: how many wait, how long the
    oldest has waited, and the dead letters (emails that failed for good), which can be put
    back into the queue once their cause is fixed, or deleted.
    """


def _outbox(redis: RedisClient) -> Outbox:
    return Outbox(redis, Scripts(redis))


def _age(ms: int) -> str:
    seconds = max(0, int(time.time() - ms / 1000))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


@outbox.command()
@click.option(
    "--limit",
    metavar="N",
    type=click.IntRange(0),
    default=20,
    show_default=True,
    help="Dead letters to list.",
)
@on_redis
async def status(redis: RedisClient, limit: int) -> None:
    """Queue depth, oldest age, dead letters."""
    queue = _outbox(redis)
    found = await queue.status()
    oldest = "-" if found.oldest_queued_ms is None else _age(found.oldest_queued_ms)
    click.echo(f"queued    {found.queued:>8}   ({found.pending} being sent by a worker)")
    click.echo(f"delayed   {found.delayed:>8}   (waiting to be tried again)")
    click.echo(f"dead      {found.dead:>8}   (failed for good; see below, then retry or purge)")
    click.echo(f"oldest    {oldest:>8}   (since the oldest undelivered email was accepted)")
    letters = await queue.dead_letters(limit)
    if not letters:
        return
    click.echo()
    table(
        ("ID", "FAILED (UTC)", "STUDY", "TO", "REASON"),
        [
            (
                letter.entry_id,
                datetime.fromtimestamp(letter.failed_at, UTC).strftime("%Y-%m-%d %H:%M:%S"),
                letter.job.study_id if letter.job else "?",
                masked(letter.job.email) if letter.job else "?",
                letter.reason,
            )
            for letter in letters
        ],
    )
    if found.dead > len(letters):
        click.echo(f"... and {found.dead - len(letters)} more (--limit)")


def _which(ids: tuple[str, ...], every: bool) -> list[str] | None:
    """The dead letters a command is for: the ids given, or all (None); never a guess."""
    if bool(ids) == every:
        raise click.UsageError(
            "give dead-letter ids (from 'magiclink outbox status') or --all",
            click.get_current_context(),
        )
    return None if every else list(ids)


def _none_found(ids: list[str] | None, count: int) -> None:
    if ids is not None and not count:
        raise Failure(f"no dead letter with id {', '.join(ids)}")


_IDS = click.argument("ids", metavar="[ID]...", nargs=-1)
_ALL = click.option("--all", "every", is_flag=True, help="Every dead letter.")


@outbox.command()
@_IDS
@_ALL
def retry(ids: tuple[str, ...], every: bool) -> None:
    """Put dead letters back into the queue (after fixing the cause).

    Give the ids 'magiclink outbox status' lists, or --all.
    """
    _requeue(_which(ids, every))


@on_redis
async def _requeue(redis: RedisClient, which: list[str] | None) -> None:
    moved = await _outbox(redis).requeue_dead(which)
    click.echo(f"{moved} dead letter(s) put back into the queue")
    _none_found(which, moved)


@outbox.command()
@_IDS
@_ALL
def purge(ids: tuple[str, ...], every: bool) -> None:
    """Delete dead letters for good.

    Give the ids 'magiclink outbox status' lists, or --all.
    """
    _purge(_which(ids, every))


@on_redis
async def _purge(redis: RedisClient, which: list[str] | None) -> None:
    removed = await _outbox(redis).purge_dead(which)
    click.echo(f"{removed} dead letter(s) deleted")
    _none_found(which, removed)
