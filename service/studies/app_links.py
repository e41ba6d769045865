"""The apps that open a study's sign-in links, and where to get them; checked at save time.

- ``appleAppLinks``: ``[{appID, paths}]``, or ``[{appID, components}]`` (Apple's newer rules), the
  iOS apps that may open the links as universal links.
- ``androidAppLinks``: ``[{namespace, package_name, sha256_cert_fingerprints}]``, the Android apps
  that may open them as App Links.
- ``installLinks``: ``{ios, android}``, App Store and Google Play pages (https only).
- ``appUrlScheme``: the app's custom scheme, for a fallback link that carries no secret.

The study API's models (``service/api/schemas/app_links.py``) give the structure; the rules a
single value must follow are here, each message naming the value's JSON path
(``appleAppLinks[0].paths[1]``) and saying what to write instead. The same rules
(``app_id_problem``, ``fingerprint_problem``, ``package_name_problem``, ``pattern_problem``)
also judge other hosts' published files (``service/deeplinks/association_check.py``).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

Errors = dict[str, list[str]]

# TEAMID.bundle.id: the 10-character team id, then the bundle id (letters, digits, hyphens and
# dots, reverse-DNS). Both are in App Store Connect.
TEAM_ID = re.compile(r"[A-Z0-9]{10}")
BUNDLE_ID = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
APP_ID = re.compile(rf"{TEAM_ID.pattern}\.{BUNDLE_ID.pattern}")
MAX_BUNDLE_ID_LENGTH = 155
MAX_APP_ID_LENGTH = 11 + MAX_BUNDLE_ID_LENGTH
EXAMPLE_APP_ID = "ABCDE12345.org.example.sleep"

# A Java package name as Android requires it: two or more parts, each starting with a letter.
PACKAGE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)+")
MAX_PACKAGE_NAME_LENGTH = 255
EXAMPLE_PACKAGE = "org.example.sleep"
JAVA_KEYWORDS = frozenset(
    "abstract assert boolean break byte case catch char class const continue "  # noqa: SIM905
    "default do double else enum extends final finally float for goto if implements "
    "import instanceof int interface long native new package private protected public "
    "return short static strictfp super switch synchronized this throw throws transient "
    "try void volatile while true false null".split()
)
ANDROID_NAMESPACE = "android_app"

# The SHA-256 fingerprint of the signing certificate: 32 bytes as colon-separated hex. Any case
# is accepted; Android compares upper case, so it is stored and published upper-case.
FINGERPRINT = re.compile(r"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){31}")
EXAMPLE_FINGERPRINT = (
    "14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:"
    "16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5"
)
SHORT_FINGERPRINT = "14:6D:E9:83:...:3F:CF:44:E5"
MAX_FINGERPRINTS = 20

# App Store / Google Play pages. Hosts are not pinned (regional and short links exist), but the
# link must be https with a host, and printable ASCII (percent-encode anything else).
INSTALL_URL = re.compile(
    r"https://[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::[0-9]{1,5})?(?:[/?#][!-~]*)?"
)
MAX_INSTALL_URL_LENGTH = 2000
INSTALL_PLATFORMS = ("ios", "android")
# Bridge keys its installLinks by OS name; say which of ours to use instead.
_BRIDGE_PLATFORM_NAMES = {"iphone os": "ios", "iphoneos": "ios", "universal": "ios or android"}

# A URI scheme (RFC 3986), lower case. Schemes browsers or the system own are not an app's.
URL_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")
MAX_URL_SCHEME_LENGTH = 64
RESERVED_SCHEMES = frozenset(
    {
        "http",
        "https",
        "javascript",
        "data",
        "file",
        "about",
        "blob",
        "mailto",
        "tel",
        "sms",
        "ftp",
        "ws",
        "wss",
        "intent",
        "content",
    }
)

# Path patterns (legacy ``paths`` and components' ``/``): Apple's * and ? wildcards.
MAX_PATTERN_LENGTH = 1024
MAX_COMMENT_LENGTH = 255
NOT_PREFIX = "NOT "  # legacy paths: "NOT /path" excludes
COMPONENT_KEYS = ("/", "?", "#", "exclude", "comment")
# Keys Apple (or Android) also reads in published files; the study API keeps to COMPONENT_KEYS.
_PUBLISHED_COMPONENT_KEYS = frozenset({"caseSensitive", "percentEncoded", "comments"})


@dataclass(frozen=True)
class AppleComponent:
    """One of Apple's ``components`` rules; ``None`` means the key was left out."""

    path: str | None = None
    query: tuple[tuple[str, str], ...] | None = None
    fragment: str | None = None
    exclude: bool = False
    comment: str | None = None

    def to_json(self) -> dict[str, Any]:
        rule: dict[str, Any] = {}
        if self.path is not None:
            rule["/"] = self.path
        if self.query is not None:
            rule["?"] = dict(self.query)
        if self.fragment is not None:
            rule["#"] = self.fragment
        if self.exclude:
            rule["exclude"] = True
        if self.comment is not None:
            rule["comment"] = self.comment
        return rule


@dataclass(frozen=True)
class AppleAppLink:
    """An iOS app and the URLs it opens: legacy ``paths`` or ``components``, never both."""

    app_id: str
    paths: tuple[str, ...] = ()
    components: tuple[AppleComponent, ...] = ()

    def to_json(self) -> dict[str, Any]:
        link: dict[str, Any] = {"appID": self.app_id}
        if self.components:
            link["components"] = [component.to_json() for component in self.components]
        else:
            link["paths"] = list(self.paths)
        link["type"] = "AppleAppLink"
        return link


@dataclass(frozen=True)
class AndroidAppLink:
    """An Android app and the certificates it is signed with (fingerprints upper-case)."""

    package_name: str
    sha256_cert_fingerprints: tuple[str, ...]
    namespace: str = ANDROID_NAMESPACE

    def to_json(self) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            "package_name": self.package_name,
            "sha256_cert_fingerprints": list(self.sha256_cert_fingerprints),
            "type": "AndroidAppLink",
        }


@dataclass(frozen=True)
class InstallLinks:
    """Where to install the app: an App Store and a Google Play page, each optional."""

    ios: str | None = None
    android: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"ios": self.ios, "android": self.android}


# --- single values (also used to check published files) -------------------------------------


def _shown(value: str, limit: int = 60) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "...")


def app_id_problem(value: object, path: str) -> str | None:
    """What is wrong with an Apple app id (``TEAMID.bundle.id``), or None."""
    how = (
        f"{path} must be the team id, a dot and the bundle id, like {EXAMPLE_APP_ID!r} (both "
        "are in App Store Connect)"
    )
    if not isinstance(value, str):
        return f"{how}; it is not a string"
    if APP_ID.fullmatch(value) and len(value) <= MAX_APP_ID_LENGTH:
        return None
    team, dot, bundle = value.partition(".")
    if not dot or not bundle:
        reason = f"{_shown(value)} has no bundle id after a team id"
    elif not TEAM_ID.fullmatch(team):
        if TEAM_ID.fullmatch(team.upper()):
            reason = f"write the team id in upper case: {team.upper()}"
        else:
            reason = f"the team id {_shown(team)} is not 10 characters of A-Z and 0-9"
    elif len(bundle) > MAX_BUNDLE_ID_LENGTH:
        reason = f"the bundle id is longer than {MAX_BUNDLE_ID_LENGTH} characters"
    else:
        reason = (
            f"the bundle id {_shown(bundle)} is not reverse-DNS (parts of letters, digits and "
            "hyphens, separated by dots, like org.example.sleep)"
        )
    return f"{how}; {reason}"


def fingerprint_problem(value: object, path: str) -> str | None:
    """What is wrong with a SHA-256 certificate fingerprint (any case accepted), or None."""
    how = (
        f"{path} must be the SHA-256 fingerprint of the app's signing certificate: 32 bytes as "
        f"colon-separated hex, like {SHORT_FINGERPRINT} (Play Console > App integrity, or "
        "keytool -list -v)"
    )
    if not isinstance(value, str):
        return f"{how}; it is not a string"
    if FINGERPRINT.fullmatch(value):
        return None
    digits = re.sub(r"[^0-9A-Fa-f]", "", value)
    if re.fullmatch(r"[0-9A-Fa-f]{64}", value):
        reason = "put a colon between each pair of hex digits"
    elif len(digits) == 40 and len(value) in (40, 59):
        reason = "this looks like a SHA-1 fingerprint; use the SHA-256 one"
    else:
        reason = f"{_shown(value)} is not 32 colon-separated hex pairs"
    return f"{how}; {reason}"


def package_name_problem(value: object, path: str) -> str | None:
    """What is wrong with an Android package name (application id), or None."""
    how = (
        f"{path} must be the app's package name (applicationId), like {EXAMPLE_PACKAGE!r}: two or "
        "more parts separated by dots, each starting with a letter, then letters, digits or _"
    )
    if not isinstance(value, str):
        return f"{how}; it is not a string"
    if len(value) > MAX_PACKAGE_NAME_LENGTH:
        return f"{how}; it is longer than {MAX_PACKAGE_NAME_LENGTH} characters"
    if not PACKAGE_NAME.fullmatch(value):
        return f"{how}; {_shown(value)} is not"
    keywords = [part for part in value.split(".") if part in JAVA_KEYWORDS]
    if keywords:
        return f"{how}; {keywords[0]!r} is a Java keyword and cannot be a part"
    return None


def text_problem(value: str, path: str, max_length: int) -> str | None:
    """Too long, or more than one line (or a control character), or None."""
    if len(value) > max_length:
        return f"{path} must be at most {max_length} characters"
    if any(unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp") for char in value):
        return f"{path} must be one line without control characters"
    return None


def pattern_problem(value: object, path: str, *, legacy: bool) -> str | None:
    """What is wrong with a path pattern (a legacy ``paths`` entry, or a component's ``/``)."""
    if not isinstance(value, str):
        return f"{path} must be a string, a path pattern like /s/sleep-study/*"
    if not value:
        return f"{path} cannot be empty: write a path pattern like /s/sleep-study/*"
    problem = text_problem(value, path, MAX_PATTERN_LENGTH)
    if problem:
        return problem
    pattern = value
    if value.startswith(NOT_PREFIX):
        if not legacy:
            return (
                f'{path} cannot start with "NOT ": in components, exclude with '
                f'{{"/": {value[len(NOT_PREFIX) :]!r}, "exclude": true}}'
            )
        pattern = value[len(NOT_PREFIX) :]
    if not pattern.startswith(("/", "*", "?")):
        return (
            f"{path} must start with / (like /s/sleep-study/*), or be * for every path; "
            f"{_shown(value)} does not"
        )
    return None


QUERY_PROBLEM = (
    '{path} must be an object of query parameter name to pattern, like {{"token": "?*"}}'
)
QUERY_PATTERN_PROBLEM = '{path} must be a string pattern, like "?*" (any value)'


def nothing_to_match_problem(path: str) -> str:
    """A component rule that names no part of the URL."""
    return f'{path} must match something: give "/" (the path), "?" (query) or "#" (fragment)'


def empty_parameter_problem(path: str) -> str:
    return f"{path} has an empty parameter name; name the parameter"


def query_pattern_problem(name: str, pattern: str, path: str) -> str | None:
    """What is wrong with one query parameter of a component: its name and its value pattern
    are each one line of at most MAX_PATTERN_LENGTH characters."""
    return text_problem(name, path, MAX_PATTERN_LENGTH) or text_problem(
        pattern, path, MAX_PATTERN_LENGTH
    )


# --- published files: components as another host serves them --------------------------------


class _Problems:
    def __init__(self) -> None:
        self.errors: Errors = {}

    def fail(self, path: str, message: str | None) -> None:
        if message:
            self.errors.setdefault(path, []).append(message)


def published_component_problems(raw: object, path: str) -> Errors:
    """What is wrong with the ``components`` (or Android 15's ``dynamic_app_link_components``)
    of a file another host serves, by path. Keys the platforms also read there
    (``caseSensitive``, ``percentEncoded``) and a query written as one string pass."""
    problems = _Problems()
    what = 'rules like {"/": "/s/sleep-study/*"}'
    if not isinstance(raw, list):
        problems.fail(path, f"{path} must be a list of {what}")
        return problems.errors
    if not raw:
        problems.fail(path, f"{path} cannot be empty: give at least one of {what}")
    for index, item in enumerate(raw):
        item_path = f"{path}[{index}]"
        if not isinstance(item, dict):
            problems.fail(item_path, f'{item_path} must be an object like {{"/": "/s/x/*"}}')
            continue
        for key in set(item) - set(COMPONENT_KEYS) - _PUBLISHED_COMPONENT_KEYS:
            problems.fail(f"{item_path}.{key}", f"{item_path}.{key} is not a component field")
        if not {"/", "?", "#"} & set(item):
            problems.fail(item_path, nothing_to_match_problem(item_path))
        if "/" in item:
            where = f"{item_path}./"
            problems.fail(where, pattern_problem(item["/"], where, legacy=False))
        if "?" in item:
            _query(item["?"], f"{item_path}.?", problems)
        if "#" in item:
            where = f"{item_path}.#"
            fragment = item["#"]
            if not isinstance(fragment, str):
                problems.fail(where, f"{where} must be a string pattern")
            else:
                problems.fail(where, text_problem(fragment, where, MAX_PATTERN_LENGTH))
        if not isinstance(item.get("exclude", False), bool):
            problems.fail(f"{item_path}.exclude", f"{item_path}.exclude must be true or false")
        comment = item.get("comment")
        if comment is not None:
            where = f"{item_path}.comment"
            if not isinstance(comment, str):
                problems.fail(where, f"{where} must be a string")
            else:
                problems.fail(where, text_problem(comment, where, MAX_COMMENT_LENGTH))
    return problems.errors


def _query(raw: object, path: str, problems: _Problems) -> None:
    if isinstance(raw, str):
        problems.fail(path, text_problem(raw, path, MAX_PATTERN_LENGTH))
        return
    if not isinstance(raw, dict):
        problems.fail(path, QUERY_PROBLEM.format(path=path))
        return
    for name, pattern in raw.items():
        where = f"{path}.{name}"
        if not name:
            problems.fail(path, empty_parameter_problem(path))
        elif not isinstance(pattern, str):
            problems.fail(where, QUERY_PATTERN_PROBLEM.format(path=where))
        else:
            problems.fail(where, query_pattern_problem(name, pattern, where))


# --- single values of a study ----------------------------------------------------------------


def install_url_problem(value: object, path: str, store: str) -> str | None:
    """What is wrong with a link to the app's ``store`` page (App Store, Google Play), or None."""
    if not isinstance(value, str):
        return f"{path} must be the app's {store} link, a string"
    if len(value) > MAX_INSTALL_URL_LENGTH:
        return f"{path} must be at most {MAX_INSTALL_URL_LENGTH} characters"
    if not value.lower().startswith("https://"):
        return f"{path} must be the app's {store} link starting with https://"
    if not INSTALL_URL.fullmatch(value):
        return (
            f"{path} must be an https link with a host, of printable ASCII (percent-encode "
            f"spaces and other characters), like the app's {store} link"
        )
    return None


def _suggest(unknown: str, known: Iterable[str]) -> str:
    """``; did you mean X?`` for a key that differs by case, underscores or a typo."""
    choices = list(known)
    squashed = unknown.lower().replace("_", "").replace(" ", "")
    for choice in choices:
        if choice.lower().replace("_", "") == squashed:
            return f"; did you mean {choice}?"
    close = difflib.get_close_matches(unknown, choices, n=1)
    return f"; did you mean {close[0]}?" if close else ""


def unknown_key_problem(key: str, path: str, known: Iterable[str], what: str) -> str:
    """What to write instead of ``key``, which ``what`` (an app link, a component) lacks."""
    names = tuple(known)
    hint = _suggest(key, names) or f"; the fields are {', '.join(names)}"
    return f"{path} is not {what} field{hint}"


def install_platform_problem(key: str, path: str) -> str:
    """What to write instead of ``key``, a platform ``installLinks`` does not know."""
    bridge = _BRIDGE_PLATFORM_NAMES.get(key.lower().strip())
    hint = f"; did you mean {bridge}?" if bridge else _suggest(key, INSTALL_PLATFORMS)
    return f"{path} is not an install link; use ios and android{hint}"


def url_scheme_problem(value: object, path: str) -> str | None:
    """What is wrong with the app's custom URL scheme, or None."""
    if not isinstance(value, str):
        return f"{path} must be a string, the app's URL scheme like sleepstudy"
    if len(value) > MAX_URL_SCHEME_LENGTH:
        return f"{path} must be at most {MAX_URL_SCHEME_LENGTH} characters"
    if value.endswith((":", ":/", "://")):
        return f"{path} is the scheme alone, without ://: write {value.split(':')[0]!r}"
    if not URL_SCHEME.fullmatch(value):
        hint = (
            f": write it in lower case, {value.lower()!r}"
            if URL_SCHEME.fullmatch(value.lower())
            else ""
        )
        return (
            f"{path} must be a URL scheme: a letter, then letters, digits, +, . or -, like "
            f"sleepstudy{hint}"
        )
    if value in RESERVED_SCHEMES:
        return (
            f"{path} cannot be {value}: that scheme is not the app's own; give the custom scheme "
            "the app registers (CFBundleURLSchemes / an intent filter), like sleepstudy"
        )
    return None
