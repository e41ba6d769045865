"""``magiclink provision`` for Mattermost (appconfig --profile mattermost) and the Sametime
proxy (link sametime --stproxyconfig), as an operator runs it: a subprocess, no Redis."""

from __future__ import annotations

import plistlib
from pathlib import Path

import pytest

from tests.support.service_process import magiclink
from tests.unit.test_stproxyconfig import HCL_EXAMPLE


def test_stproxyconfig_prints_hcls_documented_element_and_a_reminder(tmp_path: Path) -> None:
    result = magiclink(
        {},
        tmp_path,
        *("provision", "link", "sametime", "--host", "stproxyserver.example.com"),
        *("--community-name", "Sametime Server", "--stproxyconfig"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"<mobile><configUrl>{HCL_EXAMPLE}</configUrl></mobile>\n"
    assert len(result.stderr.strip().splitlines()) == 1
    assert "stproxyconfig.xml" in result.stderr
    assert "restart" in result.stderr


def test_mattermost_plist_with_options(tmp_path: Path) -> None:
    result = magiclink(
        {},
        tmp_path,
        *("provision", "appconfig", "--profile", "mattermost", "--format", "plist"),
        *("--set", "serverUrl=https://chat.example.org", "--set", "allowOtherServers=false"),
    )
    assert result.returncode == 0, result.stderr
    pushed = plistlib.loads(result.stdout.encode())
    assert pushed["serverUrl"] == "https://chat.example.org"
    assert pushed["allowOtherServers"] == "false"
    assert pushed["vendor"] == "Mattermost"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--set", "allowOtherServers=nope"), "allowOtherServers is true or false"),
        (("--set", "timeoutVPN=30s"), "timeoutVPN is a whole number"),
        (("--set", "serverUrl"), "KEY=VALUE"),
        (("--study", "sleep-study"), "--study is for profile study"),
    ],
)
def test_mattermost_wrong_values_are_usage_errors(
    tmp_path: Path, args: tuple[str, ...], words: str
) -> None:
    result = magiclink(
        {},
        tmp_path,
        *("provision", "appconfig", "--profile", "mattermost", "--format", "plist", *args),
    )
    assert result.returncode == 2, result.stdout
    assert result.stdout == ""
    assert words in result.stderr
