"""The three managed-configuration exports agree with the one key list, and parse."""

from __future__ import annotations

import plistlib
import xml.etree.ElementTree as ET

import pytest

from service.provisioning.appconfig import (
    ANDROID_NS,
    EMAIL_VARIABLE,
    KEYS,
    ConfigKey,
    MissingAppLink,
    app_restrictions_xml,
    appconfig_xml,
    managed_config_plist,
)
from service.settings import Settings
from service.studies.app_links import AppleAppLink
from service.studies.model import Study

SETTINGS = Settings(base_url="https://signin.example.org")
STUDY = Study(
    identifier="sleep-study",
    name="Sleep",
    apple_app_links=(AppleAppLink("ABCDE12345.org.example.sleep", paths=("/s/sleep-study",)),),
)
# An int key too, so every type of the key list goes through every format.
WITH_INT = (*KEYS, ConfigKey("retries", "int", "Retries", "How often to retry.", 3))
SPECFILE_TYPES = {"string": "string", "bool": "boolean", "int": "integer"}
ANDROID_TYPES = {"string": "string", "bool": "bool", "int": "integer"}


def _xml(data: bytes) -> ET.Element:
    """Parse XML the service itself built (no external entities or DTDs in it)."""
    return ET.fromstring(data)  # noqa: S314 - our own output, not untrusted input


def _text(value: str | bool | int | None) -> str | None:
    if value is None:  # a key without a default (none of ours; Mattermost's serverUrl)
        return None
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _android(name: str) -> str:
    return f"{{{ANDROID_NS}}}{name}"


@pytest.mark.parametrize("keys", [KEYS, WITH_INT], ids=["keys", "with-int"])
def test_every_format_matches_the_one_key_list(keys: tuple[ConfigKey, ...]) -> None:
    expected = {key.key: key.value(SETTINGS, STUDY) for key in keys}
    assert expected["serverUrl"] == "https://signin.example.org"
    assert expected["studyId"] == "sleep-study"
    assert expected["allowOtherServers"] is False
    assert expected["username"] == EMAIL_VARIABLE

    specfile = appconfig_xml(SETTINGS, STUDY, keys)
    assert specfile.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = _xml(specfile)
    assert root.tag == "managedAppConfiguration"
    assert root.findtext("version") == "1"
    assert root.findtext("bundleId") == "org.example.sleep"
    dict_ = root.find("dict")
    assert dict_ is not None
    assert [(e.get("keyName"), e.tag, e.findtext("defaultValue/value")) for e in dict_] == [
        (key.key, SPECFILE_TYPES[key.type], _text(expected[key.key])) for key in keys
    ]
    fields = root.findall("presentation/field")
    assert [
        (f.get("keyName"), f.findtext("label/language"), f.findtext("description/language"))
        for f in fields
    ] == [(key.key, key.title, key.description) for key in keys]

    pushed = plistlib.loads(managed_config_plist(SETTINGS, STUDY, keys))
    assert list(pushed) == [key.key for key in keys]
    assert pushed == expected
    assert all(type(pushed[key]) is type(value) for key, value in expected.items())

    schema = app_restrictions_xml(SETTINGS, STUDY, keys)
    assert f'xmlns:android="{ANDROID_NS}"'.encode() in schema
    restrictions = _xml(schema)
    assert restrictions.tag == "restrictions"
    assert [
        (
            r.tag,
            r.get(_android("key")),
            r.get(_android("restrictionType")),
            r.get(_android("title")),
            r.get(_android("description")),
            r.get(_android("defaultValue")),
        )
        for r in restrictions
    ] == [
        (
            "restriction",
            key.key,
            ANDROID_TYPES[key.type],
            key.title,
            key.description,
            _text(expected[key.key]),
        )
        for key in keys
    ]


def test_the_specfile_needs_an_ios_app_and_escapes_what_it_is_given() -> None:
    bare = Study(identifier="no-apps", name="No apps")
    with pytest.raises(MissingAppLink) as raised:
        appconfig_xml(SETTINGS, bare)
    assert raised.value.field == "appleAppLinks"
    # The other two formats do not name the app.
    assert plistlib.loads(managed_config_plist(SETTINGS, bare))["studyId"] == "no-apps"
    assert _xml(app_restrictions_xml(SETTINGS, bare)).tag == "restrictions"
    tricky = ConfigKey("x", "string", 'a <b> & "c"', "d ]]> e", "<&'\">")
    root = _xml(appconfig_xml(SETTINGS, STUDY, (tricky,)))
    assert root.findtext("dict/string/defaultValue/value") == "<&'\">"
    assert root.findtext("presentation/field/label/language") == 'a <b> & "c"'


def test_a_default_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(TypeError, match="allowed"):
        ConfigKey("allowed", "bool", "t", "d", 1).value(SETTINGS, STUDY)
    with pytest.raises(TypeError, match="count"):
        ConfigKey("count", "int", "t", "d", True).value(SETTINGS, STUDY)
