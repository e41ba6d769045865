"""The app links form: a study's ``appleAppLinks``, ``androidAppLinks``, ``installLinks`` and
``appUrlScheme`` as rows of plain fields, and back.

Each field is named by the JSON path the API's errors use (``appleAppLinks[0].appID``), so an
error lands next to its field; a list of strings (an app's paths, its fingerprints) is a textarea
of one item a line, and the errors of its items (``…paths[1]``) go to that textarea. Blank rows
and blank lines are dropped and the rest numbered again *before* anything is checked, so the
indexes in the API's errors are those of the rows and lines the page draws again.

An iOS app whose rules are Apple's ``components`` (set through the API) cannot be drawn as paths:
it is shown as it is and kept, after the form's apps, so the form's indexes stay the API's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from starlette.datastructures import FormData

from service.api.console.forms import field
from service.api.console.study_form import StudyForm, Values
from service.studies.app_links import ANDROID_NAMESPACE

APPLE, ANDROID = "appleAppLinks", "androidAppLinks"
APP_ID, PATHS = "appID", "paths"
PACKAGE, FINGERPRINTS = "package_name", "sha256_cert_fingerprints"
IOS_STORE, ANDROID_STORE, SCHEME = "installLinks.ios", "installLinks.android", "appUrlScheme"
# Rows a form may carry: far more than any study has apps, few enough to bound the work.
MAX_ROWS = 100
# Labels cover this many rows beyond those in view, so that apps somebody else added while the
# researcher was editing are named in a conflict too.
SPARE_ROWS = 10

_ROW = re.compile(
    rf"({APPLE}|{ANDROID})\[(\d{{1,3}})\]\.({APP_ID}|{PATHS}|{PACKAGE}|{FINGERPRINTS})"
)
_COLUMNS = {APPLE: (APP_ID, PATHS), ANDROID: (PACKAGE, FINGERPRINTS)}


def name(kind: str, index: int, column: str) -> str:
    return f"{kind}[{index}].{column}"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _rows(kind: str, rows: Iterable[tuple[str, list[str]]]) -> Values:
    """Rows (a single value, a list) as the form's values, blank ones left out, numbered again."""
    single, many = _COLUMNS[kind]
    values: Values = {}
    index = 0
    for one, items in rows:
        if not one and not items:
            continue
        values[name(kind, index, single)] = one
        values[name(kind, index, many)] = "\n".join(items)
        index += 1
    return values


def count(values: Values, kind: str) -> int:
    """How many rows of ``kind`` the values hold."""
    single = _COLUMNS[kind][0]
    return sum(1 for key in values if key.startswith(f"{kind}[") and key.endswith(f".{single}"))


def values_of(study: dict[str, Any]) -> Values:
    """The study's JSON (as ``study_form.editable`` gives it) as the form's values."""
    apple = [
        (str(link.get(APP_ID, "")), [str(path) for path in link.get(PATHS) or ()])
        for link in study.get(APPLE) or ()
        if not link.get("components")
    ]
    android = [
        (str(link.get(PACKAGE, "")), [str(value) for value in link.get(FINGERPRINTS) or ()])
        for link in study.get(ANDROID) or ()
    ]
    install = study.get("installLinks") or {}
    return {
        **_rows(APPLE, apple),
        **_rows(ANDROID, android),
        IOS_STORE: str(install.get("ios") or ""),
        ANDROID_STORE: str(install.get("android") or ""),
        SCHEME: str(study.get(SCHEME) or ""),
    }


def fields_of(form: FormData) -> Values:
    """What the researcher sent, as values: blank rows and lines dropped, rows numbered again."""
    sent: dict[str, dict[int, dict[str, str]]] = {APPLE: {}, ANDROID: {}}
    for key in form:
        match = _ROW.fullmatch(key)
        if match is None or int(match.group(2)) >= MAX_ROWS:
            continue
        kind, index, column = match.group(1), int(match.group(2)), match.group(3)
        if column in _COLUMNS[kind]:
            sent[kind].setdefault(index, {})[column] = field(form, key)
    values: Values = {}
    for kind, (single, many) in _COLUMNS.items():
        rows = [sent[kind][index] for index in sorted(sent[kind])]
        values |= _rows(
            kind, ((row.get(single, "").strip(), _lines(row.get(many, ""))) for row in rows)
        )
    for key in (IOS_STORE, ANDROID_STORE, SCHEME):
        values[key] = field(form, key).strip()
    return values


def write(form: FormData, body: dict[str, Any]) -> None:
    """The form into the study's JSON; iOS apps with ``components`` kept, after the form's."""
    values = fields_of(form)
    kept = [link for link in body.get(APPLE) or () if link.get("components")]
    body[APPLE] = [
        {APP_ID: values[name(APPLE, i, APP_ID)], PATHS: _lines(values[name(APPLE, i, PATHS)])}
        for i in range(count(values, APPLE))
    ] + kept
    body[ANDROID] = [
        {
            "namespace": ANDROID_NAMESPACE,
            PACKAGE: values[name(ANDROID, i, PACKAGE)],
            FINGERPRINTS: _lines(values[name(ANDROID, i, FINGERPRINTS)]),
        }
        for i in range(count(values, ANDROID))
    ]
    # Empty means "none": null takes the default, where "" would be an invalid link.
    body["installLinks"] = {
        "ios": values[IOS_STORE] or None,
        "android": values[ANDROID_STORE] or None,
    }
    body[SCHEME] = values[SCHEME] or None


def labels(apple_rows: int, android_rows: int) -> dict[str, str]:
    """Every field's label, in the page's order; each app row also names the row itself (an
    error about the whole entry) and each list its section (an error about the whole list)."""
    found = {APPLE: "iOS apps"}
    for i in range(apple_rows):
        found[f"{APPLE}[{i}]"] = f"iOS app {i + 1}"
        found[name(APPLE, i, APP_ID)] = f"iOS app {i + 1}: app ID"
        found[name(APPLE, i, PATHS)] = f"iOS app {i + 1}: paths"
    found[ANDROID] = "Android apps"
    for i in range(android_rows):
        found[f"{ANDROID}[{i}]"] = f"Android app {i + 1}"
        found[name(ANDROID, i, PACKAGE)] = f"Android app {i + 1}: package name"
        found[name(ANDROID, i, FINGERPRINTS)] = f"Android app {i + 1}: certificate fingerprints"
    found[IOS_STORE] = "App Store link"
    found[ANDROID_STORE] = "Google Play link"
    found[SCHEME] = "URL scheme"
    return found


def field_id(path: str) -> str:
    """A field's HTML id (no brackets or dots, which CSS selectors and fragments trip over)."""
    return re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-")


def study_form(*seen: Values) -> StudyForm:
    """The form, its labels covering every row of ``seen`` and a few more."""
    apple = max((count(values, APPLE) for values in seen), default=0) + SPARE_ROWS
    android = max((count(values, ANDROID) for values in seen), default=0) + SPARE_ROWS
    return StudyForm(labels(apple, android), values_of, write, fields_of)
