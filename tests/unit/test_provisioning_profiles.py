"""Every provisioning profile against the examples in its vendor's documentation, and every
refusal. Sources are named in service/provisioning/profiles.py."""

from __future__ import annotations

import pytest

from service.provisioning.profiles import (
    ElementOptions,
    ProvisioningError,
    SametimeOptions,
    StudyOptions,
    element_link,
    sametime_link,
    study_link,
)

# Element Server Suite, "Mobile client provisioning": the format, then its examples. The
# older revisions of the page write the examples without the slash before "?"; the format
# (and we) always have it.
ELEMENT_FORMAT = (
    "https://mobile.element.io/<app>/?account_provider=<example.com>&login_hint=<alice>"
)
ELEMENT_EXAMPLES = [
    ("https://mobile.element.io/element?account_provider=example.com", "example.com", None),
    (
        "https://mobile.element.io/element?account_provider=example.com&login_hint=mxid:@alice:example.com",
        "example.com",
        "mxid:@alice:example.com",
    ),
    (
        "https://mobile.element.io/element?account_provider=example.com&login_hint=alice",
        "example.com",
        "alice",
    ),
    (
        "https://mobile.element.io/element?account_provider=example.com&login_hint=alice@example.com",
        "example.com",
        "alice@example.com",
    ),
]
ELEMENT_CLASSIC_EXAMPLE = "https://mobile.element.io/?hs_url=https://example.com"
# HCL Sametime, "Creating a community provisioning URL for mobile users" (the IBM Sametime 9
# page wrote the same layout with the sametime:// scheme).
SAMETIME_FORMAT = (
    "sametime://st_user@stproxy_host:port/?action=AddCommunity&communityName=community_name"
)


def _with_slash(documented: str) -> str:
    return documented.replace("/element?", "/element/?")


@pytest.mark.parametrize(("documented", "server", "hint"), ELEMENT_EXAMPLES)
def test_element_x_matches_the_documented_examples(
    documented: str, server: str, hint: str | None
) -> None:
    assert element_link(ElementOptions(server, hint)) == _with_slash(documented)


def test_element_follows_the_documented_format() -> None:
    expected = ELEMENT_FORMAT.replace("<app>", "element").replace("<example.com>", "example.com")
    assert element_link(ElementOptions("example.com", "alice")) == expected.replace(
        "<alice>", "alice"
    )


def test_element_pro_only_changes_the_app_segment() -> None:
    # "For Element X Pro, use https://mobile.element.io/element-pro instead."
    link = element_link(ElementOptions("example.com", "mxid:@alice:example.com"), "element-pro")
    assert link == (
        "https://mobile.element.io/element-pro/?account_provider=example.com"
        "&login_hint=mxid:@alice:example.com"
    )


def test_element_classic_matches_the_documented_example() -> None:
    assert element_link(ElementOptions("example.com"), "element-classic") == ELEMENT_CLASSIC_EXAMPLE


def test_element_classic_keeps_the_login_hint() -> None:
    assert element_link(ElementOptions("example.com", "alice"), "element-classic") == (
        ELEMENT_CLASSIC_EXAMPLE + "&login_hint=alice"
    )


def test_element_encodes_what_a_query_cannot_hold() -> None:
    link = element_link(ElementOptions("example.com", "alice smith&co"))
    assert link.endswith("&login_hint=alice%20smith%26co")


@pytest.mark.parametrize(
    "server", ["", "https://example.com", "example.com/path", "exa mple.com", "@alice:example.com"]
)
def test_element_refuses_a_server_that_is_not_a_name(server: str) -> None:
    with pytest.raises(ProvisioningError, match="account provider"):
        element_link(ElementOptions(server))


def test_sametime_follows_the_documented_format() -> None:
    expected = (
        SAMETIME_FORMAT.replace("sametime://", "hclsametime://")
        .replace("st_user", "jsmith")
        .replace("stproxy_host", "st.example.com")
        .replace("port", "443", 1)
        .replace("community_name", "Example")
    )
    options = SametimeOptions("st.example.com", 443, "jsmith", "Example")
    assert sametime_link(options) == expected


def test_sametime_needs_only_the_host() -> None:
    assert sametime_link(SametimeOptions("st.example.com")) == (
        "hclsametime://st.example.com/?action=AddCommunity"
    )


def test_sametime_encodes_at_signs_and_spaces() -> None:
    options = SametimeOptions(
        "st.example.com", user="Jane Smith@example.com", community_name="Our Co"
    )
    assert sametime_link(options) == (
        "hclsametime://Jane%20Smith%40example.com@st.example.com/"
        "?action=AddCommunity&communityName=Our%20Co"
    )


def test_sametime_takes_the_documented_parameters_in_order() -> None:
    params = (
        ("savePassword", "false"),
        ("authProxyEnabled", "true"),
        ("authProxyReuseCredentials", "true"),
        ("authProxyUser", "proxy user"),
        ("allowUntrustedSSL", "false"),
    )
    link = sametime_link(SametimeOptions("st.example.com", 8443, params=params))
    assert link == (
        "hclsametime://st.example.com:8443/?action=AddCommunity&savePassword=false"
        "&authProxyEnabled=true&authProxyReuseCredentials=true&authProxyUser=proxy%20user"
        "&allowUntrustedSSL=false"
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (SametimeOptions(""), "needs the Sametime proxy host"),
        (SametimeOptions("jo@st.example.com"), "not in the host"),
        (SametimeOptions("st.example.com:443"), "host name"),
        (SametimeOptions("st.example.com", 0), "port"),
        (SametimeOptions("st.example.com", 70000), "port"),
        (SametimeOptions("st.example.com", user="jo:secret"), "refusing a password"),
        (SametimeOptions("st.example.com", user=" "), "user name"),
        (SametimeOptions("st.example.com", community_name=""), "community name"),
        (SametimeOptions("st.example.com", params=[("password", "x")]), "refusing a password"),
        (SametimeOptions("st.example.com", params=[("pwd", "x")]), "refusing a password"),
        (SametimeOptions("st.example.com", params=[("authProxyPassword", "x")]), "password"),
        (SametimeOptions("st.example.com", params=[("communityName", "x")]), "unknown parameter"),
        (SametimeOptions("st.example.com", params=[("savePassword", "yes")]), "true or false"),
        (SametimeOptions("st.example.com", params=[("authProxyUser", "")]), "empty"),
        (
            SametimeOptions("st.example.com", params=[("savePassword", "true")] * 2),
            "given twice",
        ),
    ],
)
def test_sametime_refusals(options: SametimeOptions, message: str) -> None:
    with pytest.raises(ProvisioningError, match=message) as caught:
        sametime_link(options)
    assert "\n" not in str(caught.value)


def test_study_link_is_the_universal_link() -> None:
    link = study_link(StudyOptions("https://signin.example.org", "sleep-study", "a@example.org"))
    assert link == "https://signin.example.org/p/sleep-study?login_hint=a%40example.org"
    assert study_link(StudyOptions("https://signin.example.org", "s")) == (
        "https://signin.example.org/p/s"
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (StudyOptions("", "s"), "MAGICLINK_BASE_URL"),
        (StudyOptions("https://signin.example.org", " "), "--study"),
    ],
)
def test_study_refusals(options: StudyOptions, message: str) -> None:
    with pytest.raises(ProvisioningError, match=message):
        study_link(options)
