"""The console's routes, in the operation table like every endpoint (tag "Console").

They are pages for people (HTML), open to anyone at the table's level: each page checks the
console session itself (``forms.signed_in``) and sends a browser without one to the sign-in
page; each POST also checks the session's CSRF token.
"""

from __future__ import annotations

from collections.abc import Mapping

from service.api.console import (
    app_links,
    assets,
    dead_letters,
    funnel,
    onboarding,
    participants,
    sign_in,
    studies,
    study_settings,
    template_editor,
)
from service.api.operations import Answer, Handler, Operation, Parameter
from service.api.routes.parameters import PARTICIPANT_ID, STUDY_ID

_TAG = "Console"
_HTML = {"type": "string"}
_PAGE = Answer("The page.", schema=_HTML, media_type="text/html")
_TO_SIGN_IN = Answer(
    "To the next page (or to the sign-in page without a session).",
    media_type="text/plain",
    headers={"Location": {"schema": {"type": "string"}}},
)
_FORBIDDEN = Answer(
    "The form did not carry the session's CSRF token: nothing changed.",
    schema=_HTML,
    media_type="text/html",
)
_INVALID = Answer(
    "The form again, each problem next to its field.", schema=_HTML, media_type="text/html"
)


def _get(
    path: str, operation_id: str, handler: Handler, summary: str, *params: Parameter
) -> Operation:
    return Operation(
        "GET",
        path,
        operation_id,
        handler,
        _TAG,
        summary,
        {200: _PAGE, 303: _TO_SIGN_IN},
        parameters=params,
    )


def _post(
    path: str,
    operation_id: str,
    handler: Handler,
    summary: str,
    *params: Parameter,
    more: Mapping[int, Answer] | None = None,
) -> Operation:
    return Operation(
        "POST",
        path,
        operation_id,
        handler,
        _TAG,
        summary,
        {
            303: _TO_SIGN_IN,
            200: _PAGE,
            400: _INVALID,
            403: _FORBIDDEN,
            409: _INVALID,
            **(more or {}),
        },
        description="A form post (application/x-www-form-urlencoded) with the CSRF token `csrf`.",
        parameters=params,
    )


_STUDY = "/console/studies/{study_id}"

operations = [
    Operation(
        "GET",
        "/console",
        "consoleHome",
        sign_in.console_home,
        _TAG,
        "The researchers' web console: to its studies, or to its sign-in page.",
        {303: _TO_SIGN_IN},
    ),
    _get("/console/sign-in", "consoleSignInPage", sign_in.sign_in_page, "The sign-in form."),
    _post("/console/sign-in", "consoleSignIn", sign_in.sign_in, "Sign in with an admin key."),
    _post("/console/sign-out", "consoleSignOut", sign_in.sign_out, "End the console session."),
    _get("/console/studies", "consoleStudies", studies.studies_page, "The studies."),
    _post("/console/studies", "consoleCreateStudy", studies.create_study, "Create a study."),
    _get(_STUDY, "consoleStudy", study_settings.settings_page, "A study's settings.", STUDY_ID),
    _post(
        _STUDY,
        "consoleSaveStudy",
        study_settings.save_settings,
        "Save a study's settings.",
        STUDY_ID,
    ),
    _get(
        f"{_STUDY}/app-links",
        "consoleAppLinks",
        app_links.app_links_page,
        "A study's app links, and the association files they produce.",
        STUDY_ID,
    ),
    _post(
        f"{_STUDY}/app-links",
        "consoleSaveAppLinks",
        app_links.save_app_links,
        "Save a study's app links.",
        STUDY_ID,
    ),
    _get(
        f"{_STUDY}/template",
        "consoleTemplate",
        template_editor.template_page,
        "A study's sign-in email, with a live preview.",
        STUDY_ID,
    ),
    _post(
        f"{_STUDY}/template",
        "consoleSaveTemplate",
        template_editor.save_template,
        "Save a study's sign-in email.",
        STUDY_ID,
    ),
    _get(
        f"{_STUDY}/participants",
        "consoleParticipants",
        participants.participants_page,
        "A study's participants: search, add, disable, delete.",
        STUDY_ID,
    ),
    _post(
        f"{_STUDY}/participants",
        "consoleAddParticipant",
        participants.add_participant,
        "Add a participant.",
        STUDY_ID,
    ),
    _post(
        f"{_STUDY}/participants/{{participant_id}}",
        "consoleChangeParticipant",
        participants.change_participant,
        "Disable, enable or delete a participant, or send them a sign-in link (action = "
        "disable, enable, delete or send-link).",
        STUDY_ID,
        PARTICIPANT_ID,
        more={
            429: Answer(
                "A limit refused the sign-in link (the study's interval, or the client's): the "
                "page says so and when to try again.",
                schema=_HTML,
                media_type="text/html",
                headers={
                    "Retry-After": {
                        "description": "Seconds until a link may be asked for again.",
                        "schema": {"type": "integer", "minimum": 1},
                    }
                },
            )
        },
    ),
    _get(
        f"{_STUDY}/onboarding",
        "consoleOnboarding",
        onboarding.onboarding_page,
        "Onboarding from a CSV file: the upload form.",
        STUDY_ID,
    ),
    Operation(
        "POST",
        f"{_STUDY}/onboarding",
        "consoleOnboard",
        onboarding.onboard_file,
        _TAG,
        "Add and email the participants of a CSV file; the result of each row.",
        {
            303: _TO_SIGN_IN,
            200: _PAGE,
            400: _INVALID,
            403: _FORBIDDEN,
            413: Answer(
                f"The upload is over {onboarding.MAX_FILE_BYTES // (1024 * 1024)} MB: the form "
                "again, saying so; nothing was done.",
                schema=_HTML,
                media_type="text/html",
            ),
        },
        description="A form post (multipart/form-data): the CSRF token `csrf`, the CSV file "
        f"`file` (at most {onboarding.MAX_FILE_BYTES // (1024 * 1024)} MB and "
        f"{onboarding.MAX_ROWS} rows) and `force` (on: email again those who had theirs).",
        parameters=(STUDY_ID,),
    ),
    _get(
        f"{_STUDY}/funnel",
        "consoleFunnel",
        funnel.funnel_page,
        "A study's sign-in funnel: the last 30 days as a chart, a table and totals.",
        STUDY_ID,
    ),
    _get(
        dead_letters.PATH,
        "consoleDeadLetters",
        dead_letters.dead_letters_page,
        "Emails that failed for good.",
    ),
    _post(
        dead_letters.PATH,
        "consoleChangeDeadLetters",
        dead_letters.change_dead_letters,
        "Retry or delete a dead letter, or all (action = retry or purge; id = an id or all).",
        more={
            404: Answer(
                "The dead letter is gone (retried or deleted already): the list, saying so.",
                schema=_HTML,
                media_type="text/html",
            )
        },
    ),
    *assets.operations,
]
