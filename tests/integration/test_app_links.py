"""App links through the researcher API, and the association files Apple and Android fetch."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from service.deeplinks.association import MAX_AASA_BYTES
from tests.support.api import BACKENDS_WITH_CLUSTER, Api
from tests.support.contract import assert_bridge_error

AASA = "/.well-known/apple-app-site-association"
ASSETLINKS = "/.well-known/assetlinks.json"
APP = "ABCDE12345.org.example.sleep"
OTHER_APP = "FGHIJ67890.org.example.diary"
PRINT = ":".join(f"{n:02x}" for n in range(32))  # lower case, as keytool users paste it
DEBUG_PRINT = ":".join(f"{n:02x}" for n in range(200, 232))


def apple(app_id: str = APP, study: str = "sleep-study") -> dict[str, Any]:
    return {"appID": app_id, "paths": [f"/s/{study}", f"/s/{study}/*"]}


def android(package: str = "org.example.sleep", *prints: str) -> dict[str, Any]:
    return {
        "namespace": "android_app",
        "package_name": package,
        "sha256_cert_fingerprints": list(prints or (PRINT,)),
    }


async def put_study(api: Api, identifier: str, **fields: Any) -> httpx.Response:
    """Replace the study, starting from the version stored now."""
    current = await api.client.get(f"/v3/studies/{identifier}", headers=api.admin)
    version = current.json()["version"] if current.status_code == 200 else 1
    body = {"name": f"Study {identifier}", "version": version, **fields}
    return await api.client.put(f"/v3/studies/{identifier}", json=body, headers=api.admin)


def assert_served_json(response: httpx.Response) -> None:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"  # exactly: no charset
    assert response.headers["cache-control"] == "public, max-age=300"
    etag = response.headers["etag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    assert "location" not in response.headers


# All studies are read in one pipeline across slots: on a Redis Cluster too.
@pytest.mark.parametrize("redis", BACKENDS_WITH_CLUSTER, indirect=True)
async def test_studies_app_links_are_published_in_both_files(api: Api) -> None:
    created = await api.create_study(
        "sleep-study",
        appleAppLinks=[apple()],
        androidAppLinks=[android("org.example.sleep", PRINT, DEBUG_PRINT)],
        installLinks={"ios": "https://apps.apple.com/app/id123456789"},
        appUrlScheme="sleepstudy",
    )
    assert created["androidAppLinks"][0]["sha256_cert_fingerprints"] == [
        PRINT.upper(),
        DEBUG_PRINT.upper(),
    ]
    assert created["installLinks"] == {
        "ios": "https://apps.apple.com/app/id123456789",
        "android": None,
    }
    assert created["appUrlScheme"] == "sleepstudy"
    await api.create_study(
        "diary-study",
        appleAppLinks=[apple(OTHER_APP, "diary-study")],
        androidAppLinks=[android("org.example.diary")],
    )
    await api.create_study("no-apps")

    aasa = await api.client.get(AASA)
    assert_served_json(aasa)
    assert aasa.json() == {
        "applinks": {
            "apps": [],
            "details": [
                {  # studies in identifier order: diary-study first
                    "appIDs": [OTHER_APP],
                    # Bridge's form of the link (/mobile/…/startSession.html) right after it
                    "components": [
                        {"/": "/s/diary-study"},
                        {"/": "/mobile/diary-study/*"},
                        {"/": "/s/diary-study/*"},
                    ],
                    "appID": OTHER_APP,
                    "paths": ["/s/diary-study", "/mobile/diary-study/*", "/s/diary-study/*"],
                },
                {
                    "appIDs": [APP],
                    "components": [
                        {"/": "/s/sleep-study"},
                        {"/": "/mobile/sleep-study/*"},
                        {"/": "/s/sleep-study/*"},
                    ],
                    "appID": APP,
                    "paths": ["/s/sleep-study", "/mobile/sleep-study/*", "/s/sleep-study/*"],
                },
            ],
        },
        "webcredentials": {"apps": [OTHER_APP, APP]},
    }

    links = await api.client.get(ASSETLINKS)
    assert_served_json(links)
    statements = links.json()
    assert [statement["target"]["package_name"] for statement in statements] == [
        "org.example.diary",
        "org.example.sleep",
    ]
    sleep = statements[1]
    assert sleep["relation"] == [
        "delegate_permission/common.handle_all_urls",
        "delegate_permission/common.get_login_creds",
    ]
    assert sleep["target"] == {
        "namespace": "android_app",
        "package_name": "org.example.sleep",
        "sha256_cert_fingerprints": [PRINT.upper(), DEBUG_PRINT.upper()],
    }
    assert sleep["relation_extensions"] == {
        "delegate_permission/common.handle_all_urls": {
            "dynamic_app_link_components": [
                {"/": "/s/sleep-study"},
                {"/": "/s/sleep-study/*"},
                {"/": "/mobile/sleep-study/*"},
            ]
        }
    }
    assert PRINT not in links.text  # never the lower-case form


async def test_components_are_published_with_derived_legacy_paths(api: Api) -> None:
    components = [
        {"/": "/s/sleep-study/private/*", "exclude": True, "comment": "never in the app"},
        {"/": "/s/sleep-study"},
        {"/": "/s/sleep-study/*", "?": {"token": "?*"}},
    ]
    await api.create_study("sleep-study", appleAppLinks=[{"appID": APP, "components": components}])
    (detail,) = (await api.client.get(AASA)).json()["applinks"]["details"]
    assert detail["appIDs"] == [APP]
    assert detail["components"] == [*components[:2], {"/": "/mobile/sleep-study/*"}, components[2]]
    assert detail["appID"] == APP
    assert detail["paths"] == [
        "NOT /s/sleep-study/private/*",
        "/s/sleep-study",
        "/mobile/sleep-study/*",
    ]


async def test_etag_answers_304_and_head_answers_headers_only(api: Api) -> None:
    await api.create_study("sleep-study", appleAppLinks=[apple()], androidAppLinks=[android()])
    for path in (AASA, ASSETLINKS):
        full = await api.client.get(path)
        assert_served_json(full)
        etag = full.headers["etag"]
        again = await api.client.get(path)
        assert again.headers["etag"] == etag  # stable while nothing changes

        cached = await api.client.get(path, headers={"If-None-Match": etag})
        assert cached.status_code == 304
        assert cached.content == b""
        assert cached.headers["etag"] == etag
        assert cached.headers["cache-control"] == "public, max-age=300"
        weak = await api.client.get(path, headers={"If-None-Match": f'"stale", W/{etag}'})
        assert weak.status_code == 304
        stale = await api.client.get(path, headers={"If-None-Match": '"stale"'})
        assert stale.status_code == 200
        assert stale.content == full.content

        head = await api.client.head(path)
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["content-type"] == "application/json"
        assert head.headers["etag"] == etag
        assert head.headers["content-length"] == str(len(full.content))


async def test_an_update_shows_at_once(api: Api) -> None:
    await api.create_study("sleep-study", appleAppLinks=[apple()], androidAppLinks=[android()])
    before = await api.client.get(AASA)
    links_before = await api.client.get(ASSETLINKS)

    updated = await put_study(
        api,
        "sleep-study",
        appleAppLinks=[apple(OTHER_APP)],
        androidAppLinks=[android("org.example.renamed")],
    )
    assert updated.status_code == 200, updated.text

    after = await api.client.get(AASA, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200  # the old copy is stale at once
    assert after.headers["etag"] != before.headers["etag"]
    assert after.json()["webcredentials"]["apps"] == [OTHER_APP]
    links_after = await api.client.get(ASSETLINKS)
    assert links_after.headers["etag"] != links_before.headers["etag"]
    assert [s["target"]["package_name"] for s in links_after.json()] == ["org.example.renamed"]


async def test_deleting_a_study_removes_its_apps(api: Api) -> None:
    await api.create_study("sleep-study", appleAppLinks=[apple()], androidAppLinks=[android()])
    await api.create_study(
        "diary-study",
        appleAppLinks=[apple(OTHER_APP, "diary-study")],
        androidAppLinks=[android("org.example.diary")],
    )
    assert len((await api.client.get(AASA)).json()["applinks"]["details"]) == 2

    deleted = await api.client.delete("/v3/studies/sleep-study", headers=api.admin)
    assert deleted.status_code == 200
    aasa = (await api.client.get(AASA)).json()
    assert [detail["appID"] for detail in aasa["applinks"]["details"]] == [OTHER_APP]
    assert aasa["webcredentials"]["apps"] == [OTHER_APP]
    links = (await api.client.get(ASSETLINKS)).json()
    assert [s["target"]["package_name"] for s in links] == ["org.example.diary"]


async def test_with_no_apps_the_files_are_valid_and_empty(api: Api) -> None:
    aasa = await api.client.get(AASA)
    assert_served_json(aasa)
    assert aasa.json() == {"applinks": {"apps": [], "details": []}, "webcredentials": {"apps": []}}
    links = await api.client.get(ASSETLINKS)
    assert_served_json(links)
    assert links.json() == []


async def test_bad_app_links_are_refused_naming_each_path(api: Api) -> None:
    response = await api.client.post(
        "/v3/studies",
        json={
            "identifier": "sleep-study",
            "name": "Sleep",
            "appleAppLinks": [
                {"appID": APP, "paths": ["/s/sleep-study", ""]},
                {"appID": "abcde12345.org.example.x", "paths": ["/s/x"]},
            ],
            "androidAppLinks": [
                android("org.example.sleep", PRINT),
                android("org.example.sleep", PRINT.upper()),
                {**android("org.example.x", "AB:CD"), "namespace": "web"},
            ],
            "installLinks": {"ios": "http://apps.apple.com/app/id1"},
            "appUrlScheme": "https",
        },
        headers=api.admin,
    )
    body = assert_bridge_error(response, 400, "InvalidEntityException")
    assert set(body["errors"]) == {
        "appleAppLinks[0].paths[1]",
        "appleAppLinks[1].appID",
        "androidAppLinks[1].sha256_cert_fingerprints[0]",
        "androidAppLinks[2].namespace",
        "androidAppLinks[2].sha256_cert_fingerprints[0]",
        "installLinks.ios",
        "appUrlScheme",
    }
    assert body["errors"]["androidAppLinks[1].sha256_cert_fingerprints[0]"] == [
        "androidAppLinks[1].sha256_cert_fingerprints[0] is already listed for org.example.sleep "
        "at androidAppLinks[0].sha256_cert_fingerprints[0]; give each app (package and "
        "fingerprint) once"
    ]
    missing = await api.client.get("/v3/studies/sleep-study", headers=api.admin)
    assert missing.status_code == 404


def _many_paths(study: str, count: int) -> list[str]:
    return [f"/s/{study}/{index:05d}/{'p' * 32}" for index in range(count)]


async def test_a_study_that_would_push_the_aasa_past_128_kb_is_refused(api: Api) -> None:
    # Each path is published twice (components and legacy paths): about 120 bytes per path.
    await api.create_study(
        "study-a", appleAppLinks=[{"appID": APP, "paths": _many_paths("study-a", 500)}]
    )
    stored = (await api.client.get("/v3/studies/study-a", headers=api.admin)).json()
    await api.create_study("study-b", appleAppLinks=[apple(OTHER_APP, "study-b")])
    size_before = len((await api.client.get(AASA)).content)
    assert size_before < MAX_AASA_BYTES

    too_many = {"appID": APP, "paths": _many_paths("study-a", 1200)}
    refused = await put_study(api, "study-a", appleAppLinks=[too_many])
    body = assert_bridge_error(refused, 400, "InvalidEntityException")
    (message,) = body["errors"]["appleAppLinks"]
    assert list(body["errors"]) == ["appleAppLinks"]
    assert message.startswith("appleAppLinks would make /.well-known/apple-app-site-association ")
    assert " KB, over Apple's limit of 128 KB" in message
    # The stored study and the served file are unchanged.
    now = (await api.client.get("/v3/studies/study-a", headers=api.admin)).json()
    assert now == stored
    assert len((await api.client.get(AASA)).content) == size_before

    # A new study cannot push it over either, and is not created.
    new = await api.client.post(
        "/v3/studies",
        json={
            "identifier": "study-c",
            "name": "C",
            "appleAppLinks": [{"appID": APP, "paths": _many_paths("study-c", 700)}],
        },
        headers=api.admin,
    )
    assert_bridge_error(new, 400, "InvalidEntityException")
    assert (await api.client.get("/v3/studies/study-c", headers=api.admin)).status_code == 404

    # What fits is still accepted.
    fits = await put_study(
        api, "study-a", appleAppLinks=[{"appID": APP, "paths": _many_paths("study-a", 600)}]
    )
    assert fits.status_code == 200, fits.text
    assert len((await api.client.get(AASA)).content) > size_before
