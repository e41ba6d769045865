"""A study's managed app configuration exports through the admin API, against a real store."""

from __future__ import annotations

import plistlib
import xml.etree.ElementTree as ET

import pytest

from service.provisioning.appconfig import ANDROID_NS, EMAIL_VARIABLE, KEYS
from tests.support.api import Api
from tests.support.contract import assert_bridge_error

BASE = "/v3/studies/{}/provisioning/"
APP_ID = "ABCDE12345.org.example.sleep"
EXPORTS = [
    ("appconfig.xml", "application/xml"),
    ("managed-config.plist", "application/x-plist"),
    ("app_restrictions.xml", "application/xml"),
]
BASE_URL = "https://signin.example.org"  # the `settings` fixture's


def _xml(data: bytes) -> ET.Element:
    """Parse XML the service itself built (no external entities or DTDs in it)."""
    return ET.fromstring(data)  # noqa: S314 - our own output, not untrusted input


async def _study_with_apps(api: Api, identifier: str = "sleep-study") -> None:
    await api.create_study(
        identifier,
        appleAppLinks=[{"appID": APP_ID, "paths": [f"/s/{identifier}"]}],
        androidAppLinks=[
            {
                "namespace": "android_app",
                "package_name": "org.example.sleep",
                "sha256_cert_fingerprints": [":".join(["AB"] * 32)],
            }
        ],
    )


async def test_the_three_exports_agree_with_the_study(api: Api) -> None:
    await _study_with_apps(api)
    bodies: dict[str, bytes] = {}
    for filename, media_type in EXPORTS:
        response = await api.client.get(BASE.format("sleep-study") + filename, headers=api.admin)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == media_type
        assert f'filename="sleep-study-{filename}"' in response.headers["content-disposition"]
        bodies[filename] = response.content

    specfile = _xml(bodies["appconfig.xml"])
    assert specfile.tag == "managedAppConfiguration"
    assert specfile.findtext("bundleId") == "org.example.sleep"
    specfile_values = {
        e.get("keyName"): e.findtext("defaultValue/value") for e in specfile.findall("dict/*")
    }

    pushed = plistlib.loads(bodies["managed-config.plist"])
    assert pushed == {
        "serverUrl": BASE_URL,
        "studyId": "sleep-study",
        "allowOtherServers": False,
        "username": EMAIL_VARIABLE,
    }

    restrictions = _xml(bodies["app_restrictions.xml"])
    assert restrictions.tag == "restrictions"
    android_values = {
        r.get(f"{{{ANDROID_NS}}}key"): r.get(f"{{{ANDROID_NS}}}defaultValue") for r in restrictions
    }
    as_text = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in pushed.items()}
    assert specfile_values == android_values == as_text
    assert list(pushed) == [key.key for key in KEYS]


@pytest.mark.parametrize(("filename", "media_type"), EXPORTS)
async def test_exports_need_the_admin_key_and_a_known_study(
    api: Api, filename: str, media_type: str
) -> None:
    await _study_with_apps(api)
    path = BASE.format("sleep-study") + filename
    assert_bridge_error(await api.client.get(path), 401, "NotAuthenticatedException")
    wrong = {"Authorization": "Bearer not-the-key"}
    assert_bridge_error(await api.client.get(path, headers=wrong), 401, "NotAuthenticatedException")
    missing = await api.client.get(BASE.format("no-such-study") + filename, headers=api.admin)
    assert assert_bridge_error(missing, 404, "EntityNotFoundException")["entityClass"] == "Study"
    head = await api.client.head(path, headers=api.admin)
    assert head.status_code == 200
    assert head.headers["content-type"] == media_type


async def test_the_specfile_needs_an_ios_app_the_others_do_not(api: Api) -> None:
    await api.create_study("web-only")
    response = await api.client.get(BASE.format("web-only") + "appconfig.xml", headers=api.admin)
    body = assert_bridge_error(response, 400, "InvalidEntityException")
    assert list(body["errors"]) == ["appleAppLinks"]
    assert "bundle id" in body["errors"]["appleAppLinks"][0]
    for filename, _ in EXPORTS[1:]:
        other = await api.client.get(BASE.format("web-only") + filename, headers=api.admin)
        assert other.status_code == 200, (filename, other.text)
