"""A study's app links page: the apps that open its sign-in links, where to install them, and the
association files they produce, saved with the version the page started from (``study_form``).

Below the form, this study's part of ``/.well-known/apple-app-site-association`` and
``/.well-known/assetlinks.json``, built by the same functions that build the served files
(``service/deeplinks/association.py``) from the study as saved, pretty-printed. They are text
in a ``<pre>``: autoescaped, never markup.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response

from service.api.console import app_links_form as links
from service.api.console import pages
from service.api.console.forms import form_of, signed_in
from service.api.console.session import ConsoleSession
from service.api.console.study_form import Outcome, save, snapshot
from service.api.context import services
from service.api.schemas.studies import editable
from service.deeplinks.association import (
    AASA_PATH,
    ASSETLINKS_PATH,
    apple_app_site_association,
    asset_links,
)
from service.studies.model import Study


def _pretty(document: object) -> str:
    return json.dumps(document, indent=2)


def _page(
    request: Request, current: ConsoleSession, study: Study, outcome: Outcome, status_code: int
) -> Response:
    values = outcome.values or {}
    apple_rows = links.count(values, links.APPLE) + 1  # one blank row: add an app without a script
    android_rows = links.count(values, links.ANDROID) + 1
    labels = links.labels(apple_rows, android_rows)
    return pages.page(
        request,
        "app_links.html",
        current,
        status_code,
        study=study,
        values=values,
        apple_rows=apple_rows,
        android_rows=android_rows,
        component_apps=[link for link in study.apple_app_links if link.components],
        labels=labels,
        # The error summary's links: each path to its field's id.
        anchors={path: (links.field_id(path), label) for path, label in labels.items()},
        field_id=links.field_id,
        path_of=links.name,
        **outcome.page_context(request),
        aasa=_pretty(apple_app_site_association([study])),
        assetlinks=_pretty(asset_links([study])),
        aasa_path=AASA_PATH,
        assetlinks_path=ASSETLINKS_PATH,
        sign_in_path=f"/s/{study.identifier}",
    )


@signed_in
async def app_links_page(request: Request, current: ConsoleSession) -> Response:
    study = await services(request).studies.get(request.path_params["study_id"])
    values = links.values_of(editable(study))
    outcome = Outcome(values=values, version=study.version, base=snapshot(values))
    return _page(request, current, study, outcome, 200)


@signed_in
async def save_app_links(request: Request, current: ConsoleSession) -> Response:
    study = await services(request).studies.get(request.path_params["study_id"])
    form = form_of(request)
    page = links.study_form(links.fields_of(form), links.values_of(editable(study)))
    outcome = await save(request, current, study, form, page, "the app links")
    if outcome.saved is not None:
        return pages.see_other(f"/console/studies/{study.identifier}/app-links?saved=1")
    if outcome.conflict is not None:  # the files below show the study as it is now
        study = await services(request).studies.get(study.identifier)
    return _page(request, current, study, outcome, 409 if outcome.conflict is not None else 400)
