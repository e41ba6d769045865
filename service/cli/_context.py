"""What every command shares: the settings, read once and only when a command runs, and
:class:`Failure`, how a command stops with a message and an exit status."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

import click

from service.observability.logging import configure_logging
from service.settings import Settings, SettingsError

P = ParamSpec("P")
R = TypeVar("R")


class Failure(click.ClickException):
    """The command could not do what was asked: ``magiclink: MESSAGE`` on stderr, exit 1."""

    exit_code = 1


class Misuse(Failure):
    """The command cannot run as given (an argument, a missing or wrong setting): exit 2.

    Parsing errors are click's :class:`click.UsageError`, also exit 2.
    """

    exit_code = 2


def load_settings() -> Settings:
    """The settings of this run, read from the environment at the first call.

    Read when a command runs, not before: ``magiclink serve --help`` works whatever the
    environment holds. Logging is configured from them at the same time.
    """
    root = click.get_current_context().find_root()
    if isinstance(root.obj, Settings):
        return root.obj
    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as exc:
        raise Misuse(f"configuration error: {exc}") from None
    configure_logging(settings.log_level, settings.log_format)
    root.obj = settings
    return settings


def with_settings(command: Callable[Concatenate[Settings, P], R]) -> Callable[P, R]:
    """Pass the settings as the first argument of a command's callback."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        return command(load_settings(), *args, **kwargs)

    return run


def command_name() -> str:
    """The running command as typed after ``magiclink``, like ``outbox status``."""
    return click.get_current_context().command_path.partition(" ")[2]
