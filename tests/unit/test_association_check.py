"""Judging published association files: good ones pass, each kind of breakage is named."""

from __future__ import annotations

import json
from typing import Any

import pytest

from service.cli.links import _origin
from service.deeplinks.association import AssociationFiles
from service.deeplinks.association_check import (
    Fetched,
    check_apple_app_site_association,
    check_assetlinks,
)
from service.studies.app_links import AndroidAppLink, AppleAppLink, AppleComponent
from service.studies.model import Study

APP = "ABCDE12345.org.example.sleep"
PRINT = ":".join(f"{n:02X}" for n in range(32))
JSON = {"content-type": "application/json"}
AASA_URL = "https://signin.example.org/.well-known/apple-app-site-association"
ASSETLINKS_URL = "https://signin.example.org/.well-known/assetlinks.json"


def _aasa(document: Any, headers: dict[str, str] | None = None, status: int = 200) -> list[str]:
    body = json.dumps(document).encode()
    fetched = Fetched(AASA_URL, status, JSON if headers is None else headers, body)
    return check_apple_app_site_association(fetched).problems


def _assetlinks(document: Any, headers: dict[str, str] | None = None) -> list[str]:
    fetched = Fetched(
        ASSETLINKS_URL, 200, JSON if headers is None else headers, json.dumps(document).encode()
    )
    return check_assetlinks(fetched).problems


def _good_aasa() -> dict[str, Any]:
    return {
        "applinks": {
            "apps": [],
            "details": [
                {
                    "appIDs": [APP],
                    "components": [{"/": "/s/a"}, {"/": "/s/a/*", "?": "x=*"}],
                    "appID": APP,
                    "paths": ["/s/a", "NOT /s/a/x"],
                }
            ],
        },
        "webcredentials": {"apps": [APP]},
    }


def _good_statement() -> dict[str, Any]:
    return {
        "relation": ["delegate_permission/common.handle_all_urls"],
        "target": {
            "namespace": "android_app",
            "package_name": "org.example.sleep",
            "sha256_cert_fingerprints": [PRINT],
        },
    }


# --- what this service serves passes --------------------------------------------------------


def test_the_files_this_service_builds_pass() -> None:
    study = Study(
        identifier="sleep-study",
        name="Sleep",
        apple_app_links=(
            AppleAppLink(APP, paths=("/s/sleep-study", "NOT /s/sleep-study/x")),
            AppleAppLink(
                "ABCDE12345.org.example.other",
                components=(
                    AppleComponent("/s/sleep-study", (("token", "?*"),), comment="c"),
                    AppleComponent(fragment="f", exclude=True),
                ),
            ),
        ),
        android_app_links=(AndroidAppLink("org.example.sleep", (PRINT.lower(),)),),
    )
    files = AssociationFiles.build([study])
    aasa = check_apple_app_site_association(
        Fetched(AASA_URL, 200, JSON, files.apple_app_site_association.body)
    )
    assert aasa.problems == []
    assert aasa.summary.startswith("2 apps, ")
    assert aasa.summary.endswith(" KB of 128 KB")
    links = check_assetlinks(Fetched(ASSETLINKS_URL, 200, JSON, files.assetlinks.body))
    assert links.problems == []
    assert links.summary == "1 app"


def test_the_files_of_a_service_without_apps_pass() -> None:
    files = AssociationFiles.build([Study(identifier="no-apps", name="No apps")])
    aasa = check_apple_app_site_association(
        Fetched(AASA_URL, 200, JSON, files.apple_app_site_association.body)
    )
    assert aasa.problems == []
    assert aasa.summary == "0 apps, 0.1 KB of 128 KB"
    assert (
        check_assetlinks(Fetched(ASSETLINKS_URL, 200, JSON, files.assetlinks.body)).problems == []
    )
    assert _aasa({"applinks": {"details": []}, "webcredentials": {"apps": "x"}}) == [
        "apple-app-site-association: webcredentials.apps must be a list of app ids "
        "(TEAMID.bundle.id)"
    ]


def test_well_formed_files_of_other_hosts_pass() -> None:
    assert _aasa(_good_aasa()) == []
    assert _aasa({"applinks": {"details": [{"appID": APP, "paths": ["*"]}]}}) == []  # legacy only
    web = {
        "relation": ["delegate_permission/common.get_login_creds"],
        "target": {"namespace": "web", "site": "https://example.org"},
    }
    assert _assetlinks([_good_statement(), web]) == []
    assert _assetlinks([]) == []


# --- HTTP ----------------------------------------------------------------------------------


def test_a_redirect_is_a_problem() -> None:
    fetched = Fetched(AASA_URL, 301, {"location": "https://www.example.org/aasa"}, b"")
    assert check_apple_app_site_association(fetched).problems == [
        f"apple-app-site-association: {AASA_URL} answers 301, a redirect to "
        "https://www.example.org/aasa; Apple and Android do not follow redirects: serve the "
        "file at this URL itself"
    ]


def test_a_status_other_than_200_is_a_problem() -> None:
    fetched = Fetched(ASSETLINKS_URL, 404, JSON, b"{}")
    assert check_assetlinks(fetched).problems == [
        f"assetlinks.json: {ASSETLINKS_URL} answers 404; it must answer 200 with the file"
    ]


def test_no_answer_is_a_problem() -> None:
    fetched = Fetched(AASA_URL, error="ConnectError: connection refused")
    assert check_apple_app_site_association(fetched).problems == [
        f"apple-app-site-association: could not fetch {AASA_URL}: ConnectError: connection refused"
    ]


@pytest.mark.parametrize(
    ("headers", "problem"),
    [
        (
            {"content-type": "application/json; charset=utf-8"},
            "Content-Type is 'application/json; charset=utf-8'; serve it as exactly "
            "application/json (no charset or other parameters)",
        ),
        (
            {"content-type": "text/plain"},
            "Content-Type is 'text/plain'; serve it as exactly application/json (no charset or "
            "other parameters)",
        ),
        ({}, "no Content-Type; serve it as exactly application/json"),
    ],
)
def test_the_content_type_must_be_exactly_application_json(
    headers: dict[str, str], problem: str
) -> None:
    assert _aasa(_good_aasa(), headers) == [f"apple-app-site-association: {problem}"]
    assert _assetlinks([_good_statement()], headers) == [f"assetlinks.json: {problem}"]


def test_an_aasa_over_128_kb_is_a_problem() -> None:
    document = _good_aasa()
    document["applinks"]["details"][0]["paths"] = [f"/s/{index:06d}" for index in range(13000)]
    problems = _aasa(document)
    assert len(problems) == 1
    assert problems[0].startswith("apple-app-site-association: the file is 1")
    assert problems[0].endswith(" KB, over Apple's limit of 128 KB: iOS ignores it")


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"{not json", "the file is not valid JSON: Expecting property name enclosed in double"),
        (b"\xff\xfe{}", "the file is not UTF-8 text"),
        (b"", "the file is not valid JSON"),
    ],
)
def test_the_body_must_be_json(body: bytes, problem: str) -> None:
    (found,) = check_apple_app_site_association(Fetched(AASA_URL, 200, JSON, body)).problems
    assert found.startswith(f"apple-app-site-association: {problem}")


# --- apple-app-site-association content ----------------------------------------------------


def test_the_aasa_must_be_an_object_with_applinks() -> None:
    assert _aasa([]) == ["apple-app-site-association: the file must be a JSON object with applinks"]
    assert _aasa({"webcredentials": {"apps": [APP]}}) == [
        'apple-app-site-association: applinks must be an object like {"apps": [], "details": [...]}'
    ]
    assert _aasa({"applinks": {"apps": []}}) == [
        "apple-app-site-association: applinks.details must be a list of apps and the URLs they open"
    ]


def test_applinks_apps_must_be_empty() -> None:
    document = _good_aasa()
    document["applinks"]["apps"] = [APP]
    assert _aasa(document) == [
        "apple-app-site-association: applinks.apps must be an empty list (the app ids go in "
        "details)"
    ]


def test_app_ids_are_checked_with_the_study_rules() -> None:
    document = _good_aasa()
    document["applinks"]["details"][0]["appID"] = "abcde12345.org.example.sleep"
    document["applinks"]["details"][0]["appIDs"] = ["ABCDE12345.sleep"]
    document["webcredentials"]["apps"] = ["ABCDE12345"]
    problems = _aasa(document)
    assert len(problems) == 3
    assert problems[0].startswith(
        "apple-app-site-association: applinks.details[0].appIDs[0] must be the team id, a dot "
        "and the bundle id"
    )
    assert problems[1].startswith("apple-app-site-association: applinks.details[0].appID must")
    assert problems[1].endswith("write the team id in upper case: ABCDE12345")
    assert problems[2].startswith("apple-app-site-association: webcredentials.apps[0] must")


def test_paths_and_components_are_checked() -> None:
    document = _good_aasa()
    detail = document["applinks"]["details"][0]
    detail["paths"] = ["s/a", 3]
    detail["components"] = [
        {"/": "x"},
        {"exclude": "yes", "/": "/y"},
        {"exlude": True, "/": "/z"},
        {"comment": "nothing"},
    ]
    assert _aasa(document) == [
        "apple-app-site-association: applinks.details[0].components[0]./ must start with / (like "
        "/s/sleep-study/*), or be * for every path; 'x' does not",
        "apple-app-site-association: applinks.details[0].components[1].exclude must be true or "
        "false",
        "apple-app-site-association: applinks.details[0].components[2].exlude is not a component "
        "field",
        "apple-app-site-association: applinks.details[0].components[3] must match something: give "
        '"/" (the path), "?" (query) or "#" (fragment)',
        "apple-app-site-association: applinks.details[0].paths[0] must start with / (like "
        "/s/sleep-study/*), or be * for every path; 's/a' does not",
        "apple-app-site-association: applinks.details[0].paths[1] must be a string, a path "
        "pattern like /s/sleep-study/*",
    ]


def test_a_detail_must_name_an_app_and_its_urls() -> None:
    document = _good_aasa()
    document["applinks"]["details"] = [{}, "x", {"appIDs": [APP]}, {"appID": APP}]
    assert _aasa(document) == [
        "apple-app-site-association: applinks.details[0] names no app: give appIDs and "
        "components (and appID and paths)",
        "apple-app-site-association: applinks.details[1] must be an object with appIDs and "
        "components (or appID and paths)",
        "apple-app-site-association: applinks.details[2] has appIDs but no components: no URL "
        "opens the app on iOS 13+",
        "apple-app-site-association: applinks.details[3].paths must be a non-empty list of path "
        "patterns",
    ]


# --- assetlinks.json content ----------------------------------------------------------------


def test_assetlinks_must_be_a_list() -> None:
    assert _assetlinks({"relation": []}) == [
        "assetlinks.json: the file must be a JSON list of statements"
    ]


def test_fingerprints_must_be_well_formed_and_upper_case() -> None:
    statement = _good_statement()
    statement["target"]["sha256_cert_fingerprints"] = [PRINT.lower(), PRINT.replace(":", "")]
    problems = _assetlinks([statement])
    assert problems[0] == (
        f"assetlinks.json: [0].target.sha256_cert_fingerprints[0] must be upper-case for "
        f"Android: {PRINT}"
    )
    assert problems[1].startswith(
        "assetlinks.json: [0].target.sha256_cert_fingerprints[1] must be the SHA-256 fingerprint"
    )
    assert problems[1].endswith("put a colon between each pair of hex digits")
    assert len(problems) == 2


def test_statements_are_checked_field_by_field() -> None:
    no_prints = _good_statement()
    no_prints["target"]["sha256_cert_fingerprints"] = []
    bad_package = _good_statement()
    bad_package["target"]["package_name"] = "sleep"
    bad_namespace = _good_statement()
    bad_namespace["target"]["namespace"] = "ios_app"
    bad_relation = _good_statement()
    bad_relation["relation"] = "delegate_permission/common.handle_all_urls"
    bad_rules = _good_statement()
    bad_rules["relation_extensions"] = {
        "delegate_permission/common.handle_all_urls": {
            "dynamic_app_link_components": [{"/": "/s/a"}, {"?": 1}]
        }
    }
    problems = _assetlinks(["x", no_prints, bad_package, bad_namespace, bad_relation, bad_rules])
    assert problems[0] == "assetlinks.json: [0] must be an object with relation and target"
    assert problems[1] == (
        "assetlinks.json: [1].target.sha256_cert_fingerprints must be a non-empty list of "
        "SHA-256 fingerprints"
    )
    assert problems[2].startswith("assetlinks.json: [2].target.package_name must be the app's")
    assert problems[3] == ('assetlinks.json: [3].target.namespace must be "android_app" (or "web")')
    assert problems[4] == (
        "assetlinks.json: [4].relation must be a non-empty list, like "
        '["delegate_permission/common.handle_all_urls"]'
    )
    assert problems[5].startswith(
        "assetlinks.json: [5].relation_extensions.delegate_permission/common.handle_all_urls."
        "dynamic_app_link_components[1].? must be"
    )
    assert len(problems) == 6


def test_apps_without_handle_all_urls_do_not_open_links() -> None:
    statement = _good_statement()
    statement["relation"] = ["delegate_permission/common.get_login_creds"]
    assert _assetlinks([statement]) == [
        "assetlinks.json: no statement grants delegate_permission/common.handle_all_urls to an "
        "app: App Links will not verify"
    ]


# --- the URL an operator types --------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "origin"),
    [
        ("https://signin.example.org", "https://signin.example.org"),
        ("https://signin.example.org/", "https://signin.example.org"),
        ("signin.example.org", "https://signin.example.org"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("https://signin.example.org/path", None),
        ("ftp://signin.example.org", None),
        ("https://", None),
        ("https://x.org/?a=1", None),
    ],
)
def test_the_origin_to_check(typed: str, origin: str | None) -> None:
    assert _origin(typed) == origin
