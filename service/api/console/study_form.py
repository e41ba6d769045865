"""Saving a console form of a study: the whole study the API's PUT takes, with the page's fields
from the form and the version the researcher started from.

The form carries that version (hidden), and a snapshot of the page's fields as they were when
the page was drawn (``base``). The save runs the API's own handler (``routes/studies``), which
refuses a stale version (409, ``StaleVersion``); the page then names the fields somebody else
changed since, from the snapshot and the stored study, and keeps the researcher's input.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request

from service.api.console.errors import by_field
from service.api.console.forms import field
from service.api.console.session import ConsoleSession
from service.api.context import services
from service.api.routes import studies as study_routes
from service.api.schemas.studies import StudyUpdate, editable
from service.api.validation import validated
from service.errors import Invalid, StaleVersion
from service.studies.model import Study

log = logging.getLogger(__name__)

Values = dict[str, str]  # the page's fields as the form writes them


@dataclass(frozen=True)
class StudyForm:
    """One page's share of the study: how to draw its fields, and how to write them back."""

    labels: Mapping[str, str]  # field name -> label, in the page's order
    values_of: Callable[[dict[str, Any]], Values]  # the study's JSON -> the form's values
    write: Callable[[FormData, dict[str, Any]], None]  # the form -> into the study's JSON
    fields_of: Callable[[FormData], Values]  # what the researcher sent, to draw again


@dataclass
class Outcome:
    saved: Study | None = None
    values: Values | None = None
    errors: dict[str, list[str]] | None = None
    other_errors: list[str] | None = None
    conflict: list[tuple[str, str, str]] | None = None  # label, theirs, yours
    version: int = 0
    base: str = ""

    def page_context(self, request: Request) -> dict[str, Any]:
        """What every page with a study form shows of the outcome: errors, the conflict, the
        version the form starts from, and whether it was just saved."""
        return {
            "errors": self.errors or {},
            "other_errors": self.other_errors or [],
            "conflict": self.conflict,
            "version": self.version,
            "base": self.base,
            "saved": request.query_params.get("saved") == "1",
        }


def snapshot(values: Values) -> str:
    return json.dumps(values, sort_keys=True)


def _base_of(form: FormData) -> Values:
    try:
        found = json.loads(field(form, "base"))
    except ValueError:
        return {}
    if not isinstance(found, dict):
        return {}
    return {str(k): str(v) for k, v in found.items()}


def _version_of(form: FormData) -> int | None:
    raw = field(form, "version").strip()
    return int(raw) if raw.isdigit() else None


async def save(
    request: Request,
    current: ConsoleSession,
    study: Study,
    form: FormData,
    page: StudyForm,
    what: str,
) -> Outcome:
    """Save the page's fields into ``study`` (as stored now) at the form's version."""
    body = editable(study)
    page.write(form, body)
    body["version"] = _version_of(form)
    sent = page.fields_of(form)
    try:
        update = validated(StudyUpdate, body, "Study")
        answer = await study_routes.update_study(request, update)
    except Invalid as invalid:
        placed, left = by_field(invalid.errors, page.labels)
        return Outcome(
            values=sent,
            errors=placed,
            other_errors=left,
            version=body["version"] or study.version,
            base=field(form, "base"),
        )
    except StaleVersion as stale:
        fresh = await services(request).studies.get(study.identifier)
        theirs = page.values_of(editable(fresh))
        started = _base_of(form)
        # Three ways: a field only they changed takes their value; one only the researcher
        # changed keeps the researcher's; one both changed keeps the researcher's
        # input and is named, for them to decide.
        merged = dict(sent)
        changed: list[tuple[str, str, str]] = []
        for name, label in page.labels.items():
            now, before, mine = theirs.get(name, ""), started.get(name, ""), sent.get(name, "")
            if now == before:
                continue
            if mine == before:
                merged[name] = now
            changed.append((label, now, merged[name]))
        log.info(
            "console: key %r: %s of study %s refused, the study changed (now version %d)",
            current.name,
            what,
            study.identifier,
            stale.current_version,
        )
        # Saving again now writes over their change knowingly: the form starts from theirs.
        return Outcome(
            values=merged, conflict=changed, version=stale.current_version, base=snapshot(theirs)
        )
    saved = json.loads(bytes(answer.body))
    log.info(
        "console: key %r updated %s of study %s (version %s)",
        current.name,
        what,
        study.identifier,
        saved.get("version"),
    )
    return Outcome(saved=study)
