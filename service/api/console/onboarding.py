"""Onboarding from an uploaded CSV file: each usable address becomes a participant (if missing)
and gets its onboarding email, through the same use case as ``POST /v3/studies/{id}/onboarding``
and ``magiclink onboard`` (``service/provisioning/onboarding.py``); the page then says, row by
row, what happened. Unusable rows are reported with their reason and skipped, not fatal.

The upload is capped (``MAX_FILE_BYTES``, ``MAX_ROWS``): beyond, the page says so and nothing is
done. The log names the key and the counts, never an address.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from service.api.console import pages
from service.api.console.forms import (
    UPLOAD_PROBLEM,
    UploadRefused,
    Uploads,
    field,
    form_of,
    uploads,
)
from service.api.console.session import ConsoleSession
from service.api.context import services
from service.provisioning.address_csv import (
    AddressRow,
    UnreadableList,
    address_rows,
    decoded,
)
from service.provisioning.install_links import install_links_warning
from service.provisioning.onboarding import AddressOutcome

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 1024 * 1024
MAX_ROWS = 10_000
# The form's other fields (csrf, force) and the multipart framing, on top of the file.
_FRAMING_BYTES = 16 * 1024


@dataclass(frozen=True)
class RowReport:
    """One row of the file, and what became of it."""

    line: int
    address: str
    problem: str | None = None  # invalid: why
    repeated: bool = False  # the same address on an earlier line
    added: bool = False  # a new participant (else already there)
    emailed: bool = False  # its onboarding email queued (else it had one already)

    @classmethod
    def of(cls, row: AddressRow, outcome: AddressOutcome | None) -> RowReport:
        if outcome is None:
            return cls(row.line, row.address, problem=row.problem)
        return cls(
            row.line,
            row.address,
            repeated=outcome.repeated,
            added=outcome.result.created > 0,
            emailed=outcome.result.queued > 0,
        )


def _page(
    request: Request,
    current: ConsoleSession,
    status_code: int = 200,
    error: str = "",
    reports: list[RowReport] | None = None,
    force: bool = False,
    warning: str | None = None,
) -> Response:
    found = reports or []
    usable = [report for report in found if report.problem is None and not report.repeated]
    return pages.page(
        request,
        "onboarding.html",
        current,
        status_code,
        study_id=request.path_params["study_id"],
        error=error,
        reports=found,
        force=force,
        warning=warning,
        counts={
            "rows": len(found),
            "added": sum(report.added for report in usable),
            "there": sum(not report.added for report in usable),
            "invalid": sum(report.problem is not None for report in found),
            "repeated": sum(report.repeated for report in found),
            "emailed": sum(report.emailed for report in usable),
        },
        max_megabytes=MAX_FILE_BYTES // (1024 * 1024),
        max_rows=MAX_ROWS,
    )


async def _refused(request: Request, current: ConsoleSession) -> Response:
    await services(request).studies.get(request.path_params["study_id"])  # 404 when unknown
    refused: UploadRefused = getattr(request.state, UPLOAD_PROBLEM)
    if refused.too_large:
        return _page(request, current, 413, error=_too_large())
    return _page(request, current, 400, error=refused.message)


def _too_large() -> str:
    return (
        f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB. Nothing was done: split "
        "it into smaller files."
    )


LIMITS = Uploads(MAX_FILE_BYTES + _FRAMING_BYTES, max_fields=10, refused=_refused)


@uploads(LIMITS)
async def onboarding_page(request: Request, current: ConsoleSession) -> Response:
    study = await services(request).studies.get(request.path_params["study_id"])  # 404: unknown
    return _page(request, current, warning=install_links_warning(study))


async def _rows(upload: object) -> list[AddressRow] | str:
    """The file's rows, or why there are none to use."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        return "Choose a CSV file with the participants' addresses."
    data = await upload.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        return _too_large()
    try:
        return address_rows(decoded(data), MAX_ROWS)
    except UnreadableList as unreadable:
        return f"{unreadable} Nothing was done."


@uploads(LIMITS)
async def onboard_file(request: Request, current: ConsoleSession) -> Response:
    svc = services(request)
    study = await svc.studies.get(request.path_params["study_id"])
    form = form_of(request)
    force = field(form, "force") == "on"
    rows = await _rows(form.get("file"))
    warning = install_links_warning(study)
    if isinstance(rows, str):
        return _page(request, current, 400, error=rows, force=force, warning=warning)
    usable = [row for row in rows if row.problem is None]
    outcomes = [
        outcome
        async for outcome in svc.onboarding.each(
            study.identifier, [row.address for row in usable], force
        )
    ]
    done = dict(zip((id(row) for row in usable), outcomes, strict=True))
    reports = [RowReport.of(row, done.get(id(row))) for row in rows]
    log.info(
        "console: key %r onboarded from a file in study %s: %d rows, %d added, %d emailed, "
        "%d invalid",
        current.name,
        study.identifier,
        len(reports),
        sum(report.added for report in reports),
        sum(report.emailed for report in reports),
        sum(report.problem is not None for report in reports),
    )
    return _page(request, current, reports=reports, force=force, warning=warning)
