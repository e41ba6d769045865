"""The Sametime proxy's side of a provisioning link: HCL's stproxyconfig.xml element."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from service.provisioning.profiles import SametimeOptions, sametime_link, stproxyconfig_fragment

# HCL's documented example of the <configUrl> value, byte for byte.
HCL_EXAMPLE = (
    "hclsametime://stproxyserver.example.com/?action=AddCommunity%26communityName=Sametime%20Server"
)


def test_the_fragment_is_hcls_documented_example_byte_for_byte() -> None:
    link = sametime_link(
        SametimeOptions("stproxyserver.example.com", community_name="Sametime Server")
    )
    fragment = stproxyconfig_fragment(link)
    assert fragment == f"<mobile><configUrl>{HCL_EXAMPLE}</configUrl></mobile>"
    assert ET.fromstring(fragment).findtext("configUrl") == HCL_EXAMPLE  # noqa: S314 - ours


def test_every_ampersand_and_space_is_encoded() -> None:
    fragment = stproxyconfig_fragment("hclsametime://h/?action=AddCommunity&a=b c&d=e")
    assert "&" not in fragment
    assert " " not in fragment
    assert fragment.count("%26") == 2
    assert "%20" in fragment
