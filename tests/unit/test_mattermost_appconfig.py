"""The ``mattermost`` profile: Mattermost's own AppConfig table, through the three exports."""

from __future__ import annotations

import plistlib
import xml.etree.ElementTree as ET

import pytest

from service.provisioning import mattermost
from service.provisioning.appconfig import ANDROID_NS, EMAIL_VARIABLE, EXPORTS

# Mattermost's table (docs.mattermost.com/deploy/mobile-appconfig.html, "Mattermost AppConfig
# values"): key -> (type in the files, default or None, platforms). Written out here by hand,
# not derived from the module, so that a changed key list fails this test.
BOTH = {"ios", "android"}
TABLE: dict[str, tuple[str, str | int | None, set[str]]] = {
    "inAppPinCode": ("string", "false", BOTH),
    "blurApplicationScreen": ("string", "false", BOTH),
    "jailbreakDetection": ("string", "false", BOTH),
    "copyAndPasteProtection": ("string", "false", BOTH),
    "serverUrl": ("string", None, BOTH),
    "serverName": ("string", None, BOTH),
    "allowOtherServers": ("string", "true", BOTH),
    "username": ("string", EMAIL_VARIABLE, BOTH),
    "useVPN": ("string", "false", {"ios"}),
    "timeoutVPN": ("string", "30000", {"ios"}),
    "vendor": ("string", "Mattermost", BOTH),
    "inAppSessionAuth": ("string", "false", BOTH),
}
SERVER = "https://chat.example.org"


def _xml(data: bytes) -> ET.Element:
    return ET.fromstring(data)  # noqa: S314 - our own output, not untrusted input


def _files(given: list[tuple[str, str]]) -> dict[str, bytes]:
    values = mattermost.values(given)
    return {e.name: e.render(mattermost.BUNDLE_ID, mattermost.KEYS, values) for e in EXPORTS}


def test_every_key_of_mattermosts_table_with_its_type_default_and_platforms() -> None:
    files = _files([])
    specfile = _xml(files["appconfig"])
    assert specfile.findtext("bundleId") == "com.mattermost.rn"
    in_specfile = {
        e.get("keyName"): (e.tag, e.findtext("defaultValue/value"))
        for e in specfile.findall("dict/*")
    }
    pushed = plistlib.loads(files["plist"])
    schema = _xml(files["restrictions"])
    android = {
        r.get(f"{{{ANDROID_NS}}}key"): (
            r.get(f"{{{ANDROID_NS}}}restrictionType"),
            r.get(f"{{{ANDROID_NS}}}defaultValue"),
        )
        for r in schema.findall("restriction")
    }
    assert list(in_specfile) == list(TABLE)  # every key, in the table's order, no other
    for key, (kind, default, platforms) in TABLE.items():
        text = None if default is None else str(default)
        assert in_specfile[key] == (kind, text), key
        assert pushed.get(key) == default, key  # the plist keeps the type: 30000 an integer
        if "android" in platforms:
            assert android[key] == (kind, text), key
        else:
            assert key not in android, f"{key} is iOS only: not for the Android schema"
    assert set(android) == {k for k, (_, _, p) in TABLE.items() if "android" in p}
    assert pushed["timeoutVPN"] == "30000"  # a String in Mattermost's table, like every key
    assert "serverUrl" not in pushed  # no documented default: only pushed when given


def test_given_values_reach_every_file_with_their_type() -> None:
    files = _files([("serverUrl", SERVER), ("allowOtherServers", "false"), ("timeoutVPN", "5000")])
    assert plistlib.loads(files["plist"])["serverUrl"] == SERVER
    assert plistlib.loads(files["plist"])["allowOtherServers"] == "false"
    assert plistlib.loads(files["plist"])["timeoutVPN"] == "5000"
    values = {
        e.get("keyName"): e.findtext("defaultValue/value")
        for e in _xml(files["appconfig"]).findall("dict/*")
    }
    assert values["serverUrl"] == SERVER
    assert values["allowOtherServers"] == "false"
    assert b'android:defaultValue="https://chat.example.org"' in files["restrictions"]


@pytest.mark.parametrize(
    ("given", "key", "words"),
    [
        ([("allowOtherServers", "no")], "allowOtherServers", "true or false"),
        ([("inAppPinCode", "True")], "inAppPinCode", "true or false"),
        ([("timeoutVPN", "30s")], "timeoutVPN", "whole number"),
        ([("timeoutVPN", "-1")], "timeoutVPN", "whole number"),
        ([("serverUrl", "chat.example.org")], "serverUrl", "URL"),
        ([("serverName", "two\nlines")], "serverName", "one line"),
        ([("serverUrl", SERVER), ("serverUrl", SERVER)], "serverUrl", "twice"),
        ([("studyId", "x")], "studyId", "no Mattermost AppConfig key"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_naming_its_key(
    given: list[tuple[str, str]], key: str, words: str
) -> None:
    with pytest.raises(mattermost.WrongOption) as refused:
        mattermost.values(given)
    assert refused.value.key == key
    assert refused.value.message.startswith(key)
    assert words in refused.value.message
