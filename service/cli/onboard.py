"""``magiclink onboard --study ID FILE.csv``: onboarding emails for a list, with progress."""

from __future__ import annotations

import csv
from pathlib import Path

import click

from service.accounts.email_address import address_problem
from service.app import build_services
from service.cli._command import Command
from service.cli._context import Misuse, load_settings
from service.cli._output import progress
from service.cli._redis import on_redis
from service.errors import NotFound
from service.store.connection import RedisClient


@click.command(cls=Command)
@click.option("--study", metavar="ID", required=True, help="The study's identifier.")
@click.option("--force", is_flag=True, help="Send again to those who had their email.")
@click.argument(
    "file", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def onboard(study: str, force: bool, file: Path) -> None:
    """Email each participant of a CSV file how to set up the app.

    FILE is a CSV file with an 'email' column (or a single column of addresses). Creates the
    participants who are missing and queues one onboarding email each; running the same file
    again sends nobody a second email (unless --force). Nothing is sent while any row is
    unusable. Needs MAGICLINK_REDIS_URL; a running 'magiclink serve' or 'magiclink worker'
    delivers.
    """
    addresses, problems = read_addresses(file)
    if problems:
        for problem in problems:
            click.echo(f"magiclink: {problem}", err=True)
        raise Misuse("nothing was sent; fix these rows and run again")
    _onboard(study, addresses, force)


def read_addresses(file: Path) -> tuple[list[str], list[str]]:
    """The addresses in the file, and one message per unusable row (with its line number)."""
    with file.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        return [], [f"{file}: the file is empty"]
    header = [cell.strip().lower() for cell in rows[0]]
    column, first = (header.index("email"), 1) if "email" in header else (0, 0)
    addresses, problems = [], []
    for number, row in enumerate(rows[first:], start=first + 1):
        value = row[column].strip() if len(row) > column else ""
        if not value and not any(cell.strip() for cell in row):
            continue  # blank line
        problem = address_problem(value, "email")
        if problem:
            problems.append(f"{file}:{number}: {problem} (found {value!r})")
        else:
            addresses.append(value)
    return addresses, problems


@on_redis
async def _onboard(redis: RedisClient, study_id: str, addresses: list[str], force: bool) -> None:
    svc = build_services(load_settings(), redis)
    with progress(len(addresses), "Onboarding", lines=True) as onboarding:
        try:
            result = await svc.onboarding.onboard(
                study_id,
                addresses,
                force,
                lambda total: onboarding.advance(f"queued {total.queued}  skipped {total.skipped}"),
            )
        except NotFound:
            raise Misuse(f"no study {study_id!r}") from None
    click.echo(
        f"Onboarding for {study_id}: {len(addresses)} addresses, {result.queued} emails "
        f"queued, {result.skipped} skipped (had theirs already, or listed twice), "
        f"{result.created} participants created."
    )
