"""The ``mattermost`` profile of the MDM exports: Mattermost's mobile apps configured by an EMM.

Deployments that run Mattermost beside the study app configure both from the same EMM; the
three files come from the builders of ``appconfig.py`` with Mattermost's key list instead of
ours, so the specfile, the iOS plist and the Android schema agree as they do for our app.

Sources, key by key (read there, not copied):

- Mattermost's "AppConfig for EMM solutions with Mattermost mobile apps"
  (docs.mattermost.com/deploy/mobile-appconfig.html), table "Mattermost AppConfig values"
  (Type, Default Value, Valid Values, iOS Support, Android for Work Support): read for
  ``inAppPinCode``, ``blurApplicationScreen``, ``jailbreakDetection`` (each String, default
  ``false``, ``true | false``, iOS and Android) and the start of ``copyAndPasteProtection``.
- Mattermost's downloadable specfile linked from that page (bundle id ``com.mattermost.rn``):
  every key typed ``string``; defaults ``allowOtherServers`` ``true``, ``vendor``
  ``Mattermost``, ``useVPN`` ``false``, ``serverUrl`` none, ``username`` the user's email.
  It spells ``jailBreakDetection`` and gives ``timeoutVPN`` as ``30``; we follow the table's
  ``jailbreakDetection`` and the documented ``30000`` ms.
- The same table in Mattermost's docs repository (source/deploy/mobile/mobile-appconfig.rst),
  read in full: ``serverName`` (String, alphanumeric or empty), ``useVPN`` and ``timeoutVPN``
  (String, ``30000`` milliseconds) iOS only, ``inAppSessionAuth`` (String, ``false``) on both.
  Every key is a String there, ``timeoutVPN`` included.

Mattermost's on/off keys are the strings ``true``/``false``, not booleans, so they go out as
strings in all three files (restrictionType ``string`` on Android) and only those two texts are
accepted. iOS-only keys stay out of the Android schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from service.provisioning.appconfig import (
    BOTH,
    EMAIL_VARIABLE,
    ConfigKey,
    Platform,
    Value,
    Values,
)
from service.provisioning.profiles import ProvisioningError

BUNDLE_ID = "com.mattermost.rn"
TRUE_FALSE = ("true", "false")
IOS_ONLY: frozenset[Platform] = frozenset(("ios",))


def _switch(
    key: str, title: str, description: str, default: str, platforms: frozenset[Platform] = BOTH
) -> ConfigKey:
    return ConfigKey(key, "string", title, description, default, platforms, TRUE_FALSE)


KEYS: tuple[ConfigKey, ...] = (
    _switch(
        "inAppPinCode",
        "Require device authentication",
        "Ask for the device's fingerprint or passcode when the app opens and after five minutes "
        "in the background.",
        "false",
    ),
    _switch(
        "blurApplicationScreen",
        "Blur in background",
        "Blur the app in the app switcher; on Android also block screenshots.",
        "false",
    ),
    _switch(
        "jailbreakDetection",
        "Block jailbroken devices",
        "Refuse to start on jailbroken or rooted devices.",
        "false",
    ),
    _switch(
        "copyAndPasteProtection",
        "Block copy and paste",
        "Keep text from being copied out of the app or pasted into it.",
        "false",
    ),
    ConfigKey(
        "serverUrl",
        "string",
        "Server URL",
        "The Mattermost server the app connects to (https://...).",
        None,
    ),
    ConfigKey("serverName", "string", "Server name", "The server's name in the app.", None),
    _switch(
        "allowOtherServers",
        "Allow other servers",
        "Let users add servers other than the one set here.",
        "true",
    ),
    ConfigKey(
        "username",
        "string",
        "Username",
        f"Prefilled on the sign-in screen. The default {EMAIL_VARIABLE} is Intune's variable "
        "for the user's email; use your MDM's.",
        EMAIL_VARIABLE,
    ),
    _switch(
        "useVPN",
        "Wait for the VPN",
        "iOS: wait for a per-app VPN connection before connecting.",
        "false",
        IOS_ONLY,
    ),
    # A String in Mattermost's table (default 30000, milliseconds), like every key there.
    ConfigKey(
        "timeoutVPN",
        "string",
        "VPN timeout (ms)",
        "iOS: how long to wait for the VPN, in milliseconds.",
        "30000",
        platforms=IOS_ONLY,
    ),
    ConfigKey(
        "vendor", "string", "Vendor", "The EMM vendor's name shown in the app.", "Mattermost"
    ),
    _switch(
        "inAppSessionAuth",
        "Authenticate in the app",
        "Sign in within the app instead of the system browser (for SSO behind a VPN).",
        "false",
    ),
)
BY_NAME = {key.key: key for key in KEYS}


class WrongOption(ProvisioningError):
    """A value of the wrong type for a key (or an unknown key); ``key`` names it."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key} {message}")
        self.key = key
        self.message = f"{key} {message}"


def _parsed(key: ConfigKey, text: str) -> Value:
    if key.choices:
        if text not in key.choices:
            raise WrongOption(key.key, f"is {' or '.join(key.choices)}; got {text!r}")
        return text
    if key.key == "timeoutVPN":
        if not text.isascii() or not text.isdigit() or not 0 < int(text) <= 3_600_000:
            raise WrongOption(key.key, f"is a whole number of milliseconds; got {text!r}")
        return str(int(text))
    if not text.strip() or any(char in text for char in "\r\n"):
        raise WrongOption(key.key, "is one line of text, not empty")
    if key.key == "serverUrl":
        parts = urlsplit(text)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise WrongOption(key.key, f"is a URL like https://chat.example.org; got {text!r}")
    return text


def values(given: Sequence[tuple[str, str]]) -> Values:
    """Mattermost's defaults with ``given`` (key, text) applied, each checked against its key's
    type; raises ``WrongOption`` naming the first key that is unknown, repeated or wrong."""
    result: Values = {key.key: key.default for key in KEYS if not callable(key.default)}
    seen: set[str] = set()
    for name, text in given:
        key = BY_NAME.get(name)
        if key is None:
            raise WrongOption(
                name, "is no Mattermost AppConfig key; they are " + ", ".join(BY_NAME)
            )
        if name in seen:
            raise WrongOption(name, "is given twice")
        seen.add(name)
        result[name] = _parsed(key, text)
    return result
