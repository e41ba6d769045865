"""Managed app configuration for a study's own app: one key list, three exports built from it.

An MDM/EMM (Intune, Jamf, Workspace ONE, Ivanti, ...) can hand the study's app its server and
study without the participant typing anything. The app reads the values from
``UserDefaults`` under ``com.apple.configuration.managed`` on iOS and from
``RestrictionsManager.getApplicationRestrictions()`` on Android. Three files let an admin set it up:

- ``appconfig_xml``: an AppConfig Community specfile (``managedAppConfiguration``) that MDM
  consoles read to draw a form: ``version``, ``bundleId``, ``dict`` (one typed element with a
  ``defaultValue`` per key) and ``presentation`` (a labelled field per key). The shape follows the
  specfiles published for AppConfig-compatible apps (``<string keyName=..>`` /
  ``<boolean keyName=..>`` with ``<defaultValue><value>``, ``<presentation defaultLocale=..>``
  with ``<field keyName=.. type="input"|"checkbox">`` and ``<label>``/``<description>`` holding
  ``<language value="en-US">``).
- ``managed_config_plist``: the flat dictionary an MDM pushes to iOS, values filled in.
- ``app_restrictions_xml``: the Android managed-configuration schema (``res/xml/
  app_restrictions.xml``): ``<restrictions>`` with one ``<restriction>`` per key carrying
  ``android:key``, ``android:restrictionType`` (``string``/``bool``/``integer``),
  ``android:title``, ``android:description`` and ``android:defaultValue``, as Android's
  ``RestrictionsManager`` reference documents it.

All three come from one key list and nothing else, so they cannot drift apart: ``KEYS`` for the
study's own app, and other clients' lists (``service/provisioning/mattermost.py``) through the
same builders. A key may be for one platform only: the Android schema leaves out iOS-only keys.
"""

from __future__ import annotations

import plistlib
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from service.settings import Settings
from service.studies.model import Study

KeyType = Literal["string", "bool", "int"]
Value = str | bool | int
Platform = Literal["ios", "android"]
BOTH: frozenset[Platform] = frozenset(("ios", "android"))

# The MDM variable an admin's console replaces with the signed-in user's email address when it
# pushes the configuration. No spelling is shared by every MDM; Intune's ``{{mail}}`` (its
# documented token for the user's email in iOS/Android app configuration policies) is the
# default, and the README lists the others: Jamf Pro ``$EMAIL``, Workspace ONE UEM
# ``{EmailAddress}``, Ivanti EPMM ``$EMAIL$`` (Ivanti's app-configuration guides), Sophos Mobile
# ``%_EMAILADDRESS_%`` (its policy placeholders page), Addigy ``{{.User "emails_primary"}}``.
# Whatever the MDM does not substitute arrives literally: the app must treat a value still
# looking like a variable as "no username".
EMAIL_VARIABLE = "{{mail}}"

# The specfile's ``version``: the version of this configuration schema (bump when keys change).
SPECFILE_VERSION = "1"
SPECFILE_LOCALE = "en-US"
ANDROID_NS = "http://schemas.android.com/apk/res/android"


@dataclass(frozen=True)
class ConfigKey:
    """One managed-configuration key: its name, type, console label and default."""

    key: str
    type: KeyType
    title: str
    description: str
    # None: the app documents no default; the key is in the specfile and schema without one,
    # and in the plist only when a value is given.
    default: Value | Callable[[Settings, Study], Value] | None
    platforms: frozenset[Platform] = BOTH
    # A string key that takes only these texts (Mattermost's "true"/"false" strings).
    choices: tuple[str, ...] = ()

    def value(self, settings: Settings, study: Study) -> Value | None:
        value = self.default(settings, study) if callable(self.default) else self.default
        return None if value is None else self.checked(value)

    def checked(self, value: Value) -> Value:
        expected: type = {"string": str, "bool": bool, "int": int}[self.type]
        # bool is an int in Python: an int key must not get True, a bool key must not get 1.
        if type(value) is not expected:
            raise TypeError(f"{self.key}: default {value!r} is not a {self.type}")
        return value


Values = dict[str, Value | None]


def study_values(settings: Settings, study: Study, keys: Sequence[ConfigKey]) -> Values:
    return {key.key: key.value(settings, study) for key in keys}


KEYS: tuple[ConfigKey, ...] = (
    ConfigKey(
        key="serverUrl",
        type="string",
        title="Sign-in server",
        description="The base URL of the magiclink server the app signs in with.",
        default=lambda settings, study: settings.base_url,
    ),
    ConfigKey(
        key="studyId",
        type="string",
        title="Study",
        description="The identifier of the study the participant takes part in.",
        default=lambda settings, study: study.identifier,
    ),
    ConfigKey(
        key="allowOtherServers",
        type="bool",
        title="Allow other servers",
        description="Let the participant switch to another server with a provisioning link. "
        "Off: the app only uses the server set here.",
        default=False,
    ),
    ConfigKey(
        key="username",
        type="string",
        title="Participant email",
        description="The participant's email address, prefilled on the sign-in screen. The "
        f"default {EMAIL_VARIABLE} is Intune's variable for the user's email; use your MDM's.",
        default=EMAIL_VARIABLE,
    ),
)


class MissingAppLink(ValueError):
    """The study lacks an app link a format needs; ``field`` is the study's JSON field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def bundle_id(study: Study) -> str:
    """The bundle id of the study's first iOS app (``TEAMID.bundle.id`` minus the team id)."""
    if not study.apple_app_links:
        raise MissingAppLink(
            "appleAppLinks",
            f"Study {study.identifier!r} has no appleAppLinks: the AppConfig specfile names the "
            "iOS app by its bundle id. Add the app as appleAppLinks [{appID: "
            '"TEAMID.bundle.id", ...}] to the study first.',
        )
    return study.apple_app_links[0].app_id.split(".", 1)[1]


def _text(key: ConfigKey, value: Value) -> str:
    """A value as XML text: booleans as true/false (AppConfig and Android both spell them so)."""
    if key.type == "bool":
        return "true" if value else "false"
    return str(value)


def _serialize(root: ET.Element) -> bytes:
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


_SPECFILE_ELEMENT = {"string": "string", "bool": "boolean", "int": "integer"}
_SPECFILE_FIELD = {"string": "input", "bool": "checkbox", "int": "input"}
_ANDROID_TYPE = {"string": "string", "bool": "bool", "int": "integer"}


def specfile(bundle: str, keys: Sequence[ConfigKey], values: Values) -> bytes:
    """An AppConfig Community specfile naming ``bundle``, one typed element per key."""
    root = ET.Element("managedAppConfiguration")
    ET.SubElement(root, "version").text = SPECFILE_VERSION
    ET.SubElement(root, "bundleId").text = bundle
    entries = ET.SubElement(root, "dict")
    for key in keys:
        element = ET.SubElement(entries, _SPECFILE_ELEMENT[key.type], keyName=key.key)
        value = values.get(key.key)
        if value is not None:  # no defaultValue at all rather than an empty one
            default = ET.SubElement(element, "defaultValue")
            ET.SubElement(default, "value").text = _text(key, value)
    presentation = ET.SubElement(root, "presentation", defaultLocale=SPECFILE_LOCALE)
    for key in keys:
        field = ET.SubElement(
            presentation, "field", keyName=key.key, type=_SPECFILE_FIELD[key.type]
        )
        for part, text in (("label", key.title), ("description", key.description)):
            ET.SubElement(ET.SubElement(field, part), "language", value=SPECFILE_LOCALE).text = text
    return _serialize(root)


def plist(keys: Sequence[ConfigKey], values: Values) -> bytes:
    """The flat iOS plist: every key of ``keys`` that has a value (iOS keys only)."""
    filled = {
        key.key: value
        for key in keys
        if "ios" in key.platforms and (value := values.get(key.key)) is not None
    }
    return plistlib.dumps(filled, sort_keys=False)


def restrictions(keys: Sequence[ConfigKey], values: Values) -> bytes:
    """The Android schema: only the keys the app reads on Android."""
    ET.register_namespace("android", ANDROID_NS)

    def android(name: str) -> str:
        return f"{{{ANDROID_NS}}}{name}"

    root = ET.Element("restrictions")
    for key in keys:
        if "android" not in key.platforms:
            continue
        attributes = {
            android("key"): key.key,
            android("restrictionType"): _ANDROID_TYPE[key.type],
            android("title"): key.title,
            android("description"): key.description,
        }
        value = values.get(key.key)
        if value is not None:
            attributes[android("defaultValue")] = _text(key, value)
        ET.SubElement(root, "restriction", attributes)
    return _serialize(root)


def appconfig_xml(settings: Settings, study: Study, keys: Sequence[ConfigKey] = KEYS) -> bytes:
    """The AppConfig Community specfile for the study's iOS app (raises ``MissingAppLink``)."""
    return specfile(bundle_id(study), keys, study_values(settings, study, keys))


def managed_config_plist(
    settings: Settings, study: Study, keys: Sequence[ConfigKey] = KEYS
) -> bytes:
    """The flat plist for ``com.apple.configuration.managed``, every value filled in."""
    return plist(keys, study_values(settings, study, keys))


def app_restrictions_xml(
    settings: Settings, study: Study, keys: Sequence[ConfigKey] = KEYS
) -> bytes:
    """The Android managed-configuration schema (``res/xml/app_restrictions.xml``)."""
    return restrictions(keys, study_values(settings, study, keys))


@dataclass(frozen=True)
class Export:
    """One file an MDM console takes: the CLI's ``--format`` name, the file, how to build it."""

    name: str
    filename: str
    media_type: str
    build: Callable[[Settings, Study], bytes]
    # The same file for another app's key list (bundle id, keys, values): other profiles.
    render: Callable[[str, Sequence[ConfigKey], Values], bytes]
    needs_apple_app: bool = False  # the file names the iOS app by its bundle id


EXPORTS = (
    Export(
        "appconfig",
        "appconfig.xml",
        "application/xml",
        appconfig_xml,
        specfile,
        needs_apple_app=True,
    ),
    Export(
        "plist",
        "managed-config.plist",
        "application/x-plist",
        managed_config_plist,
        lambda bundle, keys, values: plist(keys, values),
    ),
    Export(
        "restrictions",
        "app_restrictions.xml",
        "application/xml",
        app_restrictions_xml,
        lambda bundle, keys, values: restrictions(keys, values),
    ),
)
