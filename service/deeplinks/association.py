"""The app association files that let iOS and Android open sign-in links in a study's app.

Both files are built from all studies at once (as Bridge does: one host serves every study), by
pure functions; ``service/api/routes/wellknown.py`` serves them, ``magiclink links show`` prints
them.

Which paths a study's apps should claim
---------------------------------------
A sign-in link is ``MAGICLINK_BASE_URL/s/{studyId}?email=…&token=…`` (``links.sign_in_url``):
its path is exactly ``/s/{studyId}``, and the token is in the query. So a researcher gives the
study's iOS app::

    "appleAppLinks": [{"appID": "ABCDE12345.org.example.sleep",
                       "paths": ["/s/sleep-study", "/s/sleep-study/*"]}]

or the same as Apple's newer components, ``[{"/": "/s/sleep-study"}, {"/": "/s/sleep-study/*"}]``.
``/s/sleep-study*`` works too, but it also claims ``/s/sleep-study-pilot``, another study's
links; ``/s/sleep-study/*`` alone misses the link itself (its path has no trailing part).

Bridge's older link form, ``MAGICLINK_BASE_URL/mobile/{studyId}/startSession.html?…`` (the
``${url}`` of a template written for Bridge, ``links.bridge_sign_in_url``), is the same link:
the files claim ``/mobile/{studyId}/*`` for every app that opens the study's ``/s/{studyId}``
link, so researchers need not list it (listing it does no harm).

apple-app-site-association
--------------------------
One ``details`` entry per app (an app several studies name gets the rules of all of them, in
study order), carrying both forms so that every iOS version matches:

- modern (iOS 13+): ``appIDs`` + ``components``; a study that gave ``paths`` gets one component
  per path (``{"/": path}``, and ``"NOT path"`` becomes ``{"/": path, "exclude": true}``);
- legacy: ``appID`` + ``paths``; a study that gave ``components`` gets the paths that legacy
  patterns can say. A component with only ``/`` becomes its path (``"NOT path"`` when
  excluded). One that also matches the query or fragment cannot be said: when it includes, it
  is left out (old iOS opens fewer links, never more); when it excludes, its whole path is
  excluded (``"NOT path"``, or ``"NOT *"`` without a path), which again errs on opening less.

Bridge's link form follows the short one (``with_bridge_links``): each rule whose path matches
``/s/{studyId}`` (and not already ``/mobile/{studyId}/startSession.html``) is followed by its
twin for ``/mobile/{studyId}/*``, with the same query, fragment and exclusion. Apple applies the
first rule that matches, so the Bridge link opens the app exactly when the short link does.

``webcredentials.apps`` lists every app, for password autofill. Apple's CDN refuses a file over
128 KB (``MAX_AASA_BYTES``) for the whole host, so a study change that would push it past the
limit is refused (``aasa_size_problem``).

assetlinks.json
---------------
One statement per Android package (its fingerprints from every study that names it), granting
``handle_all_urls`` (open the links) and ``get_login_creds`` (share saved credentials). Android 15
``dynamic_app_link_components`` limit each app to its studies' sign-in paths
(``/s/{studyId}``, ``/s/{studyId}/*``, and ``/mobile/{studyId}/*`` for Bridge's form):
Bridge's android_app_link has no paths of its own, and borrowing the iOS paths would let an
Android app claim links the researcher only meant for iOS. The sign-in paths are the one thing
this service knows every study's app needs. (Dynamic rules
narrow, never widen, what the app's manifest declares; older Android versions ignore them.)
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from service.deeplinks.links import bridge_sign_in_path
from service.studies.app_links import NOT_PREFIX, AppleAppLink, AppleComponent
from service.studies.model import Study

Json = dict[str, Any]

AASA_PATH = "/.well-known/apple-app-site-association"
ASSETLINKS_PATH = "/.well-known/assetlinks.json"
MAX_AASA_BYTES = 128 * 1024  # Apple's limit for the file, uncompressed
HANDLE_ALL_URLS = "delegate_permission/common.handle_all_urls"
GET_LOGIN_CREDS = "delegate_permission/common.get_login_creds"
RELATIONS = (HANDLE_ALL_URLS, GET_LOGIN_CREDS)


def sign_in_paths(study_id: str) -> tuple[str, str]:
    """The path of a study's sign-in link, and everything under it."""
    return f"/s/{study_id}", f"/s/{study_id}/*"


def bridge_sign_in_pattern(study_id: str) -> str:
    """Where Bridge's form of a study's sign-in link lives: ``/mobile/{studyId}/*``."""
    return f"/mobile/{study_id}/*"


def _apple_pattern_matches(pattern: str | None, path: str) -> bool:
    """Whether an Apple path pattern (``*`` any characters, ``?`` one) matches ``path``;
    a rule without a path matches every path."""
    if pattern is None:
        return True
    regex = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    return re.fullmatch(regex, path, re.DOTALL) is not None


def _needs_bridge_twin(pattern: str | None, study_id: str) -> bool:
    return _apple_pattern_matches(pattern, sign_in_paths(study_id)[0]) and not (
        _apple_pattern_matches(pattern, bridge_sign_in_path(study_id))
    )


def with_bridge_links(link: AppleAppLink, study_id: str) -> AppleAppLink:
    """The app link, with Bridge's form of the study's sign-in link claimed wherever the short
    form is: each rule matching ``/s/{studyId}`` is followed by its twin for
    ``/mobile/{studyId}/*`` (same query, fragment and exclusion). A rule that already matches
    the Bridge link (``*``, say) needs none."""
    twin_path = bridge_sign_in_pattern(study_id)
    if link.components:
        components: list[AppleComponent] = []
        for component in link.components:
            components.append(component)
            if _needs_bridge_twin(component.path, study_id):
                components.append(replace(component, path=twin_path, comment=None))
        return replace(link, components=tuple(components))
    paths: list[str] = []
    for path in link.paths:
        paths.append(path)
        excluded = path.startswith(NOT_PREFIX)
        pattern = path[len(NOT_PREFIX) :] if excluded else path
        if _needs_bridge_twin(pattern, study_id):
            paths.append(NOT_PREFIX + twin_path if excluded else twin_path)
    return replace(link, paths=tuple(paths))


def components_of(link: AppleAppLink) -> list[Json]:
    """The modern rules of an app link: its components, or one per legacy path."""
    if link.components:
        return [component.to_json() for component in link.components]
    rules: list[Json] = []
    for path in link.paths:
        if path.startswith(NOT_PREFIX):
            rules.append({"/": path[len(NOT_PREFIX) :], "exclude": True})
        else:
            rules.append({"/": path})
    return rules


def _legacy_path(component: AppleComponent) -> str | None:
    plain = component.query is None and component.fragment is None
    if component.exclude:
        return NOT_PREFIX + (component.path if component.path is not None else "*")
    if plain and component.path is not None:
        return component.path
    return None  # matches on the query or fragment: legacy paths cannot say it


def legacy_paths_of(link: AppleAppLink) -> list[str]:
    """The legacy paths of an app link: its paths, or what legacy can say of its components."""
    if not link.components:
        return list(link.paths)
    paths = [_legacy_path(component) for component in link.components]
    return [path for path in paths if path is not None]


def _add_new(items: list[Any], new: Iterable[Any]) -> None:
    for item in new:
        if item not in items:  # a repeated rule never matches what the first did not
            items.append(item)


def _by_identifier(studies: Iterable[Study]) -> list[Study]:
    return sorted(studies, key=lambda study: study.identifier)


def apple_app_site_association(studies: Iterable[Study]) -> Json:
    apps: dict[str, tuple[list[Json], list[str]]] = {}
    for study in _by_identifier(studies):
        for claimed in study.apple_app_links:
            link = with_bridge_links(claimed, study.identifier)
            components, paths = apps.setdefault(link.app_id, ([], []))
            _add_new(components, components_of(link))
            _add_new(paths, legacy_paths_of(link))
    details = [
        {"appIDs": [app_id], "components": components, "appID": app_id, "paths": paths}
        for app_id, (components, paths) in apps.items()
    ]
    return {
        "applinks": {"apps": [], "details": details},
        "webcredentials": {"apps": list(apps)},
    }


def asset_links(studies: Iterable[Study]) -> list[Json]:
    apps: dict[str, tuple[list[str], list[Json]]] = {}
    for study in _by_identifier(studies):
        for link in study.android_app_links:
            fingerprints, components = apps.setdefault(link.package_name, ([], []))
            _add_new(fingerprints, (value.upper() for value in link.sha256_cert_fingerprints))
            paths = (*sign_in_paths(study.identifier), bridge_sign_in_pattern(study.identifier))
            _add_new(components, ({"/": path} for path in paths))
    return [
        {
            "relation": list(RELATIONS),
            "relation_extensions": {
                HANDLE_ALL_URLS: {"dynamic_app_link_components": components},
            },
            "target": {
                "namespace": "android_app",
                "package_name": package,
                "sha256_cert_fingerprints": fingerprints,
            },
        }
        for package, (fingerprints, components) in apps.items()
    ]


def encode(document: object) -> bytes:
    """The bytes served: compact JSON (ASCII, so any text is safe to send)."""
    return json.dumps(document, separators=(",", ":")).encode()


@dataclass(frozen=True)
class ServedFile:
    body: bytes
    etag: str  # strong: a hash of the body

    @classmethod
    def of(cls, document: object) -> ServedFile:
        body = encode(document)
        return cls(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')

    def matches(self, if_none_match: str | None) -> bool:
        """Whether an ``If-None-Match`` header names this version (weak comparison, RFC 9110)."""
        if not if_none_match:
            return False
        for candidate in if_none_match.split(","):
            tag = candidate.strip()
            if tag == "*" or tag.removeprefix("W/") == self.etag:
                return True
        return False


@dataclass(frozen=True)
class AssociationFiles:
    apple_app_site_association: ServedFile
    assetlinks: ServedFile

    @classmethod
    def build(cls, studies: Iterable[Study]) -> AssociationFiles:
        every = list(studies)
        return cls(
            ServedFile.of(apple_app_site_association(every)), ServedFile.of(asset_links(every))
        )


def kilobytes(size: int) -> str:
    return f"{size / 1024:.1f} KB"


def aasa_size_problem(stored: Iterable[Study], updated: Study) -> str | None:
    """Why ``updated`` (new, or in place of its stored self) cannot be saved, or None.

    Refused only when the file would be over Apple's limit and larger than it is now, so that a
    researcher can always shrink a file that got too large (two saves racing, say).
    """
    current = list(stored)
    others = [study for study in current if study.identifier != updated.identifier]
    size = len(encode(apple_app_site_association([*others, updated])))
    if size <= MAX_AASA_BYTES or size <= len(encode(apple_app_site_association(current))):
        return None
    return (
        f"appleAppLinks would make {AASA_PATH} {kilobytes(size)}, over Apple's limit of "
        f"{MAX_AASA_BYTES // 1024} KB (iOS would then open no study's links in its app); list "
        "fewer or shorter paths (one pattern like /s/sleep-study/* covers every link under it), "
        "or fewer apps"
    )
