"""The app association files (``/.well-known/...``) as iOS and Android read them.

The files are built by ``service/deeplinks/association.py``; these models document them (in
Apple's and Google's own JSON names) and the tests check each built file against them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel
from pydantic.json_schema import SkipJsonSchema

from service.deeplinks.association import HANDLE_ALL_URLS, RELATIONS
from service.studies import app_links

# Patterns: they start with / (or a * or ? wildcard) and hold no control character.
PATTERN_CHARS = "[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]"
PATH_PATTERN = f"^[/*?]{PATTERN_CHARS}*$"
LEGACY_PATH_PATTERN = f"^({app_links.NOT_PREFIX})?[/*?]{PATTERN_CHARS}*$"
APP_ID_PATTERN = f"^{app_links.APP_ID.pattern}$"
PACKAGE_NAME_PATTERN = f"^{app_links.PACKAGE_NAME.pattern}$"
# As published: upper case (studies may write them in either).
PUBLISHED_FINGERPRINT_PATTERN = "^[0-9A-F]{2}(:[0-9A-F]{2}){31}$"

AppId = Annotated[
    str,
    Field(
        pattern=APP_ID_PATTERN,
        max_length=app_links.MAX_APP_ID_LENGTH,
        description="TEAMID.bundle.id: the 10-character team id (A-Z, 0-9), a dot, and the "
        "bundle id (App Store Connect).",
        examples=[app_links.EXAMPLE_APP_ID],
    ),
]
PatternText = Annotated[str, Field(max_length=app_links.MAX_PATTERN_LENGTH)]
LegacyPath = Annotated[PatternText, Field(pattern=LEGACY_PATH_PATTERN)]
AnyText = Annotated[PatternText, Field(pattern=f"^{PATTERN_CHARS}*$")]
PathPattern = Annotated[PatternText, Field(pattern=PATH_PATTERN)]
Comment = Annotated[
    str, Field(max_length=app_links.MAX_COMMENT_LENGTH, pattern=f"^{PATTERN_CHARS}*$")
]


class _Published(BaseModel):
    """A part of a published file: its own JSON names; keys left out when they do not apply."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


def _one_of_the_parts(schema: dict[str, Any]) -> None:
    schema["anyOf"] = [{"required": ["/"]}, {"required": ["?"]}, {"required": ["#"]}]
    for field in schema["properties"].values():
        if field.get("default", False) is None:  # a part left out is not in the file at all
            del field["default"]


class PublishedLinkComponent(_Published):
    """One of Apple's `components` rules (also Android 15's `dynamic_app_link_components`): a
    URL matches when its path, query and fragment match every pattern given; the first matching
    rule wins; `exclude` keeps the URL out of the app. `*` matches any characters, `?` one."""

    model_config = ConfigDict(json_schema_extra=_one_of_the_parts)

    path: Annotated[
        PathPattern | SkipJsonSchema[None],
        Field(alias="/", description="Path pattern, like /s/sleep-study/*."),
    ] = None
    query: Annotated[
        dict[str, AnyText] | SkipJsonSchema[None],
        Field(alias="?", description="Query parameter name -> value pattern."),
    ] = None
    fragment: Annotated[AnyText | SkipJsonSchema[None], Field(alias="#")] = None
    exclude: bool = False
    comment: Annotated[Comment | SkipJsonSchema[None], Field()] = None


class AppLinksDetail(_Published):
    """One iOS app, in the modern (appIDs + components) and the legacy (appID + paths) form."""

    app_ids: Annotated[list[AppId], Field(alias="appIDs", min_length=1, max_length=1)]
    components: list[PublishedLinkComponent]
    app_id: Annotated[AppId, Field(alias="appID")]
    paths: list[LegacyPath]


class AppLinks(_Published):
    apps: Annotated[list[str], Field(max_length=0)]
    details: list[AppLinksDetail]


class WebCredentials(_Published):
    apps: list[AppId]


class AppleAppSiteAssociation(_Published):
    """Every study's iOS apps, each in the modern (appIDs + components) and the legacy (appID +
    paths) form."""

    applinks: AppLinks
    webcredentials: WebCredentials


class DynamicAppLinks(_Published):
    dynamic_app_link_components: list[PublishedLinkComponent]


class RelationExtensions(_Published):
    handle_all_urls: Annotated[DynamicAppLinks, Field(alias=HANDLE_ALL_URLS)]


class AssetTarget(_Published):
    namespace: Literal["android_app"]
    package_name: Annotated[str, Field(pattern=PACKAGE_NAME_PATTERN)]
    sha256_cert_fingerprints: Annotated[
        list[Annotated[str, Field(pattern=PUBLISHED_FINGERPRINT_PATTERN)]], Field(min_length=1)
    ]


class AssetStatement(_Published):
    relation: list[Literal[RELATIONS]]  # type: ignore[valid-type]
    relation_extensions: RelationExtensions
    target: AssetTarget


class AssetLinks(RootModel[list[AssetStatement]]):
    """One statement per Android app, limited (Android 15+) to its studies' sign-in paths."""

    model_config = ConfigDict(frozen=True)
