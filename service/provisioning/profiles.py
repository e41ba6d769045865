"""Provisioning links in the formats well-known clients expect. Pure: no I/O.

One builder per profile, each taking its own typed options and raising `ProvisioningError`
(one line, naming what is missing or wrong) rather than producing a link the app would
misread. The CLI (``magiclink provision link PROFILE``) has one command per profile.

Formats, as documented by the vendors (read there, not copied):

- Element (Element X, Element Pro, classic Element): Element Server Suite documentation,
  "Mobile client provisioning" (ems-docs.element.io/books/element-server-suite-pro/page/
  mobile-client-provisioning): ``https://mobile.element.io/<app>/?account_provider=<server>
  &login_hint=<hint>`` with ``<app>`` ``element`` (Element X) or ``element-pro``; classic
  Element has no app segment and takes ``hs_url=https://<server>``. The current page writes
  the slash before ``?``; older revisions of it wrote ``/element?account_provider=``. We always
  write the slash (both forms reach the same page).
- HCL Sametime: "Creating a community provisioning URL for mobile users"
  (help.hcl-software.com/sametime/11.6/admin/community_provisioning.html; the IBM Sametime 9
  page documents the same layout under the older ``sametime://`` scheme):
  ``hclsametime://user@host:port/?action=AddCommunity&communityName=<name>`` and the optional
  parameters listed in `SAMETIME_PARAMS`. No password goes into the URL: any app can claim a
  custom scheme, so a link with one hands it to whichever app answers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote

from service.provisioning.study_link import study_provisioning_url


class ProvisioningError(ValueError):
    """An option is missing or wrong; the message (one line) says which."""


ELEMENT_BASE = "https://mobile.element.io"
SAMETIME_SCHEME = "hclsametime"
# The optional parameters HCL documents for the provisioning URL, and whether each is a boolean.
SAMETIME_PARAMS = {
    "savePassword": True,
    "authProxyEnabled": True,
    "authProxyReuseCredentials": True,
    "authProxyUser": False,
    "allowUntrustedSSL": True,
}
_PASSWORD_KEYS = ("password", "pwd", "passwd", "authproxypassword")
# ":" and "@" are allowed as is in a query (RFC 3986 pchar); Element's examples write them so.
_QUERY_SAFE = ":@/"
_SERVER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?$")
HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")


@dataclass(frozen=True)
class StudyOptions:
    base_url: str
    study: str
    login_hint: str | None = None


@dataclass(frozen=True)
class ElementOptions:
    account_provider: str  # the Matrix server name, like example.org
    login_hint: str | None = None  # like mxid:@alice:example.org, alice or alice@example.org


@dataclass(frozen=True)
class SametimeOptions:
    host: str
    port: int | None = None
    user: str | None = None
    community_name: str | None = None
    params: Sequence[tuple[str, str]] = field(default_factory=tuple)


# --- study ---------------------------------------------------------------------------------


def study_link(options: StudyOptions) -> str:
    if not options.base_url:
        raise ProvisioningError("the study link needs the base URL (MAGICLINK_BASE_URL)")
    if not options.study.strip():
        raise ProvisioningError("the study link needs a study identifier (--study)")
    return study_provisioning_url(options.base_url, options.study, options.login_hint or None)


# --- Element -------------------------------------------------------------------------------

ElementApp = Literal["element", "element-pro", "element-classic"]
# The apps a link can open, by the profile's name, and what each is called.
ELEMENT_APPS: dict[ElementApp, str] = {
    "element": "Element X",
    "element-pro": "Element X Pro",
    "element-classic": "classic Element",
}


def element_link(options: ElementOptions, app: ElementApp = "element") -> str:
    server = options.account_provider.strip()
    if not server:
        raise ProvisioningError(f"{app} needs the account provider (--account-provider)")
    if "://" in server or not _SERVER.match(server):
        raise ProvisioningError(
            f"the account provider is a server name like example.org (no scheme, no path); "
            f"got {server!r}"
        )
    if app == "element-classic":
        query = [("hs_url", f"https://{server}")]
        path = "/"
    else:
        query = [("account_provider", server)]
        path = f"/{app}/"
    if options.login_hint:
        query.append(("login_hint", options.login_hint))
    encoded = "&".join(f"{key}={quote(value, safe=_QUERY_SAFE)}" for key, value in query)
    return f"{ELEMENT_BASE}{path}?{encoded}"


# --- HCL Sametime --------------------------------------------------------------------------


def sametime_link(options: SametimeOptions) -> str:
    host = options.host.strip()
    if not host:
        raise ProvisioningError("sametime needs the Sametime proxy host (--host)")
    if "@" in host:
        raise ProvisioningError(
            "sametime: give the user with --user, not in the host; a password is never put "
            "into the link"
        )
    if not HOST.match(host):
        raise ProvisioningError(
            f"sametime: the host is a host name like st.example.org; got {host!r}"
        )
    if options.port is not None and not 0 < options.port < 65536:
        raise ProvisioningError(f"sametime: the port must be 1 to 65535; got {options.port}")
    authority = host + (f":{options.port}" if options.port is not None else "")
    if options.user is not None:
        if ":" in options.user:
            raise ProvisioningError(
                "sametime: refusing a password in the link (user:password): any app can "
                "claim the hclsametime:// scheme; the user types it in the app"
            )
        if not options.user.strip():
            raise ProvisioningError("sametime: the user name (--user) is empty")
        authority = f"{quote(options.user, safe='')}@{authority}"
    query = [("action", "AddCommunity")]
    if options.community_name is not None:
        if not options.community_name.strip():
            raise ProvisioningError("sametime: the community name (--community-name) is empty")
        query.append(("communityName", options.community_name))
    query += _sametime_params(options.params)
    encoded = "&".join(f"{key}={quote(value, safe='')}" for key, value in query)
    return f"{SAMETIME_SCHEME}://{authority}/?{encoded}"


def _sametime_params(params: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[str] = set()
    for key, value in params:
        lowered = key.lower()
        if key not in SAMETIME_PARAMS and (lowered in _PASSWORD_KEYS or "password" in lowered):
            raise ProvisioningError(
                f"sametime: refusing a password in the link ({key}): any app can claim the "
                "hclsametime:// scheme; the user types it in the app"
            )
        if key not in SAMETIME_PARAMS:
            raise ProvisioningError(
                f"sametime: unknown parameter {key!r}; the documented ones are "
                + ", ".join(SAMETIME_PARAMS)
            )
        if key in seen:
            raise ProvisioningError(f"sametime: parameter {key!r} given twice")
        seen.add(key)
        if SAMETIME_PARAMS[key] and value not in ("true", "false"):
            raise ProvisioningError(f"sametime: {key} is true or false; got {value!r}")
        if not SAMETIME_PARAMS[key] and not value.strip():
            raise ProvisioningError(f"sametime: {key} is empty")
    return list(params)


# --- HCL Sametime, the proxy's side --------------------------------------------------------

# HCL's "Configuring the Sametime proxy for mobile provisioning" step: the administrator puts
# the provisioning URL into stproxyconfig.xml as <mobile><configUrl>..</configUrl></mobile>
# and restarts the proxy; the browser client then shows it as the "Configure Mobile Client" QR
# code. In that file every "&" of the URL is written %26 and every space %20 (HCL's example:
# hclsametime://stproxyserver.example.com/?action=AddCommunity%26communityName=Sametime%20Server).
STPROXYCONFIG_REMINDER = (
    "Put this into the Sametime proxy's stproxyconfig.xml (in place of any <mobile> element "
    "there), then restart the proxy; its web client shows the link as the 'Configure Mobile "
    "Client' QR code."
)


def stproxyconfig_fragment(url: str) -> str:
    """The ``<mobile><configUrl>`` element of ``stproxyconfig.xml`` for a provisioning URL."""
    encoded = url.replace("&", "%26").replace(" ", "%20")
    # What sametime_link makes holds no "<" or ">" (all percent-encoded); guard anyway: the
    # fragment is pasted into XML.
    if any(char in encoded for char in "<>\"'"):
        raise ProvisioningError(f"sametime: cannot put {url!r} into stproxyconfig.xml")
    return f"<mobile><configUrl>{encoded}</configUrl></mobile>"
