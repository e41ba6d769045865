"""The apps that open a study's sign-in links, and where to get them; validated at save time.

- ``appleAppLinks``: ``[{appID, paths}]``, or ``[{appID, components}]`` (Apple's newer rules), the
  iOS apps that may open the links as universal links.
- ``androidAppLinks``: ``[{namespace, package_name, sha256_cert_fingerprints}]``, the Android apps
  that may open them as App Links.
- ``installLinks``: ``{ios, android}``, App Store and Google Play pages (https only).
- ``appUrlScheme``: the app's custom scheme, for a fallback link that carries no secret.

Like the rest of the study, every problem is collected, keyed by the JSON path a researcher can
find (``appleAppLinks[0].paths[1]``), each message saying what to write instead. The single-value
checks (``app_id_problem``, ``fingerprint_problem``, ``package_name_problem``,
``component_problems``) also judge other hosts' published files
(``service/deeplinks/association_check.py``).
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
_SHORT_FINGERPRINT = "14:6D:E9:83:...:3F:CF:44:E5"
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
APPLE_LINK_KEYS = ("appID", "paths", "components")
ANDROID_LINK_KEYS = ("namespace", "package_name", "sha256_cert_fingerprints")
READ_ONLY_LINK_KEYS = frozenset({"type"})  # Bridge SDKs send back "type": "AppleAppLink"


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
        f"colon-separated hex, like {_SHORT_FINGERPRINT} (Play Console > App integrity, or "
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


def _text_problem(value: str, path: str, max_length: int) -> str | None:
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
    problem = _text_problem(value, path, MAX_PATTERN_LENGTH)
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


# --- collections, with every problem by path ------------------------------------------------


def _suggest(unknown: str, known: Iterable[str]) -> str:
    """``; did you mean X?`` for a key that differs by case, underscores or a typo."""
    choices = list(known)
    squashed = unknown.lower().replace("_", "").replace(" ", "")
    for choice in choices:
        if choice.lower().replace("_", "") == squashed:
            return f"; did you mean {choice}?"
    close = difflib.get_close_matches(unknown, choices, n=1)
    return f"; did you mean {close[0]}?" if close else ""


class _Problems:
    def __init__(self) -> None:
        self.errors: Errors = {}

    def fail(self, path: str, message: str | None) -> None:
        if message:
            self.errors.setdefault(path, []).append(message)

    @property
    def count(self) -> int:
        return sum(len(messages) for messages in self.errors.values())

    def unknown_keys(
        self, data: dict[str, Any], path: str, known: Iterable[str], what: str
    ) -> None:
        names = tuple(known)
        for key in data:
            if key not in names and key not in READ_ONLY_LINK_KEYS:
                hint = _suggest(str(key), names) or f"; the fields are {', '.join(names)}"
                self.fail(f"{path}.{key}", f"{path}.{key} is not {what} field{hint}")

    def strings(self, raw: object, path: str, what: str) -> list[tuple[str, object]]:
        """The items of a non-empty list, each with its path; the problem when not a list."""
        if not isinstance(raw, list):
            self.fail(path, f"{path} must be a list of {what}")
            return []
        if not raw:
            self.fail(path, f"{path} cannot be empty: give at least one of {what}")
        return [(f"{path}[{index}]", item) for index, item in enumerate(raw)]


def component_problems(
    raw: object, path: str, *, published: bool = False
) -> tuple[tuple[AppleComponent, ...], Errors]:
    """Apple's ``components`` rules (also Android 15's ``dynamic_app_link_components``).

    ``published`` judges a file someone else serves: keys the platforms also read
    (``caseSensitive``, ``percentEncoded``) and a query written as one string pass there.
    """
    problems = _Problems()
    components = []
    for item_path, item in problems.strings(raw, path, 'rules like {"/": "/s/sleep-study/*"}'):
        if not isinstance(item, dict):
            problems.fail(item_path, f'{item_path} must be an object like {{"/": "/s/x/*"}}')
            continue
        before = problems.count
        if not published:
            problems.unknown_keys(item, item_path, COMPONENT_KEYS, "a component")
        else:
            for key in set(item) - set(COMPONENT_KEYS) - _PUBLISHED_COMPONENT_KEYS:
                problems.fail(f"{item_path}.{key}", f"{item_path}.{key} is not a component field")
        if not {"/", "?", "#"} & set(item):
            problems.fail(
                item_path,
                f'{item_path} must match something: give "/" (the path), "?" (query) or "#" '
                "(fragment)",
            )
        path_pattern = item.get("/")
        if "/" in item:
            problems.fail(
                f"{item_path}./", pattern_problem(path_pattern, f"{item_path}./", legacy=False)
            )
        query = (
            _query(item.get("?"), f"{item_path}.?", problems, published) if "?" in item else None
        )
        fragment = item.get("#")
        if "#" in item:
            if not isinstance(fragment, str):
                problems.fail(f"{item_path}.#", f"{item_path}.# must be a string pattern")
            else:
                problems.fail(
                    f"{item_path}.#", _text_problem(fragment, f"{item_path}.#", MAX_PATTERN_LENGTH)
                )
        exclude = item.get("exclude", False)
        if not isinstance(exclude, bool):
            problems.fail(f"{item_path}.exclude", f"{item_path}.exclude must be true or false")
        comment = item.get("comment")
        if comment is not None:
            if not isinstance(comment, str):
                problems.fail(f"{item_path}.comment", f"{item_path}.comment must be a string")
            else:
                problems.fail(
                    f"{item_path}.comment",
                    _text_problem(comment, f"{item_path}.comment", MAX_COMMENT_LENGTH),
                )
        if problems.count == before:
            components.append(
                AppleComponent(
                    path=path_pattern if isinstance(path_pattern, str) else None,
                    query=query,
                    fragment=fragment if isinstance(fragment, str) else None,
                    exclude=exclude is True,
                    comment=comment if isinstance(comment, str) else None,
                )
            )
    return tuple(components), problems.errors


def _query(
    raw: object, path: str, problems: _Problems, published: bool
) -> tuple[tuple[str, str], ...] | None:
    if published and isinstance(raw, str):
        problems.fail(path, _text_problem(raw, path, MAX_PATTERN_LENGTH))
        return None
    if not isinstance(raw, dict):
        problems.fail(
            path,
            f'{path} must be an object of query parameter name to pattern, like {{"token": "?*"}}',
        )
        return None
    pairs = []
    for name, pattern in raw.items():
        where = f"{path}.{name}"
        if not name:
            problems.fail(path, f"{path} has an empty parameter name; name the parameter")
        elif not isinstance(pattern, str):
            problems.fail(where, f'{where} must be a string pattern, like "?*" (any value)')
        else:
            problems.fail(where, _text_problem(name + pattern, where, MAX_PATTERN_LENGTH))
            pairs.append((name, pattern))
    return tuple(pairs)


def parse_apple_app_links(raw: object, path: str) -> tuple[tuple[AppleAppLink, ...], Errors]:
    if raw is None:
        return (), {}
    problems = _Problems()
    if not isinstance(raw, list):
        problems.fail(
            path,
            f'{path} must be a list like [{{"appID": "{EXAMPLE_APP_ID}", '
            '"paths": ["/s/sleep-study", "/s/sleep-study/*"]}]',
        )
        return (), problems.errors
    links: list[AppleAppLink] = []
    seen: dict[str, str] = {}
    for index, item in enumerate(raw):
        item_path = f"{path}[{index}]"
        if not isinstance(item, dict):
            problems.fail(item_path, f"{item_path} must be an object with appID and paths")
            continue
        before = problems.count
        problems.unknown_keys(item, item_path, APPLE_LINK_KEYS, "an apple app link")
        app_id = item.get("appID")
        if app_id is None:
            problems.fail(
                f"{item_path}.appID", f"{item_path}.appID is required, like {EXAMPLE_APP_ID!r}"
            )
        else:
            problems.fail(f"{item_path}.appID", app_id_problem(app_id, f"{item_path}.appID"))
            if isinstance(app_id, str) and app_id in seen:
                problems.fail(
                    f"{item_path}.appID",
                    f"{item_path}.appID {app_id} is already listed at {seen[app_id]}; give each "
                    "app once, with all its paths",
                )
            elif isinstance(app_id, str):
                seen[app_id] = item_path
        paths: tuple[str, ...] = ()
        components: tuple[AppleComponent, ...] = ()
        has_paths = item.get("paths") is not None
        has_components = item.get("components") is not None
        if has_paths and has_components:
            problems.fail(
                item_path,
                f"{item_path} must have paths or components, not both: use components (iOS 13+; "
                "the legacy paths are derived from them)",
            )
        elif has_components:
            components, errors = component_problems(item["components"], f"{item_path}.components")
            _merge(problems, errors)
        elif has_paths:
            checked = []
            for entry_path, entry in problems.strings(
                item["paths"], f"{item_path}.paths", "path patterns like /s/sleep-study/*"
            ):
                problem = pattern_problem(entry, entry_path, legacy=True)
                problems.fail(entry_path, problem)
                if problem is None and isinstance(entry, str):
                    checked.append(entry)
            paths = tuple(checked)
        else:
            problems.fail(
                f"{item_path}.paths",
                f"{item_path}.paths is required: the paths the app opens, like "
                '["/s/sleep-study", "/s/sleep-study/*"] (or give components instead)',
            )
        if problems.count == before and isinstance(app_id, str):
            links.append(AppleAppLink(app_id=app_id, paths=paths, components=components))
    return tuple(links), problems.errors


def parse_android_app_links(raw: object, path: str) -> tuple[tuple[AndroidAppLink, ...], Errors]:
    if raw is None:
        return (), {}
    problems = _Problems()
    if not isinstance(raw, list):
        problems.fail(
            path,
            f'{path} must be a list like [{{"namespace": "android_app", "package_name": '
            f'"{EXAMPLE_PACKAGE}", "sha256_cert_fingerprints": ["{_SHORT_FINGERPRINT}"]}}]',
        )
        return (), problems.errors
    links: list[AndroidAppLink] = []
    seen: dict[tuple[str, str], str] = {}  # (package, fingerprint) -> where it was first given
    for index, item in enumerate(raw):
        item_path = f"{path}[{index}]"
        if not isinstance(item, dict):
            problems.fail(
                item_path,
                f"{item_path} must be an object with namespace, package_name and "
                "sha256_cert_fingerprints",
            )
            continue
        before = problems.count
        problems.unknown_keys(item, item_path, ANDROID_LINK_KEYS, "an android app link")
        namespace = item.get("namespace")
        if namespace != ANDROID_NAMESPACE:
            given = "is required" if namespace is None else "must be"
            problems.fail(
                f"{item_path}.namespace",
                f'{item_path}.namespace {given} "{ANDROID_NAMESPACE}"',
            )
        package = item.get("package_name")
        package_problem = (
            f"{item_path}.package_name is required, like {EXAMPLE_PACKAGE!r}"
            if package is None
            else package_name_problem(package, f"{item_path}.package_name")
        )
        problems.fail(f"{item_path}.package_name", package_problem)
        fingerprints: list[str] = []
        raw_prints = item.get("sha256_cert_fingerprints")
        if raw_prints is None:
            problems.fail(
                f"{item_path}.sha256_cert_fingerprints",
                f"{item_path}.sha256_cert_fingerprints is required: the SHA-256 fingerprints "
                f'of the certificates the app is signed with, like ["{_SHORT_FINGERPRINT}"]',
            )
        else:
            entries = problems.strings(
                raw_prints, f"{item_path}.sha256_cert_fingerprints", "SHA-256 fingerprints"
            )
            if len(entries) > MAX_FINGERPRINTS:
                problems.fail(
                    f"{item_path}.sha256_cert_fingerprints",
                    f"{item_path}.sha256_cert_fingerprints must list at most {MAX_FINGERPRINTS}",
                )
            for entry_path, entry in entries:
                problem = fingerprint_problem(entry, entry_path)
                problems.fail(entry_path, problem)
                if problem is not None or not isinstance(entry, str):
                    continue
                fingerprint = entry.upper()
                fingerprints.append(fingerprint)
                if package_problem is not None or not isinstance(package, str):
                    continue  # duplicates are judged once the package name is right
                key = (package, fingerprint)
                if key in seen:
                    problems.fail(
                        entry_path,
                        f"{entry_path} is already listed for {key[0]} at {seen[key]}; give each "
                        "app (package and fingerprint) once",
                    )
                else:
                    seen[key] = entry_path
        if problems.count == before and isinstance(package, str):
            links.append(AndroidAppLink(package, tuple(fingerprints)))
    return tuple(links), problems.errors


def parse_install_links(raw: object, path: str) -> tuple[InstallLinks, Errors]:
    if raw is None:
        return InstallLinks(), {}
    problems = _Problems()
    if not isinstance(raw, dict):
        problems.fail(
            path,
            f'{path} must be an object like {{"ios": "https://apps.apple.com/app/id123456789", '
            '"android": "https://play.google.com/store/apps/details?id=org.example.sleep"}',
        )
        return InstallLinks(), problems.errors
    for key in raw:
        if key not in INSTALL_PLATFORMS:
            bridge = _BRIDGE_PLATFORM_NAMES.get(str(key).lower().strip())
            hint = f"; did you mean {bridge}?" if bridge else _suggest(str(key), INSTALL_PLATFORMS)
            problems.fail(
                f"{path}.{key}",
                f"{path}.{key} is not an install link; use ios and android{hint}",
            )
    urls: dict[str, str | None] = {}
    for platform, store in (("ios", "App Store"), ("android", "Google Play")):
        where = f"{path}.{platform}"
        value = raw.get(platform)
        urls[platform] = None
        if value is None:
            continue
        if not isinstance(value, str):
            problems.fail(where, f"{where} must be the app's {store} link, a string")
        elif len(value) > MAX_INSTALL_URL_LENGTH:
            problems.fail(where, f"{where} must be at most {MAX_INSTALL_URL_LENGTH} characters")
        elif not value.lower().startswith("https://"):
            problems.fail(where, f"{where} must be the app's {store} link starting with https://")
        elif not INSTALL_URL.fullmatch(value):
            problems.fail(
                where,
                f"{where} must be an https link with a host, of printable ASCII (percent-encode "
                f"spaces and other characters), like the app's {store} link",
            )
        else:
            urls[platform] = value
    return InstallLinks(ios=urls["ios"], android=urls["android"]), problems.errors


def parse_url_scheme(raw: object, path: str) -> tuple[str | None, Errors]:
    if raw is None:
        return None, {}
    problems = _Problems()
    if not isinstance(raw, str):
        problems.fail(path, f"{path} must be a string, the app's URL scheme like sleepstudy")
        return None, problems.errors
    if len(raw) > MAX_URL_SCHEME_LENGTH:
        problems.fail(path, f"{path} must be at most {MAX_URL_SCHEME_LENGTH} characters")
    elif raw.endswith((":", ":/", "://")):
        problems.fail(path, f"{path} is the scheme alone, without ://: write {raw.split(':')[0]!r}")
    elif not URL_SCHEME.fullmatch(raw):
        hint = (
            f": write it in lower case, {raw.lower()!r}"
            if URL_SCHEME.fullmatch(raw.lower())
            else ""
        )
        problems.fail(
            path,
            f"{path} must be a URL scheme: a letter, then letters, digits, +, . or -, like "
            f"sleepstudy{hint}",
        )
    elif raw in RESERVED_SCHEMES:
        problems.fail(
            path,
            f"{path} cannot be {raw}: that scheme is not the app's own; give the custom scheme "
            "the app registers (CFBundleURLSchemes / an intent filter), like sleepstudy",
        )
    else:
        return raw, {}
    return None, problems.errors


def _merge(problems: _Problems, errors: Errors) -> None:
    for path, messages in errors.items():
        for message in messages:
            problems.fail(path, message)
