"""A study's app links: the apps that open its sign-in links, and where to install them.

The rules a single value follows (an app id, a fingerprint, a path pattern, a store link) are
the domain's (``service/studies/app_links.py``); these models give the links their shape. The
same models describe the links in a study's answer, where they are built from the domain
values (``of``) and a key that does not apply is left out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, Self

from pydantic import ConfigDict, Field, model_validator
from pydantic.functional_validators import ModelWrapValidatorHandler

from service.api.schemas import HERE, Schema
from service.api.schemas.association import (
    APP_ID_PATTERN,
    LEGACY_PATH_PATTERN,
    PACKAGE_NAME_PATTERN,
    PATH_PATTERN,
    PATTERN_CHARS,
)
from service.api.schemas.rules import Found, also, expecting, judged, model_rules, read_only
from service.studies import app_links
from service.studies.app_links import (
    ANDROID_NAMESPACE,
    EXAMPLE_APP_ID,
    EXAMPLE_FINGERPRINT,
    EXAMPLE_PACKAGE,
    MAX_COMMENT_LENGTH,
    MAX_PATTERN_LENGTH,
    SHORT_FINGERPRINT,
)

FINGERPRINT_PATTERN = f"^{app_links.FINGERPRINT.pattern}$"
INSTALL_URL_PATTERN = f"^{app_links.INSTALL_URL.pattern}$"
URL_SCHEME_PATTERN = f"^{app_links.URL_SCHEME.pattern}$"
_EXAMPLE_PATHS = ["/s/sleep-study", "/s/sleep-study/*"]
_ANY_TEXT = f"^{PATTERN_CHARS}*$"


def _present(name: str) -> dict[str, Any]:
    """JSON Schema for "``name`` is there, and not null" (a null counts as left out)."""
    return {"required": [name], "properties": {name: {"not": {"type": "null"}}}}


def _left_out() -> Any:
    """None, and left out of answers, as the published files leave out what does not apply."""
    return Field(default=None, exclude_if=lambda value: value is None)


def _links(extra: dict[str, Any] | None = None) -> ConfigDict:
    # One schema for requests and answers: defaults are required in neither.
    return ConfigDict(json_schema_extra=extra, json_schema_serialization_defaults_required=False)


def _unknown(what: str, known: tuple[str, ...]) -> Callable[[str], str]:
    """How to name a key ``what`` does not have (read-only keys are not offered)."""
    return lambda key: app_links.unknown_key_problem(key, HERE, known, what)


def _not_empty(what: str) -> Any:
    def rule(value: Any) -> Found:
        if isinstance(value, list) and not value:
            return {(): [f"{HERE} cannot be empty: give at least one of {what}"]}
        return {}

    return also(rule)


def _text(max_length: int) -> Any:
    return judged(lambda value, path: app_links.text_problem(value, path, max_length), typed=True)


# --- components (Apple's rules, iOS 13+) ---------------------------------------------------


def _query_problems(value: Any) -> Found:
    found: Found = {}
    if not isinstance(value, dict):
        return found
    for name, pattern in value.items():
        if not name:
            found.setdefault((), []).append(app_links.empty_parameter_problem(HERE))
        elif isinstance(pattern, str):
            problem = app_links.query_pattern_problem(name, pattern, HERE)
            if problem:
                found[(name,)] = [problem]
    return found


QueryPattern = Annotated[
    str,
    expecting(app_links.QUERY_PATTERN_PROBLEM.format(path=HERE), null_too=True),
    Field(json_schema_extra={"maxLength": MAX_PATTERN_LENGTH, "pattern": _ANY_TEXT}),
]


def _something_to_match(data: Any) -> Found:
    if isinstance(data, dict) and all(data.get(key) is None for key in ("/", "?", "#")):
        return {(): [app_links.nothing_to_match_problem(HERE)]}
    return {}


class LinkComponent(Schema):
    """One of Apple's `components` rules (also Android 15's `dynamic_app_link_components`): a
    URL matches when its path, query and fragment match every pattern given; the first matching
    rule wins; `exclude` keeps the URL out of the app. `*` matches any characters, `?` one."""

    model_config = _links({"anyOf": [_present(name) for name in ("/", "?", "#")]})

    path: Annotated[
        Annotated[
            str,
            judged(lambda value, path: app_links.pattern_problem(value, path, legacy=False)),
            Field(json_schema_extra={"maxLength": MAX_PATTERN_LENGTH, "pattern": PATH_PATTERN}),
        ]
        | None,
        Field(alias="/", description="Path pattern, like /s/sleep-study/*."),
    ] = _left_out()
    query: Annotated[
        Annotated[
            dict[str, QueryPattern],
            also(_query_problems),
            expecting(app_links.QUERY_PROBLEM.format(path=HERE)),
        ]
        | None,
        Field(
            alias="?",
            description="Query parameter name -> value pattern.",
            json_schema_extra={
                "propertyNames": {
                    "minLength": 1,
                    "maxLength": MAX_PATTERN_LENGTH,
                    "pattern": _ANY_TEXT,
                }
            },
        ),
    ] = _left_out()
    fragment: Annotated[
        Annotated[
            str,
            expecting(f"{HERE} must be a string pattern"),
            _text(MAX_PATTERN_LENGTH),
            Field(json_schema_extra={"maxLength": MAX_PATTERN_LENGTH, "pattern": _ANY_TEXT}),
        ]
        | None,
        Field(alias="#"),
    ] = _left_out()
    exclude: Annotated[bool | None, Field(exclude_if=lambda value: not value)] = False
    comment: Annotated[
        Annotated[
            str,
            _text(MAX_COMMENT_LENGTH),
            Field(json_schema_extra={"maxLength": MAX_COMMENT_LENGTH, "pattern": _ANY_TEXT}),
        ]
        | None,
        Field(),
    ] = _left_out()

    @model_validator(mode="wrap")
    @classmethod
    def _shape(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return model_rules(
            handler,
            data,
            found=_something_to_match(data),
            unknown=_unknown("a component", app_links.COMPONENT_KEYS),
        )

    def value(self) -> app_links.AppleComponent:
        return app_links.AppleComponent(
            path=self.path,
            query=None if self.query is None else tuple(self.query.items()),
            fragment=self.fragment,
            exclude=self.exclude is True,
            comment=self.comment,
        )

    @classmethod
    def of(cls, component: app_links.AppleComponent) -> LinkComponent:
        return cls.model_construct(
            path=component.path,
            query=None if component.query is None else dict(component.query),
            fragment=component.fragment,
            exclude=component.exclude,
            comment=component.comment,
        )


# --- apple ---------------------------------------------------------------------------------


def _paths_or_components(data: Any) -> Found:
    if not isinstance(data, dict):
        return {}
    has_paths, has_components = data.get("paths") is not None, data.get("components") is not None
    if has_paths and has_components:
        return {
            (): [
                f"{HERE} must have paths or components, not both: use components (iOS 13+; the "
                "legacy paths are derived from them)"
            ]
        }
    if not has_paths and not has_components:
        return {
            ("paths",): [
                f"{HERE} is required: the paths the app opens, like "
                '["/s/sleep-study", "/s/sleep-study/*"] (or give components instead)'
            ]
        }
    return {}


_PATHS = "path patterns like /s/sleep-study/*"
_RULES = 'rules like {"/": "/s/sleep-study/*"}'


class AppleAppLink(Schema):
    """An iOS app that opens the study's sign-in links: `paths` (legacy patterns; `NOT /path`
    excludes) or `components`, not both. The links are `/s/{studyId}?email=…&token=…`: claim
    `/s/{studyId}` and `/s/{studyId}/*` (Bridge's form, `/mobile/{studyId}/*`, is then claimed
    with them). An app appears once per study."""

    model_config = _links({"oneOf": [_present("paths"), _present("components")]})

    app_id: Annotated[
        str,
        judged(app_links.app_id_problem),
        Field(
            alias="appID",
            description="TEAMID.bundle.id: the 10-character team id (A-Z, 0-9), a dot, and the "
            "bundle id (App Store Connect).",
            examples=[EXAMPLE_APP_ID],
            json_schema_extra={"pattern": APP_ID_PATTERN, "maxLength": app_links.MAX_APP_ID_LENGTH},
        ),
    ]
    paths: Annotated[
        Annotated[
            list[
                Annotated[
                    str,
                    judged(lambda value, path: app_links.pattern_problem(value, path, legacy=True)),
                    Field(
                        json_schema_extra={
                            "maxLength": MAX_PATTERN_LENGTH,
                            "pattern": LEGACY_PATH_PATTERN,
                        }
                    ),
                ]
            ],
            _not_empty(_PATHS),
            expecting(f"{HERE} must be a list of {_PATHS}"),
            Field(examples=[_EXAMPLE_PATHS], json_schema_extra={"minItems": 1}),
        ]
        | None,
        Field(),
    ] = _left_out()
    components: Annotated[
        Annotated[
            list[
                Annotated[
                    LinkComponent, expecting(f'{HERE} must be an object like {{"/": "/s/x/*"}}')
                ]
            ],
            _not_empty(_RULES),
            expecting(f"{HERE} must be a list of {_RULES}"),
            Field(json_schema_extra={"minItems": 1}),
        ]
        | None,
        Field(),
    ] = _left_out()
    # Bridge SDKs send the entity's name back; whatever it holds, it is ignored.
    type: Annotated[Any, Field(json_schema_extra=read_only(const="AppleAppLink"))] = None

    @model_validator(mode="wrap")
    @classmethod
    def _shape(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return model_rules(
            handler,
            data,
            found=_paths_or_components(data),
            required={"appID": f"{HERE} is required, like {EXAMPLE_APP_ID!r}"},
            unknown=_unknown("an apple app link", ("appID", "paths", "components")),
        )

    def value(self) -> app_links.AppleAppLink:
        return app_links.AppleAppLink(
            app_id=self.app_id,
            paths=tuple(self.paths or ()),
            components=tuple(component.value() for component in self.components or ()),
        )

    @classmethod
    def of(cls, link: app_links.AppleAppLink) -> AppleAppLink:
        components = [LinkComponent.of(component) for component in link.components]
        return cls.model_construct(
            app_id=link.app_id,
            paths=None if components else list(link.paths),
            components=components or None,
            type="AppleAppLink",
        )


def _unique_apps(value: Any) -> Found:
    """An app id listed twice: its paths belong in one entry."""
    found: Found = {}
    seen: dict[str, int] = {}
    for index, item in enumerate(value if isinstance(value, list) else []):
        app_id = item.get("appID") if isinstance(item, dict) else None
        if not isinstance(app_id, str):
            continue
        if app_id in seen:
            found[(index, "appID")] = [
                f"{HERE} {app_id} is already listed at appleAppLinks[{seen[app_id]}]; give each "
                "app once, with all its paths"
            ]
        else:
            seen[app_id] = index
    return found


AppleAppLinks = Annotated[
    list[Annotated[AppleAppLink, expecting(f"{HERE} must be an object with appID and paths")]],
    also(_unique_apps),
    # What the document can say of the rule above: at least no entry twice.
    Field(json_schema_extra={"uniqueItems": True}),
    expecting(
        f'{HERE} must be a list like [{{"appID": "{EXAMPLE_APP_ID}", '
        '"paths": ["/s/sleep-study", "/s/sleep-study/*"]}]'
    ),
]


# --- android -------------------------------------------------------------------------------


def _fingerprint_count(value: Any) -> Found:
    if not isinstance(value, list):
        return {}
    if not value:
        return {(): [f"{HERE} cannot be empty: give at least one of SHA-256 fingerprints"]}
    if len(value) > app_links.MAX_FINGERPRINTS:
        return {(): [f"{HERE} must list at most {app_links.MAX_FINGERPRINTS}"]}
    return {}


Fingerprint = Annotated[
    str,
    judged(app_links.fingerprint_problem, null_too=True),
    Field(
        description="SHA-256 of the signing certificate: 32 bytes as colon-separated hex (Play "
        "Console > App integrity).",
        examples=[EXAMPLE_FINGERPRINT],
        json_schema_extra={"pattern": FINGERPRINT_PATTERN},
    ),
]


class AndroidAppLink(Schema):
    """An Android app that opens the study's sign-in links. A package and fingerprint appear
    once per study. Fingerprints are accepted in any case and stored upper-case."""

    model_config = _links()

    namespace: Annotated[Literal["android_app"], expecting(f'{HERE} must be "{ANDROID_NAMESPACE}"')]
    package_name: Annotated[
        str,
        judged(app_links.package_name_problem),
        Field(
            alias="package_name",
            description="The applicationId: two or more parts, each starting with a letter, "
            "none a Java keyword.",
            examples=[EXAMPLE_PACKAGE],
            json_schema_extra={
                "pattern": PACKAGE_NAME_PATTERN,
                "maxLength": app_links.MAX_PACKAGE_NAME_LENGTH,
            },
        ),
    ]
    sha256_cert_fingerprints: Annotated[
        list[Fingerprint],
        also(_fingerprint_count),
        expecting(f"{HERE} must be a list of SHA-256 fingerprints"),
        Field(
            alias="sha256_cert_fingerprints",
            description="Each fingerprint once (compared without regard to case), and each "
            "package and fingerprint once in the study.",
            json_schema_extra={
                "minItems": 1,
                "maxItems": app_links.MAX_FINGERPRINTS,
                "uniqueItems": True,
            },
        ),
    ]
    type: Annotated[Any, Field(json_schema_extra=read_only(const="AndroidAppLink"))] = None

    @model_validator(mode="wrap")
    @classmethod
    def _shape(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return model_rules(
            handler,
            data,
            required={
                "namespace": f'{HERE} is required "{ANDROID_NAMESPACE}"',
                "package_name": f"{HERE} is required, like {EXAMPLE_PACKAGE!r}",
                "sha256_cert_fingerprints": f"{HERE} is required: the SHA-256 fingerprints of "
                f'the certificates the app is signed with, like ["{SHORT_FINGERPRINT}"]',
            },
            unknown=_unknown(
                "an android app link", ("namespace", "package_name", "sha256_cert_fingerprints")
            ),
        )

    def value(self) -> app_links.AndroidAppLink:
        return app_links.AndroidAppLink(
            self.package_name,
            tuple(fingerprint.upper() for fingerprint in self.sha256_cert_fingerprints),
        )

    @classmethod
    def of(cls, link: app_links.AndroidAppLink) -> AndroidAppLink:
        return cls.model_construct(
            namespace=link.namespace,
            package_name=link.package_name,
            sha256_cert_fingerprints=list(link.sha256_cert_fingerprints),
            type="AndroidAppLink",
        )


def _unique_android_apps(value: Any) -> Found:
    """A package and fingerprint listed twice (judged once both are right)."""
    found: Found = {}
    seen: dict[tuple[str, str], str] = {}
    for index, item in enumerate(value if isinstance(value, list) else []):
        if not isinstance(item, dict):
            continue
        package, prints = item.get("package_name"), item.get("sha256_cert_fingerprints")
        if not isinstance(package, str) or app_links.package_name_problem(package, ""):
            continue
        for number, entry in enumerate(prints if isinstance(prints, list) else []):
            if not isinstance(entry, str) or app_links.fingerprint_problem(entry, ""):
                continue
            key = (package, entry.upper())
            if key in seen:
                found[(index, "sha256_cert_fingerprints", number)] = [
                    f"{HERE} is already listed for {package} at {seen[key]}; give each app "
                    "(package and fingerprint) once"
                ]
            else:
                seen[key] = f"androidAppLinks[{index}].sha256_cert_fingerprints[{number}]"
    return found


AndroidAppLinks = Annotated[
    list[
        Annotated[
            AndroidAppLink,
            expecting(
                f"{HERE} must be an object with namespace, package_name and "
                "sha256_cert_fingerprints"
            ),
        ]
    ],
    also(_unique_android_apps),
    # What the document can say of the rule above: at least no entry twice.
    Field(json_schema_extra={"uniqueItems": True}),
    expecting(
        f'{HERE} must be a list like [{{"namespace": "android_app", "package_name": '
        f'"{EXAMPLE_PACKAGE}", "sha256_cert_fingerprints": ["{SHORT_FINGERPRINT}"]}}]'
    ),
]


# --- install links and the URL scheme ------------------------------------------------------


def _store_link(store: str) -> Any:
    return judged(lambda value, path: app_links.install_url_problem(value, path, store))


def _install_url(store: str) -> Any:
    return Field(
        description=f"The app's {store} page.",
        json_schema_extra={
            "pattern": INSTALL_URL_PATTERN,
            "maxLength": app_links.MAX_INSTALL_URL_LENGTH,
        },
    )


class InstallLinks(Schema):
    """Where to install the app (https only)."""

    model_config = _links()

    ios: Annotated[str, _store_link("App Store"), _install_url("App Store")] | None = None
    android: Annotated[str, _store_link("Google Play"), _install_url("Google Play")] | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _shape(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return model_rules(
            handler,
            data,
            unknown=lambda key: app_links.install_platform_problem(key, HERE),
        )

    def value(self) -> app_links.InstallLinks:
        return app_links.InstallLinks(ios=self.ios, android=self.android)

    @classmethod
    def of(cls, links: app_links.InstallLinks) -> InstallLinks:
        return cls.model_construct(ios=links.ios, android=links.android)


INSTALL_LINKS_OBJECT = (
    f'{HERE} must be an object like {{"ios": "https://apps.apple.com/app/id123456789", '
    '"android": "https://play.google.com/store/apps/details?id=org.example.sleep"}'
)

UrlScheme = Annotated[
    str,
    judged(app_links.url_scheme_problem),
    Field(
        description="The app's custom URL scheme (lower case), for a fallback link that carries "
        "no secret. Not a scheme the system owns: "
        + ", ".join(sorted(app_links.RESERVED_SCHEMES))
        + ".",
        examples=["sleepstudy"],
        json_schema_extra={
            "pattern": URL_SCHEME_PATTERN,
            "maxLength": app_links.MAX_URL_SCHEME_LENGTH,
        },
    ),
]
