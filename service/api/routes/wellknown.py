"""``/.well-known/apple-app-site-association`` and ``/.well-known/assetlinks.json``.

Apple's CDN and Android's verifier fetch these: 200 at exactly this URL (never a redirect),
``Content-Type: application/json`` exactly, a strong ETag (``If-None-Match`` answers 304) and a
short ``Cache-Control``. The files are built from every study (``service/deeplinks/association``)
and kept in process while the studies' version in Redis stays the same: one small read per
request, and a study saved through any process shows in the next answer of every process.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from service.api.context import services
from service.api.operations import Answer, Handler, Operation, Parameter
from service.api.schemas.association import AppleAppSiteAssociation, AssetLinks
from service.deeplinks.association import (
    AASA_PATH,
    ASSETLINKS_PATH,
    MAX_AASA_BYTES,
    AssociationFiles,
    ServedFile,
    kilobytes,
)
from service.store.studies import StudyStore

log = logging.getLogger(__name__)

CACHE_CONTROL = "public, max-age=300"
MEDIA_TYPE = "application/json"  # exactly: Apple refuses anything else, charset included
# A built copy is trusted this long even if the version cannot tell (Redis flushed, say).
REBUILD_SECONDS = 60.0


@dataclass(frozen=True)
class _Built:
    version: str
    at: float
    files: AssociationFiles


class AssociationCache:
    """The files as last built, with the studies' version they were built from."""

    def __init__(self) -> None:
        self._built: _Built | None = None

    async def files(self, studies: StudyStore) -> AssociationFiles:
        version = await studies.version()  # read before the studies: a later write shows
        built = self._built
        now = time.monotonic()
        if built is not None and built.version == version and now - built.at < REBUILD_SECONDS:
            return built.files
        files = AssociationFiles.build(await studies.all())
        size = len(files.apple_app_site_association.body)
        if size > MAX_AASA_BYTES:
            log.warning(
                "%s is %s, over Apple's limit of %d KB: iOS ignores it; shrink a study's "
                "appleAppLinks",
                AASA_PATH,
                kilobytes(size),
                MAX_AASA_BYTES // 1024,
            )
        self._built = _Built(version, now, files)
        return files


def _cache(app: Starlette) -> AssociationCache:
    cache: AssociationCache | None = getattr(app.state, "association_cache", None)
    if cache is None:
        cache = app.state.association_cache = AssociationCache()
    return cache


def _answer(request: Request, served: ServedFile) -> Response:
    headers = {
        "ETag": served.etag,
        "Cache-Control": CACHE_CONTROL,
        "X-Content-Type-Options": "nosniff",
    }
    if served.matches(request.headers.get("if-none-match")):
        return Response(status_code=304, headers=headers)
    return Response(served.body, media_type=MEDIA_TYPE, headers=headers)


async def apple_app_site_association(request: Request) -> Response:
    files = await _cache(request.app).files(services(request).studies.store)
    return _answer(request, files.apple_app_site_association)


async def assetlinks(request: Request) -> Response:
    files = await _cache(request.app).files(services(request).studies.store)
    return _answer(request, files.assetlinks)


_CACHE_HEADERS = {
    "ETag": {
        "description": "A strong validator: a hash of the file.",
        "required": True,
        "schema": {"type": "string", "pattern": '^"[0-9a-f]{32}"$'},
    },
    "Cache-Control": {
        "description": "Caches may keep the file a few minutes.",
        "required": True,
        "schema": {"type": "string"},
    },
}
_IF_NONE_MATCH = Parameter(
    "If-None-Match", "header", "The ETag of a copy you have: 304 while it is current."
)
_SERVED = (
    " Served at exactly this URL (no redirect) as exactly `application/json`, built from every "
    "study; a study change shows at once."
)


def _operation(
    path: str,
    operation_id: str,
    handler: Handler,
    summary: str,
    description: str,
    model: type[BaseModel],
) -> Operation:
    return Operation(
        "GET",
        path,
        operation_id,
        handler,
        "App links",
        summary,
        {
            200: Answer("The file.", model, headers=_CACHE_HEADERS),
            304: Answer("The copy named by If-None-Match is current.", headers=_CACHE_HEADERS),
        },
        description=description + _SERVED,
        parameters=(_IF_NONE_MATCH,),
    )


operations = [
    _operation(
        AASA_PATH,
        "appleAppSiteAssociation",
        apple_app_site_association,
        "The iOS apps that open sign-in links as universal links.",
        f"Apple's CDN fetches it (at most {MAX_AASA_BYTES // 1024} KB): each study's "
        "appleAppLinks, in both the modern and the legacy form, plus webcredentials.",
        AppleAppSiteAssociation,
    ),
    _operation(
        ASSETLINKS_PATH,
        "assetLinks",
        assetlinks,
        "The Android apps that open sign-in links as App Links.",
        "Android verifies App Links against it: one statement per app of the studies' "
        "androidAppLinks (handle_all_urls and get_login_creds), limited on Android 15+ to the "
        "studies' sign-in paths.",
        AssetLinks,
    ),
]
