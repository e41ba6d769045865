"""Study app links: every rule, each error keyed by its JSON path and saying what to write."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from service.errors import Invalid
from service.studies.app_links import (
    AndroidAppLink,
    AppleAppLink,
    AppleComponent,
    InstallLinks,
    app_id_problem,
    fingerprint_problem,
    package_name_problem,
    pattern_problem,
)
from service.studies.model import Study, stored_study
from tests.support.study_bodies import read_study

APP_ID = "ABCDE12345.org.example.sleep"
PACKAGE = "org.example.sleep"
PRINT = ":".join(f"{n:02X}" for n in range(32))  # 00:01:...:1F
OTHER_PRINT = ":".join(f"{n:02X}" for n in range(100, 132))


def _study(**fields: Any) -> dict[str, Any]:
    return {"identifier": "sleep-study", "name": "Sleep", **fields}


def _errors(**fields: Any) -> dict[str, list[str]]:
    with pytest.raises(Invalid) as caught:
        read_study(_study(**fields))
    return caught.value.errors


def _android(**fields: Any) -> dict[str, Any]:
    return {
        "namespace": "android_app",
        "package_name": PACKAGE,
        "sha256_cert_fingerprints": [PRINT],
        **fields,
    }


# --- the happy path ------------------------------------------------------------------------


def test_a_study_without_app_links_has_empty_defaults() -> None:
    study = read_study(_study())
    assert study.apple_app_links == ()
    assert study.android_app_links == ()
    assert study.install_links == InstallLinks(None, None)
    assert study.app_url_scheme is None


def test_nulls_mean_the_defaults() -> None:
    study = read_study(
        _study(appleAppLinks=None, androidAppLinks=None, installLinks=None, appUrlScheme=None)
    )
    assert study == read_study(_study())


def test_every_app_link_field_is_read() -> None:
    study = read_study(
        _study(
            appleAppLinks=[
                {"appID": APP_ID, "paths": ["/s/sleep-study", "NOT /s/sleep-study/x"]},
                {
                    "appID": "ABCDE12345.org.example.other",
                    "components": [
                        {"/": "/s/sleep-study", "?": {"token": "?*"}, "comment": "the link"},
                        {"/": "/s/sleep-study/private*", "exclude": True},
                        {"#": "frag"},
                    ],
                },
            ],
            androidAppLinks=[_android(sha256_cert_fingerprints=[PRINT.lower()])],
            installLinks={
                "ios": "https://apps.apple.com/app/id123456789",
                "android": "https://play.google.com/store/apps/details?id=org.example.sleep",
            },
            appUrlScheme="sleep-study+app.v2",
        )
    )
    assert study.apple_app_links == (
        AppleAppLink(APP_ID, paths=("/s/sleep-study", "NOT /s/sleep-study/x")),
        AppleAppLink(
            "ABCDE12345.org.example.other",
            components=(
                AppleComponent("/s/sleep-study", (("token", "?*"),), comment="the link"),
                AppleComponent("/s/sleep-study/private*", exclude=True),
                AppleComponent(fragment="frag"),
            ),
        ),
    )
    # Any case is accepted; stored (and published) upper-case.
    assert study.android_app_links == (AndroidAppLink(PACKAGE, (PRINT,)),)
    assert study.install_links == InstallLinks(
        "https://apps.apple.com/app/id123456789",
        "https://play.google.com/store/apps/details?id=org.example.sleep",
    )
    assert study.app_url_scheme == "sleep-study+app.v2"


def test_app_links_round_trip_through_the_study_json() -> None:
    study = Study(
        identifier="sleep-study",
        name="Sleep",
        apple_app_links=(
            AppleAppLink(APP_ID, paths=("/s/sleep-study", "/s/sleep-study/*")),
            AppleAppLink(
                "ABCDE12345.org.example.b",
                components=(
                    AppleComponent("/s/x", (("a", "1"), ("b", "")), "f", True, "c"),
                    AppleComponent(query=()),
                ),
            ),
        ),
        android_app_links=(
            AndroidAppLink(PACKAGE, (PRINT, OTHER_PRINT)),
            AndroidAppLink("org.example.debug", (PRINT,)),
        ),
        install_links=InstallLinks(ios="https://apps.apple.com/app/id1"),
        app_url_scheme="sleepstudy",
    )
    data = study.to_json()
    assert data["appleAppLinks"][0] == {
        "appID": APP_ID,
        "paths": ["/s/sleep-study", "/s/sleep-study/*"],
        "type": "AppleAppLink",
    }
    assert data["appleAppLinks"][1]["components"][0] == {
        "/": "/s/x",
        "?": {"a": "1", "b": ""},
        "#": "f",
        "exclude": True,
        "comment": "c",
    }
    assert data["androidAppLinks"][0] == {
        "namespace": "android_app",
        "package_name": PACKAGE,
        "sha256_cert_fingerprints": [PRINT, OTHER_PRINT],
        "type": "AndroidAppLink",
    }
    assert data["installLinks"] == {"ios": "https://apps.apple.com/app/id1", "android": None}
    assert data["appUrlScheme"] == "sleepstudy"
    assert stored_study(data) == study  # what is stored reads back
    assert read_study(data) == study  # and is a body the API takes (Bridge "type" included)


# --- appleAppLinks -------------------------------------------------------------------------


def test_apple_app_links_must_be_a_list() -> None:
    errors = _errors(appleAppLinks={"appID": APP_ID, "paths": ["/s/x"]})
    assert list(errors) == ["appleAppLinks"]
    assert errors["appleAppLinks"][0].startswith("appleAppLinks must be a list like [")


def test_each_apple_app_link_must_be_an_object() -> None:
    errors = _errors(appleAppLinks=[{"appID": APP_ID, "paths": ["/s/x"]}, APP_ID])
    assert errors == {
        "appleAppLinks[1]": ["appleAppLinks[1] must be an object with appID and paths"]
    }


@pytest.mark.parametrize(
    ("app_id", "reason"),
    [
        ("abcde12345.org.example.sleep", "write the team id in upper case: ABCDE12345"),
        ("ABCDE1234.org.example.sleep", "the team id 'ABCDE1234' is not 10 characters"),
        ("ABCDE12345", "'ABCDE12345' has no bundle id after a team id"),
        ("ABCDE12345.", "has no bundle id after a team id"),
        ("ABCDE12345.sleep", "the bundle id 'sleep' is not reverse-DNS"),
        ("ABCDE12345.org.example.sleep app", "the bundle id 'org.example.sleep app' is not"),
        ("ABCDE12345.org..sleep", "is not reverse-DNS"),
        ("ABCDE12345.org.example_x", "is not reverse-DNS"),
        ("ABCDE12345." + "a." * 78 + "ab", "the bundle id is longer than 155 characters"),
        (12, "it is not a string"),
    ],
)
def test_app_id_must_be_team_id_dot_bundle_id(app_id: object, reason: str) -> None:
    errors = _errors(
        appleAppLinks=[
            {"appID": "ABCDE12345.org.a", "paths": ["/s/x"]},
            {"appID": app_id, "paths": ["/s/x"]},
        ]
    )
    assert list(errors) == ["appleAppLinks[1].appID"]
    (message,) = errors["appleAppLinks[1].appID"]
    assert message.startswith(
        "appleAppLinks[1].appID must be the team id, a dot and the bundle id, like "
        "'ABCDE12345.org.example.sleep'"
    )
    assert reason in message


@pytest.mark.parametrize(
    "app_id", [APP_ID, "A1B2C3D4E5.com.example-lab.app", "0123456789.io.x", "ABCDE12345.a.b.c.d"]
)
def test_valid_app_ids(app_id: str) -> None:
    assert app_id_problem(app_id, "appID") is None
    study = read_study(_study(appleAppLinks=[{"appID": app_id, "paths": ["*"]}]))
    assert study.apple_app_links[0].app_id == app_id


def test_app_id_is_required() -> None:
    errors = _errors(appleAppLinks=[{"paths": ["/s/x"]}])
    assert errors == {
        "appleAppLinks[0].appID": [
            "appleAppLinks[0].appID is required, like 'ABCDE12345.org.example.sleep'"
        ]
    }


def test_an_app_is_listed_once_per_study() -> None:
    errors = _errors(
        appleAppLinks=[{"appID": APP_ID, "paths": ["/a"]}, {"appID": APP_ID, "paths": ["/b"]}]
    )
    assert errors == {
        "appleAppLinks[1].appID": [
            f"appleAppLinks[1].appID {APP_ID} is already listed at appleAppLinks[0]; give each "
            "app once, with all its paths"
        ]
    }


def test_paths_or_components_are_required() -> None:
    errors = _errors(appleAppLinks=[{"appID": APP_ID}])
    assert list(errors) == ["appleAppLinks[0].paths"]
    assert "(or give components instead)" in errors["appleAppLinks[0].paths"][0]


def test_paths_and_components_together_are_refused() -> None:
    errors = _errors(
        appleAppLinks=[{"appID": APP_ID, "paths": ["/a"], "components": [{"/": "/a"}]}]
    )
    assert list(errors) == ["appleAppLinks[0]"]
    assert errors["appleAppLinks[0]"][0].startswith(
        "appleAppLinks[0] must have paths or components, not both"
    )


@pytest.mark.parametrize(
    ("paths", "path", "message"),
    [
        ([], "appleAppLinks[0].paths", "appleAppLinks[0].paths cannot be empty"),
        ("/s/x", "appleAppLinks[0].paths", "appleAppLinks[0].paths must be a list of path"),
        (["/s/x", ""], "appleAppLinks[0].paths[1]", "appleAppLinks[0].paths[1] cannot be empty"),
        (["/s/x", 3], "appleAppLinks[0].paths[1]", "appleAppLinks[0].paths[1] must be a string"),
        (
            ["/s/x", "s/sleep-study/*"],
            "appleAppLinks[0].paths[1]",
            "appleAppLinks[0].paths[1] must start with / (like /s/sleep-study/*), or be *",
        ),
        (
            ["/s/x", "NOT s/x"],
            "appleAppLinks[0].paths[1]",
            "appleAppLinks[0].paths[1] must start with /",
        ),
        (
            ["/s/x\n/s/y"],
            "appleAppLinks[0].paths[0]",
            "appleAppLinks[0].paths[0] must be one line without control characters",
        ),
        (
            ["/" + "a" * 1024],
            "appleAppLinks[0].paths[0]",
            "appleAppLinks[0].paths[0] must be at most 1024 characters",
        ),
    ],
)
def test_paths_rules(paths: object, path: str, message: str) -> None:
    errors = _errors(appleAppLinks=[{"appID": APP_ID, "paths": paths}])
    assert list(errors) == [path]
    assert errors[path][0].startswith(message), errors[path][0]


@pytest.mark.parametrize("path", ["/s/sleep-study", "/s/sleep-study/*", "*", "?x", "NOT /s/x/*"])
def test_valid_paths(path: str) -> None:
    assert pattern_problem(path, "p", legacy=True) is None
    assert read_study(_study(appleAppLinks=[{"appID": APP_ID, "paths": [path]}]))


@pytest.mark.parametrize(
    ("components", "path", "message"),
    [
        ([], "appleAppLinks[0].components", "appleAppLinks[0].components cannot be empty"),
        ({"/": "/x"}, "appleAppLinks[0].components", "appleAppLinks[0].components must be a list"),
        (
            ["/x"],
            "appleAppLinks[0].components[0]",
            "appleAppLinks[0].components[0] must be an object like",
        ),
        (
            [{"/": "/x"}, {"exclude": True}],
            "appleAppLinks[0].components[1]",
            'appleAppLinks[0].components[1] must match something: give "/" (the path)',
        ),
        (
            [{"/": "x"}],
            "appleAppLinks[0].components[0]./",
            "appleAppLinks[0].components[0]./ must start with /",
        ),
        (
            [{"/": "NOT /x"}],
            "appleAppLinks[0].components[0]./",
            'appleAppLinks[0].components[0]./ cannot start with "NOT ": in components, exclude '
            'with {"/": \'/x\', "exclude": true}',
        ),
        (
            [{"/": "/x", "?": "token=*"}],
            "appleAppLinks[0].components[0].?",
            "appleAppLinks[0].components[0].? must be an object of query parameter name to "
            'pattern, like {"token": "?*"}',
        ),
        (
            [{"/": "/x", "?": {"token": 1}}],
            "appleAppLinks[0].components[0].?.token",
            "appleAppLinks[0].components[0].?.token must be a string pattern",
        ),
        (
            [{"/": "/x", "?": {"": "1"}}],
            "appleAppLinks[0].components[0].?",
            "appleAppLinks[0].components[0].? has an empty parameter name",
        ),
        (
            [{"#": 1}],
            "appleAppLinks[0].components[0].#",
            "appleAppLinks[0].components[0].# must be a string pattern",
        ),
        (
            [{"/": "/x", "exclude": "yes"}],
            "appleAppLinks[0].components[0].exclude",
            "appleAppLinks[0].components[0].exclude must be true or false",
        ),
        (
            [{"/": "/x", "comment": ["a"]}],
            "appleAppLinks[0].components[0].comment",
            "appleAppLinks[0].components[0].comment must be a string",
        ),
        (
            [{"/": "/x", "path": "/y"}],
            "appleAppLinks[0].components[0].path",
            "appleAppLinks[0].components[0].path is not a component field; the fields are /, ?, "
            "#, exclude, comment",
        ),
        (
            [{"/": "/x", "Exclude": True}],
            "appleAppLinks[0].components[0].Exclude",
            "appleAppLinks[0].components[0].Exclude is not a component field; did you mean "
            "exclude?",
        ),
    ],
)
def test_components_rules(components: object, path: str, message: str) -> None:
    errors = _errors(appleAppLinks=[{"appID": APP_ID, "components": components}])
    assert list(errors) == [path], errors
    assert errors[path][0].startswith(message), errors[path][0]


def test_unknown_apple_link_fields_are_named_with_a_suggestion() -> None:
    errors = _errors(appleAppLinks=[{"appId": APP_ID, "paths": ["/x"], "type": "AppleAppLink"}])
    assert errors["appleAppLinks[0].appId"] == [
        "appleAppLinks[0].appId is not an apple app link field; did you mean appID?"
    ]
    assert set(errors) == {"appleAppLinks[0].appId", "appleAppLinks[0].appID"}


# --- androidAppLinks -----------------------------------------------------------------------


def test_android_app_links_must_be_a_list_of_objects() -> None:
    assert list(_errors(androidAppLinks=_android())) == ["androidAppLinks"]
    errors = _errors(androidAppLinks=[_android(), "org.example.x"])
    assert list(errors) == ["androidAppLinks[1]"]


@pytest.mark.parametrize(
    ("namespace", "message"),
    [
        (None, 'androidAppLinks[0].namespace is required "android_app"'),
        ("web", 'androidAppLinks[0].namespace must be "android_app"'),
        ("ANDROID_APP", 'androidAppLinks[0].namespace must be "android_app"'),
    ],
)
def test_namespace_must_be_android_app(namespace: str | None, message: str) -> None:
    link = _android(namespace=namespace)
    if namespace is None:
        del link["namespace"]
    assert _errors(androidAppLinks=[link]) == {"androidAppLinks[0].namespace": [message]}


@pytest.mark.parametrize(
    ("package", "reason"),
    [
        ("sleep", "'sleep' is not"),
        ("org.example.1app", "'org.example.1app' is not"),
        ("org._example", "is not"),
        ("org.example-lab.app", "is not"),
        ("org.example.", "is not"),
        ("org.example.new", "'new' is a Java keyword and cannot be a part"),
        ("a." * 130 + "b", "it is longer than 255 characters"),
        (["org.example"], "it is not a string"),
    ],
)
def test_package_name_must_be_a_java_package(package: object, reason: str) -> None:
    errors = _errors(androidAppLinks=[_android(package_name=package)])
    assert list(errors) == ["androidAppLinks[0].package_name"]
    (message,) = errors["androidAppLinks[0].package_name"]
    assert message.startswith(
        "androidAppLinks[0].package_name must be the app's package name (applicationId), like "
        "'org.example.sleep'"
    )
    assert message.endswith(reason), message


@pytest.mark.parametrize("package", [PACKAGE, "com.Example.App_2", "a.b", "org.example.newt"])
def test_valid_package_names(package: str) -> None:
    assert package_name_problem(package, "p") is None


def test_package_name_is_required() -> None:
    link = _android()
    del link["package_name"]
    assert _errors(androidAppLinks=[link]) == {
        "androidAppLinks[0].package_name": [
            "androidAppLinks[0].package_name is required, like 'org.example.sleep'"
        ]
    }


@pytest.mark.parametrize(
    ("fingerprint", "reason"),
    [
        (PRINT.replace(":", ""), "put a colon between each pair of hex digits"),
        (PRINT[:59], "this looks like a SHA-1 fingerprint; use the SHA-256 one"),
        (PRINT + ":20", "is not 32 colon-separated hex pairs"),
        (PRINT[:-2] + "GG", "is not 32 colon-separated hex pairs"),
        (PRINT.replace(":", "-"), "is not 32 colon-separated hex pairs"),
        (" " + PRINT, "is not 32 colon-separated hex pairs"),
        (42, "it is not a string"),
    ],
)
def test_fingerprints_are_32_colon_separated_bytes(fingerprint: object, reason: str) -> None:
    errors = _errors(androidAppLinks=[_android(sha256_cert_fingerprints=[PRINT, fingerprint])])
    path = "androidAppLinks[0].sha256_cert_fingerprints[1]"
    assert list(errors) == [path]
    (message,) = errors[path]
    assert message.startswith(
        f"{path} must be the SHA-256 fingerprint of the app's signing certificate: 32 bytes as "
        "colon-separated hex"
    )
    assert message.endswith(reason), message


def test_fingerprint_problem_accepts_any_case() -> None:
    assert fingerprint_problem(PRINT.lower(), "f") is None
    assert fingerprint_problem(PRINT, "f") is None


@pytest.mark.parametrize(
    ("fingerprints", "path", "message"),
    [
        (None, "androidAppLinks[0].sha256_cert_fingerprints", "is required: the SHA-256"),
        ([], "androidAppLinks[0].sha256_cert_fingerprints", "cannot be empty"),
        (PRINT, "androidAppLinks[0].sha256_cert_fingerprints", "must be a list of SHA-256"),
        ([PRINT] * 21, "androidAppLinks[0].sha256_cert_fingerprints", "must list at most 20"),
    ],
)
def test_fingerprint_list_rules(fingerprints: object, path: str, message: str) -> None:
    errors = _errors(androidAppLinks=[_android(sha256_cert_fingerprints=fingerprints)])
    assert path in errors
    assert errors[path][0].startswith(f"{path} {message}"), errors[path]


def test_the_same_fingerprint_twice_in_one_app_is_a_duplicate() -> None:
    errors = _errors(androidAppLinks=[_android(sha256_cert_fingerprints=[PRINT, PRINT.lower()])])
    path = "androidAppLinks[0].sha256_cert_fingerprints[1]"
    assert errors == {
        path: [
            f"{path} is already listed for {PACKAGE} at "
            "androidAppLinks[0].sha256_cert_fingerprints[0]; give each app (package and "
            "fingerprint) once"
        ]
    }


def test_the_same_app_twice_is_a_duplicate() -> None:
    errors = _errors(
        androidAppLinks=[
            _android(),
            _android(sha256_cert_fingerprints=[OTHER_PRINT, PRINT.lower()]),
        ]
    )
    assert list(errors) == ["androidAppLinks[1].sha256_cert_fingerprints[1]"]


def test_a_package_may_have_several_certificates_and_share_one_with_another_package() -> None:
    study = read_study(
        _study(
            androidAppLinks=[
                _android(),
                _android(sha256_cert_fingerprints=[OTHER_PRINT]),  # e.g. a debug key
                _android(package_name="org.example.other"),
            ]
        )
    )
    assert [link.package_name for link in study.android_app_links] == [
        PACKAGE,
        PACKAGE,
        "org.example.other",
    ]


def test_unknown_android_link_fields_are_named_with_a_suggestion() -> None:
    errors = _errors(androidAppLinks=[_android(packageName=PACKAGE, type="AndroidAppLink")])
    assert errors == {
        "androidAppLinks[0].packageName": [
            "androidAppLinks[0].packageName is not an android app link field; did you mean "
            "package_name?"
        ]
    }


# --- installLinks and appUrlScheme ---------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://apps.apple.com/us/app/sleep/id123456789",
        "https://play.google.com/store/apps/details?id=org.example.sleep&hl=en",
        "https://example.org:8443/app#top",
        "https://testflight.apple.com/join/AbC",
    ],
)
def test_valid_install_links(url: str) -> None:
    study = read_study(_study(installLinks={"ios": url, "android": url}))
    assert study.install_links == InstallLinks(url, url)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "http://apps.apple.com/app/id1",
            "must be the app's App Store link starting with https://",
        ),
        (
            "itms-apps://apps.apple.com/app/id1",
            "must be the app's App Store link starting with https://",
        ),
        ("apps.apple.com/app/id1", "must be the app's App Store link starting with https://"),
        ("https://", "must be an https link with a host"),
        ("https:///app/id1", "must be an https link with a host"),
        ("https://apps.apple.com/app/my app", "must be an https link with a host, of printable"),
        ("https://user@apps.apple.com/app", "must be an https link with a host"),
        ("https://apps.apple.com/" + "a" * 2000, "must be at most 2000 characters"),
        (["https://apps.apple.com"], "must be the app's App Store link, a string"),
    ],
)
def test_install_links_must_be_https_with_a_host(url: object, message: str) -> None:
    errors = _errors(installLinks={"ios": url})
    assert list(errors) == ["installLinks.ios"]
    assert errors["installLinks.ios"][0].startswith(f"installLinks.ios {message}")


def test_install_link_android_is_named_as_such() -> None:
    errors = _errors(installLinks={"android": "http://play.google.com/x"})
    assert errors == {
        "installLinks.android": [
            "installLinks.android must be the app's Google Play link starting with https://"
        ]
    }


@pytest.mark.parametrize(
    ("key", "hint"),
    [("iPhone OS", "ios"), ("iOS", "ios"), ("Android", "android"), ("andriod", "android")],
)
def test_install_links_keys_are_ios_and_android(key: str, hint: str) -> None:
    errors = _errors(installLinks={key: "https://apps.apple.com/app/id1"})
    assert errors == {
        f"installLinks.{key}": [
            f"installLinks.{key} is not an install link; use ios and android; did you mean {hint}?"
        ]
    }


def test_install_links_must_be_an_object() -> None:
    errors = _errors(installLinks=["https://apps.apple.com/app/id1"])
    assert list(errors) == ["installLinks"]


@pytest.mark.parametrize("scheme", ["sleepstudy", "org.example.sleep", "x", "a1+b-c.d"])
def test_valid_url_schemes(scheme: str) -> None:
    assert read_study(_study(appUrlScheme=scheme)).app_url_scheme == scheme


@pytest.mark.parametrize(
    ("scheme", "message"),
    [
        (
            "SleepStudy",
            "must be a URL scheme: a letter, then letters, digits, +, . or -, like "
            "sleepstudy: write it in lower case, 'sleepstudy'",
        ),
        ("sleepstudy://", "is the scheme alone, without ://: write 'sleepstudy'"),
        ("sleepstudy:", "is the scheme alone, without ://: write 'sleepstudy'"),
        ("1app", "must be a URL scheme: a letter"),
        ("sleep study", "must be a URL scheme: a letter"),
        ("", "must be a URL scheme: a letter"),
        ("https", "cannot be https: that scheme is not the app's own"),
        ("http", "cannot be http: that scheme is not the app's own"),
        ("javascript", "cannot be javascript: that scheme is not the app's own"),
        ("a" * 65, "must be at most 64 characters"),
        (7, "must be a string, the app's URL scheme like sleepstudy"),
    ],
)
def test_url_scheme_rules(scheme: object, message: str) -> None:
    errors = _errors(appUrlScheme=scheme)
    assert list(errors) == ["appUrlScheme"]
    assert errors["appUrlScheme"][0].startswith(f"appUrlScheme {message}"), errors


# --- all at once ---------------------------------------------------------------------------


def test_every_app_link_problem_is_reported_at_once() -> None:
    errors = _errors(
        name="",
        appleAppLinks=[
            {"appID": "bad", "paths": ["/ok", "bad"]},
            {"appID": APP_ID, "components": [{"/": "/x", "exclude": 1}]},
        ],
        androidAppLinks=[
            _android(namespace="web", package_name="x", sha256_cert_fingerprints=["AB"])
        ],
        installLinks={"ios": "http://x.org"},
        appUrlScheme="HTTP",
    )
    assert set(errors) == {
        "name",
        "appleAppLinks[0].appID",
        "appleAppLinks[0].paths[1]",
        "appleAppLinks[1].components[0].exclude",
        "androidAppLinks[0].namespace",
        "androidAppLinks[0].package_name",
        "androidAppLinks[0].sha256_cert_fingerprints[0]",
        "installLinks.ios",
        "appUrlScheme",
    }


def test_the_readme_study_example_is_accepted() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    example = readme.split("A study:\n\n```json\n", 1)[1].split("\n```", 1)[0]
    study = read_study(json.loads(example))
    assert study.apple_app_links
    assert study.android_app_links
    assert study.install_links.ios
    assert study.install_links.android
    assert study.app_url_scheme == "sleepstudy"
