"""Admin API: a study's managed app configuration for MDM/EMM consoles, in three formats.

See ``service/provisioning/appconfig.py`` for the key list and the formats.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from service.api.routes.admin_auth import require_admin
from service.api.routes.context import services
from service.api.routes.methods import Handler, route
from service.errors import Invalid
from service.provisioning.appconfig import (
    MissingAppLink,
    app_restrictions_xml,
    appconfig_xml,
    managed_config_plist,
)
from service.settings import Settings
from service.studies.model import Study

Builder = Callable[[Settings, Study], bytes]

EXPORTS_PATH = "/v3/studies/{study_id}/provisioning"
# name in the path -> (builder, media type)
EXPORTS: dict[str, tuple[Builder, str]] = {
    "appconfig.xml": (appconfig_xml, "application/xml"),
    "managed-config.plist": (managed_config_plist, "application/x-plist"),
    "app_restrictions.xml": (app_restrictions_xml, "application/xml"),
}


def _export(filename: str, build: Builder, media_type: str) -> Handler:
    async def handler(request: Request) -> Response:
        await require_admin(request)
        svc = services(request)
        study = await svc.study(request.path_params["study_id"])
        try:
            content = build(svc.settings, study)
        except MissingAppLink as exc:
            raise Invalid("Study", {exc.field: [exc.message]}) from None
        return Response(
            content,
            media_type=media_type,
            headers={
                "Content-Disposition": f'attachment; filename="{study.identifier}-{filename}"',
                "Cache-Control": "no-store",
            },
        )

    return handler


routes = [
    route(f"{EXPORTS_PATH}/{filename}", GET=_export(filename, build, media_type))
    for filename, (build, media_type) in EXPORTS.items()
]
