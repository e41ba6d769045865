"""Other clients' provisioning through the admin API: Mattermost's MDM exports, Sametime's
stproxyconfig.xml element. The same builders as the CLI; here the HTTP side of them."""

from __future__ import annotations

import plistlib
import xml.etree.ElementTree as ET

import pytest

from service.provisioning.appconfig import ANDROID_NS
from tests.support.api import Api
from tests.support.contract import assert_bridge_error
from tests.unit.test_stproxyconfig import HCL_EXAMPLE

BASE = "/v3/studies/sleep-study/provisioning/"


def _xml(data: bytes) -> ET.Element:
    return ET.fromstring(data)  # noqa: S314 - our own output, not untrusted input


async def test_the_mattermost_profile_serves_mattermosts_three_files(api: Api) -> None:
    await api.create_study("sleep-study")  # no app links: Mattermost's files need none
    query = "?profile=mattermost&serverUrl=https://chat.example.org&allowOtherServers=false"
    got = {}
    for name in ("appconfig.xml", "managed-config.plist", "app_restrictions.xml"):
        response = await api.client.get(BASE + name + query, headers=api.admin)
        assert response.status_code == 200, response.text
        assert (
            f'filename="sleep-study-mattermost-{name}"' in response.headers["content-disposition"]
        )
        got[name] = response.content
    assert _xml(got["appconfig.xml"]).findtext("bundleId") == "com.mattermost.rn"
    pushed = plistlib.loads(got["managed-config.plist"])
    assert pushed["serverUrl"] == "https://chat.example.org"
    assert pushed["allowOtherServers"] == "false"
    assert pushed["timeoutVPN"] == "30000"
    android_keys = {
        r.get(f"{{{ANDROID_NS}}}key") for r in _xml(got["app_restrictions.xml"]).iter("restriction")
    }
    assert "serverUrl" in android_keys
    assert not android_keys & {"useVPN", "timeoutVPN"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("profile=mattermost&allowOtherServers=maybe", "allowOtherServers"),
        ("profile=mattermost&timeoutVPN=soon", "timeoutVPN"),
        ("profile=mattermost&serverUrl=chat.example.org", "serverUrl"),
        ("profile=mattermost&studyId=x", "studyId"),
        ("profile=slack", "profile"),
    ],
)
async def test_a_wrong_value_is_refused_naming_the_option(api: Api, query: str, field: str) -> None:
    await api.create_study("sleep-study")
    response = await api.client.get(f"{BASE}managed-config.plist?{query}", headers=api.admin)
    body = assert_bridge_error(response, 400, "InvalidEntityException")
    assert list(body["errors"]) == [field], body
    assert field in body["errors"][field][0]


async def test_sametime_answers_hcls_documented_stproxyconfig_element(api: Api) -> None:
    response = await api.client.get(
        "/v3/provisioning/sametime",
        params={"host": "stproxyserver.example.com", "communityName": "Sametime Server"},
        headers=api.admin,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["stproxyconfig"] == f"<mobile><configUrl>{HCL_EXAMPLE}</configUrl></mobile>"
    assert body["link"] == HCL_EXAMPLE.replace("%26", "&")
    assert "stproxyconfig.xml" in body["reminder"]
    assert body["type"] == "SametimeProvisioning"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "host"),
        ({"host": "st.example.org", "port": "https"}, "port"),
        ({"host": "st.example.org", "savePassword": "maybe"}, "savePassword"),
        ({"host": "st.example.org", "password": "x"}, "password"),
    ],
)
async def test_sametime_refuses_a_wrong_parameter_naming_it(
    api: Api, params: dict[str, str], field: str
) -> None:
    response = await api.client.get("/v3/provisioning/sametime", params=params, headers=api.admin)
    body = assert_bridge_error(response, 400, "InvalidEntityException")
    assert list(body["errors"]) == [field], body


async def test_sametime_needs_the_admin_key(api: Api) -> None:
    response = await api.client.get("/v3/provisioning/sametime", params={"host": "h.example"})
    assert_bridge_error(response, 401, "NotAuthenticatedException")
