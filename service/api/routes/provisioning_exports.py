"""Admin API: a study's managed app configuration for MDM/EMM consoles, in three formats.

See ``service/provisioning/appconfig.py`` for the key list and the formats. ``?profile=`` picks
whose key list: ``study`` (the study's own app, the default) or ``mattermost`` (Mattermost's
apps, ``service/provisioning/mattermost.py``), whose values come from the other query
parameters (``?profile=mattermost&serverUrl=https://chat.example.org&allowOtherServers=false``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from service.api.context import services
from service.api.operations import Access, Answer, Failure, Operation, Parameter
from service.api.routes.parameters import NO_STUDY, STUDY_ID
from service.errors import Invalid
from service.provisioning import mattermost
from service.provisioning.appconfig import EXPORTS, Export, MissingAppLink

EXPORTS_PATH = "/v3/studies/{study_id}/provisioning"


@dataclass(frozen=True)
class Documented:
    """How the API documents one of the MDM exports."""

    export: Export
    operation_id: str
    summary: str
    description: str


_BY_FILENAME = {export.filename: export for export in EXPORTS}
DOCUMENTED = (
    Documented(
        _BY_FILENAME["appconfig.xml"],
        "getStudyAppConfigSpecfile",
        "The AppConfig Community specfile for the study's iOS app.",
        "`managedAppConfiguration` with `version`, `bundleId` (from the first `appleAppLinks` "
        "entry), `dict` (each key with its type and default) and `presentation` (labels for the "
        "MDM console). Upload it to an MDM that reads AppConfig specfiles.",
    ),
    Documented(
        _BY_FILENAME["managed-config.plist"],
        "getStudyManagedConfigPlist",
        "The managed app configuration an MDM pushes to the study's iOS app.",
        "A flat property list (`com.apple.configuration.managed`) with every key filled in: "
        "`serverUrl`, `studyId`, `allowOtherServers`, `username` (an MDM variable for the "
        "user's email address; see the README for each MDM's spelling).",
    ),
    Documented(
        _BY_FILENAME["app_restrictions.xml"],
        "getStudyAppRestrictions",
        "The Android managed-configuration schema for the study's app.",
        "`restrictions` with one `restriction` per key (`android:key`, "
        "`android:restrictionType`, `android:title`, `android:defaultValue`): the app's "
        "`res/xml/app_restrictions.xml`.",
    ),
)


def _handler(export: Export) -> Callable[[Request], Awaitable[Response]]:
    async def handler(request: Request) -> Response:
        svc = services(request)
        study = await svc.studies.get(request.path_params["study_id"])
        profile = request.query_params.get("profile", "study")
        if profile == "mattermost":
            content = _mattermost(export, request)
        elif profile == "study":
            try:
                content = export.build(svc.settings, study)
            except MissingAppLink as exc:
                raise Invalid("Study", {exc.field: [exc.message]}) from None
        else:
            raise Invalid("Provisioning", {"profile": [PROFILE_PROBLEM.format(profile)]})
        prefix = "mattermost-" if profile == "mattermost" else ""
        return Response(
            content,
            media_type=export.media_type,
            headers={
                "Content-Disposition": (
                    f'attachment; filename="{study.identifier}-{prefix}{export.filename}"'
                ),
                "Cache-Control": "no-store",
            },
        )

    return handler


PROFILE_PROBLEM = "profile is study or mattermost; got {!r}"


def _mattermost(export: Export, request: Request) -> bytes:
    """The file with Mattermost's key list; each other query parameter sets one key."""
    given = [(k, v) for k, v in request.query_params.multi_items() if k != "profile"]
    try:
        values = mattermost.values(given)
    except mattermost.WrongOption as wrong:
        raise Invalid("Provisioning", {wrong.key: [wrong.message]}) from None
    return export.render(mattermost.BUNDLE_ID, mattermost.KEYS, values)


_PROFILE = Parameter(
    "profile",
    "query",
    "Whose key list: `study` (the study's own app; default) or `mattermost` (Mattermost's "
    "mobile apps: each other query parameter sets one of Mattermost's AppConfig keys, e.g. "
    "`serverUrl=https://chat.example.org&allowOtherServers=false`; a value of the wrong type "
    "is refused with 400 naming the key).",
    {"type": "string", "enum": ["study", "mattermost"], "default": "study"},
)
_WRONG_OPTION = Failure(
    "An unknown profile, or a value of the wrong type for one of the profile's keys (or an "
    "unknown key); `errors` names it.",
    ("InvalidEntityException",),
)


_HEADERS = {
    "Content-Disposition": {
        "description": '`attachment; filename="{studyId}-{file}"`.',
        "required": True,
        "schema": {"type": "string"},
    },
    "Cache-Control": {
        "description": "`no-store`: the file names the service's own URL and study.",
        "required": True,
        "schema": {"type": "string"},
    },
}
_NO_APPLE_APP = Failure(
    "The study lacks an app link the format needs (the AppConfig specfile names the iOS app by "
    "the bundle id of the first `appleAppLinks` entry); `errors` names the field.",
    ("InvalidEntityException",),
)


def _operation(documented: Documented) -> Operation:
    export = documented.export
    wrong = (
        Failure(f"{_NO_APPLE_APP.description} {_WRONG_OPTION.description}", _NO_APPLE_APP.types)
        if export.needs_apple_app
        else _WRONG_OPTION
    )
    failures = {404: NO_STUDY, 400: wrong}
    return Operation(
        "GET",
        f"{EXPORTS_PATH}/{export.filename}",
        documented.operation_id,
        _handler(export),
        "Studies",
        documented.summary,
        {
            200: Answer(
                "The file (sent as an attachment).",
                schema={"type": "string"},
                media_type=export.media_type,
                headers=_HEADERS,
            )
        },
        description=documented.description,
        access=Access.ADMIN,
        parameters=(STUDY_ID, _PROFILE),
        failures=failures,
    )


operations = [_operation(documented) for documented in DOCUMENTED]
