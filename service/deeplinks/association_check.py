"""Judging the association files a host serves, the way Apple's CDN and Android see them.

Pure functions over what was fetched (``Fetched``), each problem one line naming the file and,
for content, the JSON path. They reuse the study model's validators (``studies/app_links``), so
``magiclink links check`` and the study API agree on what an app id or a fingerprint is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from service.deeplinks.association import HANDLE_ALL_URLS, MAX_AASA_BYTES, kilobytes
from service.studies.app_links import (
    ANDROID_NAMESPACE,
    Errors,
    app_id_problem,
    fingerprint_problem,
    package_name_problem,
    pattern_problem,
    published_component_problems,
)

AASA_NAME = "apple-app-site-association"
ASSETLINKS_NAME = "assetlinks.json"
MEDIA_TYPE = "application/json"


@dataclass(frozen=True)
class Fetched:
    """One answer: its status, headers (names in lower case) and body; or why none came."""

    url: str
    status: int = 0
    headers: Mapping[str, str] | None = None
    body: bytes = b""
    error: str | None = None

    def header(self, name: str) -> str | None:
        return (self.headers or {}).get(name.lower())


@dataclass(frozen=True)
class Report:
    """The problems found in one file, and a short summary of what it holds."""

    name: str
    problems: list[str]
    summary: str = ""


class _Found:
    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[str] = []

    def add(self, message: str | None) -> None:
        if message:
            self.problems.append(f"{self.name}: {message}")

    def add_all(self, errors: Errors) -> None:
        for messages in errors.values():
            for message in messages:
                self.add(message)


def _http(found: _Found, fetched: Fetched, max_bytes: int | None) -> Any:
    """The parsed JSON when the answer is one a platform would read; problems on the way."""
    if fetched.error is not None:
        found.add(f"could not fetch {fetched.url}: {fetched.error}")
        return None
    if 300 <= fetched.status < 400:
        where = fetched.header("location")
        found.add(
            f"{fetched.url} answers {fetched.status}, a redirect"
            + (f" to {where}" if where else "")
            + "; Apple and Android do not follow redirects: serve the file at this URL itself"
        )
        return None
    if fetched.status != 200:
        found.add(f"{fetched.url} answers {fetched.status}; it must answer 200 with the file")
        return None
    content_type = fetched.header("content-type")
    if content_type is None:
        found.add(f"no Content-Type; serve it as exactly {MEDIA_TYPE}")
    elif content_type.strip().lower() != MEDIA_TYPE:
        found.add(
            f"Content-Type is {content_type!r}; serve it as exactly {MEDIA_TYPE} (no charset or "
            "other parameters)"
        )
    if max_bytes is not None and len(fetched.body) > max_bytes:
        found.add(
            f"the file is {kilobytes(len(fetched.body))}, over Apple's limit of "
            f"{max_bytes // 1024} KB: iOS ignores it"
        )
    try:
        return json.loads(fetched.body.decode("utf-8"))
    except UnicodeDecodeError:
        found.add("the file is not UTF-8 text")
    except json.JSONDecodeError as exc:
        found.add(f"the file is not valid JSON: {exc}")
    return None


def _string_list(
    found: _Found, value: object, path: str, what: str, *, may_be_empty: bool = False
) -> list[tuple[str, object]]:
    if not isinstance(value, list) or not (value or may_be_empty):
        found.add(f"{path} must be a{'' if may_be_empty else ' non-empty'} list of {what}")
        return []
    return [(f"{path}[{index}]", item) for index, item in enumerate(value)]


def _app_ids(found: _Found, value: object, path: str, *, may_be_empty: bool = False) -> list[str]:
    good = []
    what = "app ids (TEAMID.bundle.id)"
    for item_path, item in _string_list(found, value, path, what, may_be_empty=may_be_empty):
        problem = app_id_problem(item, item_path)
        found.add(problem)
        if problem is None and isinstance(item, str):
            good.append(item)
    return good


def _detail(found: _Found, detail: object, path: str) -> list[str]:
    """Checks one ``applinks.details`` entry; returns the app ids it names."""
    if not isinstance(detail, dict):
        found.add(f"{path} must be an object with appIDs and components (or appID and paths)")
        return []
    modern = "appIDs" in detail or "components" in detail
    legacy = "appID" in detail or "paths" in detail
    if not modern and not legacy:
        found.add(f"{path} names no app: give appIDs and components (and appID and paths)")
        return []
    apps: list[str] = []
    if modern:
        apps += _app_ids(found, detail.get("appIDs"), f"{path}.appIDs")
        if "components" not in detail:
            found.add(f"{path} has appIDs but no components: no URL opens the app on iOS 13+")
        else:
            found.add_all(published_component_problems(detail["components"], f"{path}.components"))
    if legacy:
        app_id = detail.get("appID")
        problem = app_id_problem(app_id, f"{path}.appID")
        found.add(problem)
        if problem is None and isinstance(app_id, str):
            apps.append(app_id)
        for item_path, item in _string_list(
            found, detail.get("paths"), f"{path}.paths", "path patterns"
        ):
            found.add(pattern_problem(item, item_path, legacy=True))
    return apps


def check_apple_app_site_association(fetched: Fetched) -> Report:
    found = _Found(AASA_NAME)
    document = _http(found, fetched, MAX_AASA_BYTES)
    if document is None:
        return Report(AASA_NAME, found.problems)
    if not isinstance(document, dict):
        found.add("the file must be a JSON object with applinks")
        return Report(AASA_NAME, found.problems)
    apps: list[str] = []
    applinks = document.get("applinks")
    if not isinstance(applinks, dict):
        found.add('applinks must be an object like {"apps": [], "details": [...]}')
    else:
        if "apps" in applinks and applinks["apps"] != []:
            found.add("applinks.apps must be an empty list (the app ids go in details)")
        details = applinks.get("details")
        if not isinstance(details, list):
            found.add("applinks.details must be a list of apps and the URLs they open")
        else:
            for index, detail in enumerate(details):
                apps += _detail(found, detail, f"applinks.details[{index}]")
    if "webcredentials" in document:
        credentials = document["webcredentials"]
        if not isinstance(credentials, dict):
            found.add('webcredentials must be an object like {"apps": ["TEAMID.bundle.id"]}')
        else:
            _app_ids(found, credentials.get("apps"), "webcredentials.apps", may_be_empty=True)
    unique = len(dict.fromkeys(apps))
    return Report(
        AASA_NAME,
        found.problems,
        f"{unique} app{'s' if unique != 1 else ''}, {kilobytes(len(fetched.body))} of "
        f"{MAX_AASA_BYTES // 1024} KB",
    )


def _android_target(found: _Found, target: dict[str, Any], path: str) -> str | None:
    """Checks an android_app target; returns its package name when it is right."""
    package = target.get("package_name")
    problem = package_name_problem(package, f"{path}.package_name")
    found.add(problem)
    for item_path, item in _string_list(
        found,
        target.get("sha256_cert_fingerprints"),
        f"{path}.sha256_cert_fingerprints",
        "SHA-256 fingerprints",
    ):
        wrong = fingerprint_problem(item, item_path)
        found.add(wrong)
        if wrong is None and isinstance(item, str) and item != item.upper():
            found.add(f"{item_path} must be upper-case for Android: {item.upper()}")
    return package if problem is None and isinstance(package, str) else None


def _statement(found: _Found, statement: object, path: str) -> tuple[str | None, bool]:
    """Checks one statement; returns its Android package (if any) and if it opens links."""
    if not isinstance(statement, dict):
        found.add(f"{path} must be an object with relation and target")
        return None, False
    relations = statement.get("relation")
    if not isinstance(relations, list) or not relations:
        found.add(f'{path}.relation must be a non-empty list, like ["{HANDLE_ALL_URLS}"]')
        relations = []
    for index, relation in enumerate(relations):
        if not isinstance(relation, str) or not relation.startswith("delegate_permission/"):
            found.add(f"{path}.relation[{index}] must be a string like {HANDLE_ALL_URLS!r}")
    target = statement.get("target")
    if not isinstance(target, dict):
        found.add(f"{path}.target must be an object with namespace, package_name and fingerprints")
        return None, False
    package = None
    namespace = target.get("namespace")
    if namespace == ANDROID_NAMESPACE:
        package = _android_target(found, target, f"{path}.target")
    elif namespace == "web":
        if not isinstance(target.get("site"), str):
            found.add(f"{path}.target.site must be the site's origin, like https://example.org")
    else:
        found.add(f'{path}.target.namespace must be "{ANDROID_NAMESPACE}" (or "web")')
    extensions = statement.get("relation_extensions")
    if extensions is not None:
        if not isinstance(extensions, dict):
            found.add(f"{path}.relation_extensions must be an object")
        else:
            for relation, extension in extensions.items():
                where = f"{path}.relation_extensions.{relation}"
                if not isinstance(extension, dict):
                    found.add(f"{where} must be an object")
                elif "dynamic_app_link_components" in extension:
                    found.add_all(
                        published_component_problems(
                            extension["dynamic_app_link_components"],
                            f"{where}.dynamic_app_link_components",
                        )
                    )
    return package, HANDLE_ALL_URLS in relations


def check_assetlinks(fetched: Fetched) -> Report:
    found = _Found(ASSETLINKS_NAME)
    document = _http(found, fetched, None)
    if document is None:
        return Report(ASSETLINKS_NAME, found.problems)
    if not isinstance(document, list):
        found.add("the file must be a JSON list of statements")
        return Report(ASSETLINKS_NAME, found.problems)
    packages: list[str] = []
    opens_links = False
    for index, statement in enumerate(document):
        package, handles = _statement(found, statement, f"[{index}]")
        if package is not None:
            packages.append(package)
            opens_links = opens_links or handles
    if packages and not opens_links:
        found.add(f"no statement grants {HANDLE_ALL_URLS} to an app: App Links will not verify")
    unique = len(dict.fromkeys(packages))
    return Report(ASSETLINKS_NAME, found.problems, f"{unique} app{'s' if unique != 1 else ''}")
