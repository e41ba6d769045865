"""Output shared by the commands: tables on stdout, progress on stderr.

Results go to stdout, for pipes and ``$(...)``; progress, notes and errors go to stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol

import click


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Columns as wide as their widest cell, two spaces apart; the header bold on a terminal
    (``click.echo`` drops the styling elsewhere)."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        padded = [cell.ljust(width) for cell, width in zip(cells, widths, strict=True)]
        return "  ".join([*padded[:-1], cells[-1]])

    click.echo(click.style(line(headers), bold=True))
    for row in rows:
        click.echo(line(row))


class _Bar(Protocol):
    def update(self, n_steps: int, current_item: str | None = None) -> None: ...


class Progress:
    """How far a command is through ``total`` items, on stderr.

    On a terminal, click's progress bar with the latest status; elsewhere (a log, CI) one line
    each tenth of the way when ``lines`` is set, and nothing otherwise.
    """

    def __init__(self, bar: _Bar | None, total: int, lines: bool) -> None:
        self._bar, self._total, self._lines = bar, total, lines
        self._done = 0
        self._last_tenth = -1

    def advance(self, status: str = "") -> None:
        """One more item is done; ``status`` says where the whole run stands."""
        self._done += 1
        if self._bar is not None:
            self._bar.update(1, status)
        elif self._lines and (tenth := 10 * self._done // max(1, self._total)) != self._last_tenth:
            self._last_tenth = tenth
            click.echo(f"{10 * tenth:3d}%  {self._done}/{self._total}  {status}", err=True)


@contextmanager
def progress(total: int, label: str, *, lines: bool = False) -> Iterator[Progress]:
    if not sys.stderr.isatty():
        yield Progress(None, total, lines)
        return
    with click.progressbar(
        length=total,
        label=label,
        file=sys.stderr,
        show_pos=True,
        show_eta=total > 1,
        item_show_func=lambda status: status,
    ) as bar:
        yield Progress(bar, total, lines)
