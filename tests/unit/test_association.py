"""Building the association files from studies: both AASA forms, derivations, merging, size."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest

from service.deeplinks.association import (
    GET_LOGIN_CREDS,
    HANDLE_ALL_URLS,
    MAX_AASA_BYTES,
    AssociationFiles,
    ServedFile,
    aasa_size_problem,
    apple_app_site_association,
    asset_links,
    encode,
    sign_in_paths,
    with_bridge_links,
)
from service.deeplinks.links import bridge_sign_in_url, sign_in_url
from service.studies.app_links import (
    AndroidAppLink,
    AppleAppLink,
    AppleComponent,
)
from service.studies.model import Study

APP = "ABCDE12345.org.example.sleep"
OTHER_APP = "ABCDE12345.org.example.other"
PRINT = ":".join(f"{n:02X}" for n in range(32))
OTHER_PRINT = ":".join(f"{n:02X}" for n in range(100, 132))


def _study(
    identifier: str, *apple: AppleAppLink, android: tuple[AndroidAppLink, ...] = ()
) -> Study:
    return Study(
        identifier=identifier,
        name=identifier,
        apple_app_links=apple,
        android_app_links=android,
    )


def test_sign_in_paths_are_the_link_and_everything_under_it() -> None:
    assert sign_in_paths("sleep-study") == ("/s/sleep-study", "/s/sleep-study/*")


def test_no_studies_make_valid_empty_files() -> None:
    assert apple_app_site_association([]) == {
        "applinks": {"apps": [], "details": []},
        "webcredentials": {"apps": []},
    }
    assert asset_links([]) == []


def test_legacy_paths_are_published_in_both_forms() -> None:
    study = _study(
        "sleep-study",
        AppleAppLink(APP, paths=("/s/sleep-study", "NOT /s/sleep-study/x", "/s/sleep-study/*")),
    )
    assert apple_app_site_association([study]) == {
        "applinks": {
            "apps": [],
            "details": [
                {
                    "appIDs": [APP],
                    "components": [
                        {"/": "/s/sleep-study"},
                        {"/": "/mobile/sleep-study/*"},  # Bridge's form of the same link
                        {"/": "/s/sleep-study/x", "exclude": True},
                        {"/": "/s/sleep-study/*"},
                    ],
                    "appID": APP,
                    "paths": [
                        "/s/sleep-study",
                        "/mobile/sleep-study/*",
                        "NOT /s/sleep-study/x",
                        "/s/sleep-study/*",
                    ],
                }
            ],
        },
        "webcredentials": {"apps": [APP]},
    }


def test_components_are_published_with_the_legacy_paths_they_can_say() -> None:
    components = (
        AppleComponent("/s/a/private/*", exclude=True, comment="not these"),  # -> NOT path
        AppleComponent("/s/a"),  # -> path
        AppleComponent("/s/a/q", (("token", "?*"),)),  # includes on the query: left out
        AppleComponent("/s/a/web", (("web", "1"),), exclude=True),  # excludes: whole path
        AppleComponent(fragment="nope", exclude=True),  # excludes without a path: NOT *
        AppleComponent("/s/a/*"),
        AppleComponent(fragment="frag"),  # includes on the fragment: left out
    )
    detail = apple_app_site_association([_study("a", AppleAppLink(APP, components=components))])[
        "applinks"
    ]["details"][0]
    assert detail["appIDs"] == [APP]
    published = [component.to_json() for component in components]
    published.insert(2, {"/": "/mobile/a/*"})  # Bridge's form of /s/a, right after it
    assert detail["components"] == published
    assert detail["components"][0] == {
        "/": "/s/a/private/*",
        "exclude": True,
        "comment": "not these",
    }
    assert detail["appID"] == APP
    assert detail["paths"] == [
        "NOT /s/a/private/*",
        "/s/a",
        "/mobile/a/*",
        "NOT /s/a/web",
        "NOT *",
        "/s/a/*",
    ]


def test_an_app_of_several_studies_is_one_detail_in_study_order() -> None:
    b = _study("study-b", AppleAppLink(APP, paths=("/s/study-b", "/shared")))
    a = _study(
        "study-a",
        AppleAppLink(APP, paths=("/s/study-a", "/shared")),
        AppleAppLink(OTHER_APP, paths=("/s/study-a",)),
    )
    document = apple_app_site_association([b, a])
    details = document["applinks"]["details"]
    assert [detail["appID"] for detail in details] == [APP, OTHER_APP]
    assert details[0]["paths"] == [  # no repeats
        "/s/study-a",
        "/mobile/study-a/*",
        "/shared",
        "/s/study-b",
        "/mobile/study-b/*",
    ]
    assert details[0]["components"] == [
        {"/": "/s/study-a"},
        {"/": "/mobile/study-a/*"},
        {"/": "/shared"},
        {"/": "/s/study-b"},
        {"/": "/mobile/study-b/*"},
    ]
    assert document["webcredentials"] == {"apps": [APP, OTHER_APP]}


def test_asset_links_has_one_statement_per_app_with_upper_case_fingerprints() -> None:
    a = _study(
        "study-a",
        android=(
            AndroidAppLink("org.example.sleep", (PRINT.lower(),)),
            AndroidAppLink("org.example.sleep", (OTHER_PRINT,)),  # its debug key
            AndroidAppLink("org.example.other", (PRINT,)),
        ),
    )
    b = _study("study-b", android=(AndroidAppLink("org.example.sleep", (PRINT,)),))
    statements = asset_links([b, a])
    assert statements == [
        {
            "relation": [HANDLE_ALL_URLS, GET_LOGIN_CREDS],
            "relation_extensions": {
                HANDLE_ALL_URLS: {
                    "dynamic_app_link_components": [
                        {"/": "/s/study-a"},
                        {"/": "/s/study-a/*"},
                        {"/": "/mobile/study-a/*"},
                        {"/": "/s/study-b"},
                        {"/": "/s/study-b/*"},
                        {"/": "/mobile/study-b/*"},
                    ]
                }
            },
            "target": {
                "namespace": "android_app",
                "package_name": "org.example.sleep",
                "sha256_cert_fingerprints": [PRINT, OTHER_PRINT],
            },
        },
        {
            "relation": [HANDLE_ALL_URLS, GET_LOGIN_CREDS],
            "relation_extensions": {
                HANDLE_ALL_URLS: {
                    "dynamic_app_link_components": [
                        {"/": "/s/study-a"},
                        {"/": "/s/study-a/*"},
                        {"/": "/mobile/study-a/*"},
                    ]
                }
            },
            "target": {
                "namespace": "android_app",
                "package_name": "org.example.other",
                "sha256_cert_fingerprints": [PRINT],
            },
        },
    ]


def test_a_study_without_apps_adds_nothing() -> None:
    with_apps = _study("a", AppleAppLink(APP, paths=("/s/a",)))
    assert apple_app_site_association([with_apps, _study("b")]) == apple_app_site_association(
        [with_apps]
    )
    assert asset_links([_study("b")]) == []


def test_the_served_bytes_are_compact_ascii_json() -> None:
    body = encode({"a": ["/s/é"], "b": 1})
    assert body == b'{"a":["/s/\\u00e9"],"b":1}'
    assert json.loads(body) == {"a": ["/s/é"], "b": 1}


def test_etags_are_strong_hashes_of_the_body() -> None:
    first = ServedFile.of({"a": 1})
    assert first.etag[0] == first.etag[-1] == '"'
    assert not first.etag.startswith("W/")
    assert len(first.etag) == 34
    assert ServedFile.of({"a": 1}) == first
    assert ServedFile.of({"a": 2}).etag != first.etag


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        (None, False),
        ("", False),
        ('"other"', False),
        ("ETAG", True),
        ("W/ETAG", True),
        ('"other", ETAG', True),
        ("*", True),
    ],
)
def test_if_none_match(header: str | None, matches: bool) -> None:
    served = ServedFile.of([])
    if header is not None:
        header = header.replace("ETAG", served.etag)
    assert served.matches(header) is matches


def test_association_files_hold_both_documents() -> None:
    study = _study(
        "a", AppleAppLink(APP, paths=("/s/a",)), android=(AndroidAppLink("org.x.y", (PRINT,)),)
    )
    files = AssociationFiles.build([study])
    assert json.loads(files.apple_app_site_association.body) == apple_app_site_association([study])
    assert json.loads(files.assetlinks.body) == asset_links([study])


# --- Apple's 128 KB limit -------------------------------------------------------------------


def _many_paths(identifier: str, count: int, letter: str = "x") -> Study:
    paths = tuple(f"/s/{identifier}/{index:05d}/{letter * 40}" for index in range(count))
    return _study(identifier, AppleAppLink(APP, paths=paths))


def _size(studies: list[Study]) -> int:
    return len(encode(apple_app_site_association(studies)))


def test_a_study_within_the_limit_is_accepted() -> None:
    assert aasa_size_problem([], _many_paths("a", 100)) is None
    assert aasa_size_problem([_many_paths("b", 500)], _many_paths("a", 500)) is None


def test_a_study_that_pushes_the_file_past_the_limit_is_refused() -> None:
    stored = [_many_paths("b", 600)]
    new = _many_paths("a", 600)
    size = _size([*stored, new])
    assert size > MAX_AASA_BYTES
    problem = aasa_size_problem(stored, new)
    assert problem == (
        "appleAppLinks would make /.well-known/apple-app-site-association "
        f"{size / 1024:.1f} KB, over Apple's limit of 128 KB (iOS would then open no study's "
        "links in its app); list fewer or shorter paths (one pattern like /s/sleep-study/* "
        "covers every link under it), or fewer apps"
    )


def test_an_update_replaces_the_stored_version_of_the_study() -> None:
    stored = [_many_paths("a", 600), _many_paths("b", 500)]
    updated = _many_paths("a", 600, letter="y")
    assert _size([*stored, updated]) > MAX_AASA_BYTES  # if the old version still counted
    assert aasa_size_problem(stored, updated) is None


def test_a_file_already_over_the_limit_may_shrink_but_not_grow() -> None:
    stored = [_many_paths("a", 800), _many_paths("b", 800)]
    assert _size(stored) > MAX_AASA_BYTES
    assert aasa_size_problem(stored, _many_paths("a", 700)) is None
    assert aasa_size_problem(stored, _many_paths("a", 800)) is None  # the same size
    assert aasa_size_problem(stored, _many_paths("a", 801)) is not None


# --- Bridge's link form (/mobile/{studyId}/startSession.html) --------------------------------


def _opens(paths: list[str], path: str) -> bool:
    """Whether old iOS opens ``path`` in the app: the first legacy pattern that matches wins."""
    for rule in paths:
        excluded = rule.startswith("NOT ")
        pattern = rule.removeprefix("NOT ")
        regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
        if re.fullmatch(regex, path):
            return not excluded
    return False


_SHORT_PATH = urlsplit(sign_in_url("https://x.org", "a", "p@x.org", "t")).path
_BRIDGE_PATH = urlsplit(bridge_sign_in_url("https://x.org", "a", "p@x.org", "t")).path


@pytest.mark.parametrize(
    "paths",
    [
        ("/s/a", "/s/a/*"),
        ("/s/a*",),
        ("/s/*",),
        ("NOT /s/a", "*"),  # excluded: Bridge's form is excluded too
        ("*",),  # already matches Bridge's form: no twin
        ("/s/ab", "/s/ab/*"),  # another study's paths: nothing to twin
        ("NOT /s/a/x", "/s/a"),
    ],
)
def test_bridges_link_opens_the_app_exactly_when_the_short_link_does(
    paths: tuple[str, ...],
) -> None:
    assert _SHORT_PATH == "/s/a"
    assert _BRIDGE_PATH == "/mobile/a/startSession.html"
    detail = apple_app_site_association([_study("a", AppleAppLink(APP, paths=paths))])["applinks"][
        "details"
    ][0]
    published = detail["paths"]
    assert (
        _opens(published, _BRIDGE_PATH)
        == _opens(published, _SHORT_PATH)
        == _opens(list(paths), _SHORT_PATH)
    )
    # the modern form says the same as the legacy one
    assert [rule["/"] for rule in detail["components"]] == [
        path.removeprefix("NOT ") for path in published
    ]


def test_a_study_that_claims_its_link_gets_bridges_form_claimed_too() -> None:
    detail = apple_app_site_association([_study("a", AppleAppLink(APP, paths=("/s/a",)))])[
        "applinks"
    ]["details"][0]
    assert detail["paths"] == ["/s/a", "/mobile/a/*"]
    assert _opens(detail["paths"], _BRIDGE_PATH)
    # a rule that already covers Bridge's link is published as it is
    assert with_bridge_links(AppleAppLink(APP, paths=("*",)), "a").paths == ("*",)


def test_bridges_twin_of_a_component_keeps_its_query_and_exclusion() -> None:
    link = AppleAppLink(
        APP,
        components=(
            AppleComponent("/s/a", (("token", "?*"),), exclude=True, comment="no bare link"),
            AppleComponent("/s/a", comment="the link"),
        ),
    )
    twinned = with_bridge_links(link, "a")
    assert [component.to_json() for component in twinned.components] == [
        {"/": "/s/a", "?": {"token": "?*"}, "exclude": True, "comment": "no bare link"},
        {"/": "/mobile/a/*", "?": {"token": "?*"}, "exclude": True},
        {"/": "/s/a", "comment": "the link"},
        {"/": "/mobile/a/*"},
    ]


def test_android_apps_open_bridges_link_form() -> None:
    (statement,) = asset_links(
        [_study("a", android=(AndroidAppLink("org.example.sleep", (PRINT,)),))]
    )
    rules = statement["relation_extensions"][HANDLE_ALL_URLS]["dynamic_app_link_components"]
    assert {"/": "/mobile/a/*"} in rules
    assert any(_opens([rule["/"]], _BRIDGE_PATH) for rule in rules)
