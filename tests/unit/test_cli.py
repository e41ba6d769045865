"""The ``magiclink`` command in this process: its help, its usage errors, the provisioning
profiles (one command each) and the output helpers. The e2e tests run the real console script
against Redis and a live service."""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from service.cli import SECTIONS, magiclink, main
from service.cli._output import progress, table

BASE_URL = "https://signin.example.org"
ELEMENT_CLASSIC = "https://mobile.element.io/?hs_url=https://example.com"
SERVICE = Path(__file__).resolve().parents[2] / "service"


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the test's MAGICLINK_* variables; the test process's logging left as it is."""
    for name in os.environ:
        if name.startswith("MAGICLINK_"):
            monkeypatch.delenv(name)
    monkeypatch.setattr("service.cli._context.configure_logging", lambda *args: None)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(args)
    out, err = capsys.readouterr()
    return status, out, err


def _commands(group: click.Group, path: str) -> Iterator[tuple[str, click.Command]]:
    for name, command in group.commands.items():
        yield f"{path} {name}", command
        if isinstance(command, click.Group):
            yield from _commands(command, f"{path} {name}")


# --- help ----------------------------------------------------------------------------------


def test_help_lists_every_command_once_under_a_heading(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "--help")
    assert (status, err) == (0, "")
    listed = [name for _, names in SECTIONS for name in names]
    assert sorted(listed) == sorted(magiclink.commands)
    columns = set()
    for title, names in SECTIONS:
        rows = out.split(f"\n{title}:\n", 1)[1].split("\n\n", 1)[0].splitlines()
        assert [row.split()[0] for row in rows] == list(names)
        for row in rows:
            summary = row.split(maxsplit=1)[1]
            assert summary.endswith("."), row  # whole, not cut off at the width
            columns.add(row.index(summary))
    assert len(columns) == 1  # the summaries of every section line up


def test_every_command_and_option_says_what_it_is_for() -> None:
    for path, command in _commands(magiclink, "magiclink"):
        assert command.get_short_help_str(100), path
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{path} {param.opts}"


@pytest.mark.parametrize("args", [(), ("links",), ("provision", "link"), ("outbox",)])
def test_a_group_without_its_command_shows_its_help_on_stderr(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    status, out, err = run(capsys, *args)
    assert (status, out) == (2, "")
    assert err.startswith(f"Usage: {' '.join(('magiclink', *args))} [OPTIONS]")


def test_help_needs_no_usable_settings(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAGICLINK_SMTP_POOL_SIZE", "many")
    status, out, _ = run(capsys, "serve", "--help")
    assert status == 0
    assert "--no-worker" in out
    status, _, err = run(capsys, "provision", "link", "element", "--account-provider", "x.org")
    assert status == 2
    assert err == (
        "magiclink: configuration error: MAGICLINK_SMTP_POOL_SIZE must be a whole number, "
        "not 'many'\n"
    )


# --- usage errors: one line, exit 2 --------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope",), "magiclink: unknown command 'nope'; choose one of: serve, worker, onboard"),
        (
            ("provision", "link", "nope"),
            "magiclink provision link: unknown profile 'nope'; choose one of: study, element, "
            "element-pro, element-classic, sametime; see 'magiclink provision link --help'",
        ),
        (("serve", "--port", "http"), "magiclink serve: Invalid value for '--port'"),
        (("links", "check"), "magiclink links check: Missing argument 'URL'"),
        (("outbox", "retry"), "give dead-letter ids (from 'magiclink outbox status') or --all"),
        (("outbox", "purge", "0-1", "--all"), "give dead-letter ids"),
    ],
)
def test_usage_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    status, out, err = run(capsys, *args)
    assert (status, out) == (2, "")
    assert err.count("\n") == 1
    assert message in err


@pytest.mark.parametrize(
    "args",
    [
        ("outbox", "status"),
        ("outbox", "retry", "--all"),
        ("outbox", "purge", "0-1"),
        ("admin-key", "list"),
        ("admin-key", "create", "ops"),
        ("links", "show"),
        ("provision", "appconfig", "--study", "s", "--format", "plist"),
        ("worker",),
    ],
)
def test_commands_on_redis_refuse_the_embedded_store(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    status, out, err = run(capsys, *args)
    assert (status, out) == (2, "")
    assert err.startswith(f"magiclink: {' '.join(args[:2] if args[0] != 'worker' else args)}")
    assert "needs MAGICLINK_REDIS_URL" in err
    assert err.count("\n") == 1


# --- provision link: one command per profile -----------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("study", "--study", "s"), f"{BASE_URL}/p/s"),
        (
            ("element", "--account-provider", "example.com"),
            "https://mobile.element.io/element/?account_provider=example.com",
        ),
        (
            ("element-pro", "--account-provider", "example.com"),
            "https://mobile.element.io/element-pro/?account_provider=example.com",
        ),
        (("element-classic", "--account-provider", "example.com"), ELEMENT_CLASSIC),
        (
            ("sametime", "--host", "st.example.com", "--port", "443", "--user", "jo"),
            "hclsametime://jo@st.example.com:443/?action=AddCommunity",
        ),
    ],
)
def test_each_profile_prints_its_link(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    expected: str,
) -> None:
    monkeypatch.setenv("MAGICLINK_BASE_URL", BASE_URL)
    assert run(capsys, "provision", "link", *args) == (0, expected + "\n", "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("study",), "Missing option '--study'"),
        (("element",), "Missing option '--account-provider'"),
        (("element-classic",), "Missing option '--account-provider'"),
        (("sametime",), "Missing option '--host'"),
        (("study", "--study", "s", "--host", "h"), "No such option '--host'"),
        (
            ("element", "--account-provider", "example.com", "--param", "savePassword=true"),
            "No such option '--param'",
        ),
        (("sametime", "--host", "h", "--login-hint", "a"), "No such option '--login-hint'"),
        (("sametime", "--host", "h", "--param", "savePassword"), "takes KEY=VALUE"),
        (("sametime", "--host", "h", "--port", "0"), "Invalid value for '--port'"),
        (
            ("sametime", "--host", "h", "--user", "jo:pw"),
            "magiclink: sametime: refusing a password",
        ),
        (("study", "--study", " "), "magiclink: the study link needs a study identifier"),
        (("study", "--study", "s", "--qr", "code.gif"), "writes .svg or .png files"),
    ],
)
def test_a_profile_names_what_is_missing_or_wrong(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    message: str,
) -> None:
    monkeypatch.setenv("MAGICLINK_BASE_URL", BASE_URL)
    status, out, err = run(capsys, "provision", "link", *args)
    assert (status, out) == (2, "")
    assert err.count("\n") == 1
    assert message in err


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        (None, "provision link study needs MAGICLINK_BASE_URL"),
        ("http://127.0.0.1:8000", "is this machine, which no phone reaches"),
        ("http://localhost:8000", "is this machine, which no phone reaches"),
        ("http://[::1]:8000", "is this machine, which no phone reaches"),
    ],
)
def test_a_study_link_needs_a_public_base_url(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    base_url: str | None,
    message: str,
) -> None:
    if base_url is None:
        monkeypatch.delenv("MAGICLINK_BASE_URL", raising=False)
    else:
        monkeypatch.setenv("MAGICLINK_BASE_URL", base_url)
    status, out, err = run(capsys, "provision", "link", "study", "--study", "s")
    assert (status, out) == (2, "")
    assert err.count("\n") == 1
    assert message in err


def test_a_local_study_link_is_for_a_try_out_only(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAGICLINK_BASE_URL", "http://127.0.0.1:8000")
    status, out, err = run(capsys, "provision", "link", "study", "--study", "s", "--allow-local")
    assert (status, err) == (0, "")
    assert out.startswith("http://127.0.0.1:8000/")


# --- output --------------------------------------------------------------------------------


def test_a_table_lines_up_its_columns(capsys: pytest.CaptureFixture[str]) -> None:
    table(("NAME", "CREATED"), [("ci", "2026-01-01"), ("operations", "2026-01-02")])
    assert capsys.readouterr().out.splitlines() == [
        "NAME        CREATED",
        "ci          2026-01-01",
        "operations  2026-01-02",
    ]


def test_progress_off_a_terminal_is_a_line_each_tenth(capsys: pytest.CaptureFixture[str]) -> None:
    with progress(20, "Onboarding", lines=True) as onboarding:
        for done in range(1, 21):
            onboarding.advance(f"done {done}")
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "  0%  1/20  done 1"
    assert lines[1] == " 10%  2/20  done 2"
    assert lines[-1] == "100%  20/20  done 20"
    assert len(lines) == 11


def test_progress_off_a_terminal_can_be_silent(capsys: pytest.CaptureFixture[str]) -> None:
    with progress(2, "Fetching") as fetching:
        fetching.advance("one")
        fetching.advance("two")
    assert capsys.readouterr() == ("", "")


# --- the package ---------------------------------------------------------------------------


def test_nothing_outside_the_cli_imports_it() -> None:
    importers = []
    for path in SERVICE.rglob("*.py"):
        if SERVICE / "cli" in path.parents or path == SERVICE / "__main__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(name == "service.cli" or name.startswith("service.cli.") for name in names):
                importers.append(str(path.relative_to(SERVICE)))
    assert importers == []
    assert sorted(path.name for path in SERVICE.glob("cli*.py")) == []
    assert not (SERVICE / "mailsink.py").exists()
