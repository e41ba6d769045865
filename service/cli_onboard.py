"""``magiclink onboard --study ID FILE.csv``: onboarding emails for a list, with progress."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import TextIO

from service.accounts.email_address import address_problem, normalized
from service.app import build_services
from service.cli_redis import redis_handler
from service.errors import NotFound
from service.provisioning.onboarding import OnboardingResult, onboard_one
from service.store.connection import RedisClient


def add_onboard_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "onboard",
        help="email each participant of a CSV file how to set up the app (once each)",
        description="Creates missing participants and queues one onboarding email each. "
        "Running the same file again sends nobody a second email (unless --force). Needs "
        "MAGICLINK_REDIS_URL; a running 'magiclink serve' or 'magiclink worker' delivers.",
    )
    parser.add_argument("--study", required=True, help="the study's identifier")
    parser.add_argument("file", type=Path, help="CSV with an 'email' column (or one column)")
    parser.add_argument("--force", action="store_true", help="send again to those who had it")
    parser.set_defaults(handler=redis_handler("onboard", _onboard))


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


class Progress:
    """A progress bar on a terminal; a line every tenth of the way otherwise (logs, CI)."""

    WIDTH = 30

    def __init__(self, total: int, out: TextIO) -> None:
        self.total, self.out = total, out
        self.interactive = out.isatty()
        self._last_tenth = -1

    def show(self, done: int, result: OnboardingResult) -> None:
        counts = f"{done}/{self.total}  queued {result.queued}  skipped {result.skipped}"
        if self.interactive:
            filled = self.WIDTH * done // max(1, self.total)
            bar = "#" * filled + "." * (self.WIDTH - filled)
            end = "\n" if done == self.total else ""
            self.out.write(f"\r[{bar}] {counts}{end}")
            self.out.flush()
        elif (tenth := 10 * done // max(1, self.total)) != self._last_tenth:
            self._last_tenth = tenth
            print(f"{10 * tenth:3d}%  {counts}", file=self.out, flush=True)


async def _onboard(redis: RedisClient, args: argparse.Namespace) -> int:
    if not args.file.is_file():
        print(f"magiclink: no such file: {args.file}", file=sys.stderr)
        return 2
    addresses, problems = read_addresses(args.file)
    if problems:
        for problem in problems:
            print(f"magiclink: {problem}", file=sys.stderr)
        print("magiclink: nothing was sent; fix these rows and run again", file=sys.stderr)
        return 2
    svc = build_services(args.settings, redis)
    try:
        study = await svc.study(args.study)
    except NotFound:
        print(f"magiclink: no study {args.study!r}", file=sys.stderr)
        return 2
    progress = Progress(len(addresses), sys.stderr)
    result, seen = OnboardingResult(), set()
    for done, address in enumerate(addresses, start=1):
        if normalized(address) in seen:
            result += OnboardingResult(skipped=1)
        else:
            seen.add(normalized(address))
            result += await onboard_one(svc, study.identifier, address, args.force)
        progress.show(done, result)
    print(
        f"Onboarding for {study.identifier}: {len(addresses)} addresses, {result.queued} emails "
        f"queued, {result.skipped} skipped (had theirs already, or listed twice), "
        f"{result.created} participants created."
    )
    return 0
