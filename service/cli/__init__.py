"""The ``magiclink`` command: one click group, one module per family of commands.

``main`` is the console script (``magiclink = "service.cli:main"``) and ``python -m service``.
It runs the group and turns what stops a command into one line on stderr and an exit status:
0 done, 1 failed, 2 a usage or configuration error.
"""

from __future__ import annotations

from collections.abc import Sequence

import click

from service import __version__
from service.api.metrics_listener import ListenError
from service.cli import admin_keys, links, mailsink, onboard, outbox, provision, serve
from service.cli._command import Group

SECTIONS = (
    ("Run the service", ("serve", "worker")),
    ("Studies and their apps", ("onboard", "provision", "links")),
    ("Operate", ("outbox", "admin-key")),
    ("Test", ("mailsink",)),
)


@click.group(
    cls=Group,
    sections=SECTIONS,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="See 'magiclink COMMAND --help' for what a command does and takes.",
)
@click.version_option(__version__, "--version", prog_name="magiclink")
def magiclink() -> None:
    """Passwordless sign-in for mobile research apps (Bridge REST contract).

    Configured by MAGICLINK_* environment variables; see the README.
    """


for _command in (
    serve.serve,
    serve.worker,
    onboard.onboard,
    provision.provision,
    links.links,
    outbox.outbox,
    admin_keys.admin_key,
    mailsink.mailsink,
):
    magiclink.add_command(_command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``magiclink`` with ``argv`` (the process's arguments if None); the exit status."""
    try:
        result = magiclink.main(
            args=None if argv is None else list(argv), prog_name="magiclink", standalone_mode=False
        )
    except click.exceptions.NoArgsIsHelpError as exc:  # a group without its command
        exc.show()  # its help, on stderr
        return exc.exit_code
    except click.UsageError as exc:
        path = exc.ctx.command_path if exc.ctx is not None else "magiclink"
        message = exc.format_message().replace("\n", " ").rstrip(".")
        click.echo(f"{path}: {message}; see '{path} --help'", err=True)
        return exc.exit_code
    except click.ClickException as exc:
        click.echo(f"magiclink: {exc.format_message()}", err=True)
        return exc.exit_code
    except ListenError as exc:
        click.echo(f"magiclink: {exc}", err=True)
        return 2
    except click.Abort:  # Ctrl-C, or the end of input at a prompt
        click.echo("magiclink: stopped", err=True)
        return 130
    return result if isinstance(result, int) else 0
