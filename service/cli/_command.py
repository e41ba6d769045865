"""The command classes of ``magiclink``: every command reads the settings before it runs;
commands with subcommands list them the way ``git --help`` lists its own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from service.cli._context import load_settings


class Command(click.Command):
    """A command that reads the settings (and so configures logging) before it runs.

    After its arguments are parsed, so that ``--help`` and usage errors come first; every
    command, so that a bad MAGICLINK_* variable stops each one the same way (exit 2).
    """

    def invoke(self, ctx: click.Context) -> Any:
        load_settings()
        return super().invoke(ctx)


class Group(click.Group):
    """A command of commands.

    ``noun`` is what the subcommands are ("command", "profile"): it names them in the usage
    line, the help's heading and the one-line error for an unknown one. ``sections`` lists
    them under headings, like git's help; without, they are listed in the order they were
    added (not sorted).
    """

    command_class = Command
    group_class = type  # subgroups are Groups too

    def __init__(
        self,
        *args: Any,
        noun: str = "command",
        sections: Sequence[tuple[str, Sequence[str]]] = (),
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("subcommand_metavar", f"{noun.upper()} [ARGS]...")
        super().__init__(*args, **kwargs)
        self.noun = noun
        self.sections = sections

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0]
        if self.get_command(ctx, name) is None and not name.startswith("-"):
            choices = ", ".join(self.list_commands(ctx))
            raise click.UsageError(f"unknown {self.noun} {name!r}; choose one of: {choices}", ctx)
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        sections = self.sections or [(f"{self.noun.capitalize()}s", self.list_commands(ctx))]
        width = max(len(name) for _, names in sections for name in names)
        limit = formatter.width - 6 - width
        for title, names in sections:
            with formatter.section(title):
                # Padded to one width, so that every section's summaries line up.
                formatter.write_dl(
                    [
                        (name.ljust(width), self.commands[name].get_short_help_str(limit))
                        for name in names
                    ]
                )
