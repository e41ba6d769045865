"""The OpenAPI document: complete (every route, every method), valid, and true to the code."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic.alias_generators import to_camel
from schemathesis.specs.openapi.definitions import OPENAPI_31
from starlette.routing import Route

from service import errors
from service.accounts.edits import ParticipantEdit
from service.accounts.email_address import DOCUMENTED_LETTERS, MAX_LENGTH, address_problem
from service.accounts.participant import Participant
from service.api import errors as api_errors
from service.api.application import create_app
from service.api.document import OPENAPI_VERSION, openapi_document
from service.api.errors import ERROR_TYPES, answer
from service.api.schemas import studies as study_bodies
from service.api.schemas.auth import (
    DOCUMENTED_INTERNATIONAL_LOCAL_PART,
    DOCUMENTED_LOCAL_PART,
    EMAIL_PATTERN,
)
from service.api.schemas.participants import StudyParticipant
from service.api.schemas.studies import IDENTIFIER_PATTERN
from service.api.schemas.text import SINGLE_LINE_NOT_BLANK, WHITESPACE
from service.auth.session_info import session_info
from service.settings import Settings
from service.studies import model
from service.studies.model import Study
from service.studies.templates import EmailTemplate, has_line_break
from tests.support.study_bodies import read_study

DOCUMENT = openapi_document()
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _routed() -> dict[str, set[str]]:
    """Every path the app answers, with its methods, in OpenAPI spelling."""
    app = create_app(Settings())
    routed: dict[str, set[str]] = {}
    for route in app.routes:
        assert isinstance(route, Route), f"{route!r}: document it and teach this test its kind"
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)  # {id:int} -> {id}
        routed.setdefault(path, set()).update(method.lower() for method in route.methods or ())
    return routed


def test_every_route_is_documented_with_its_methods() -> None:
    documented = {
        path: {method for method in item if method in HTTP_METHODS}
        for path, item in DOCUMENT["paths"].items()
    }
    routed = _routed()
    assert set(routed) - set(documented) == set(), "undocumented endpoints"
    assert set(documented) - set(routed) == set(), "documented endpoints the app does not route"
    for path, methods in routed.items():
        assert documented[path] == methods, path


def test_the_document_is_valid_openapi() -> None:
    assert DOCUMENT["openapi"] == OPENAPI_VERSION
    Draft202012Validator(OPENAPI_31).validate(DOCUMENT)


def test_the_served_copy_names_the_server() -> None:
    assert openapi_document("https://signin.example.org")["servers"] == [
        {"url": "https://signin.example.org"}
    ]
    assert "servers" not in DOCUMENT


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in DOCUMENT["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def test_operations_have_unique_ids_and_say_who_may_call() -> None:
    ids = [operation["operationId"] for _, _, operation in _operations()]
    assert len(ids) == len(set(ids))
    for path, method, operation in _operations():
        assert "security" in operation, f"{method} {path}"
        needs_key = bool(operation["security"])
        if path.startswith("/v3/studies"):
            assert operation["security"] == [{"adminBearer": []}], f"{method} {path}"
        if needs_key and not path.endswith("/auth/signOut"):
            assert "401" in operation["responses"], f"{method} {path}"


def test_rate_limited_and_unavailable_answers_carry_retry_after() -> None:
    for path, method, operation in _operations():
        for status in ("429", "503"):
            answer = operation["responses"].get(status)
            if answer is None or path == "/ready":  # readiness answers its own 503 body
                continue
            assert "Retry-After" in answer.get("headers", {}), f"{method} {path} {status}"


def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": DOCUMENT["components"]}
    )


PARTICIPANT = Participant(
    id="AbC_12-xyz",
    study_id="sleep-study",
    email="Ada@Example.org",
    status="enabled",
    consented=False,
    email_verified=True,
    created_on="2024-06-11T09:30:00.123Z",
)


@pytest.mark.parametrize("reauth_token", ["reauth-token", None])
def test_sessions_match_user_session_info(reauth_token: str | None) -> None:
    _validator("UserSessionInfo").validate(session_info(PARTICIPANT, "session", reauth_token))


def test_participants_match_study_participant() -> None:
    body = StudyParticipant.of(PARTICIPANT).model_dump(by_alias=True)
    _validator("StudyParticipant").validate(body)


@pytest.mark.parametrize(
    "template", [None, EmailTemplate("Sign in to ${studyName}", "Tap ${url}", "text/html")]
)
def test_studies_match_study(template: EmailTemplate | None) -> None:
    study = Study(
        identifier="sleep-study",
        name="Sleep Study",
        email_sign_in_template=template,
        created_on="2024-06-11T09:30:00.123Z",
        modified_on="2024-06-11T09:30:00.123Z",
    )
    body = study_bodies.Study.of(study).model_dump(mode="json", by_alias=True)
    _validator("Study").validate(body)
    assert body == study.to_json()  # the stored form is the answer
    listing = study_bodies.StudyList.of([study]).model_dump(mode="json", by_alias=True)
    _validator("StudyList").validate(listing)


def _error_examples() -> list[errors.DomainError | api_errors.HttpError]:
    return [
        api_errors.BadRequest("Request body is required: send a JSON object."),
        errors.Invalid("Study", {"name": ["name is required"]}),
        errors.NotAuthenticated("Not signed in."),
        errors.NotFound("Study"),
        errors.AccountNotFound(),
        errors.NotEnabled("Email sign-in is not enabled for this study."),
        api_errors.EndpointNotFound("No endpoint at /x."),
        api_errors.MethodNotAllowed("GET is not supported at /x."),
        errors.Conflict("taken"),
        errors.AlreadyExists("StudyParticipant", "taken (id x).", {"userId": "x"}),
        errors.StaleVersion("Study", 4),
        api_errors.PayloadTooLarge("too large"),
        errors.AccountDisabled(),
        errors.NotVerified(),
        errors.RateLimited("wait", 3),
        errors.Busy("later"),
        api_errors.ServiceUnavailable("later"),
    ]


@pytest.mark.parametrize("error", _error_examples(), ids=lambda error: type(error).__name__)
def test_errors_match_the_bridge_error_shape(
    error: errors.DomainError | api_errors.HttpError,
) -> None:
    _validator("BridgeError").validate(answer(error).body)


def test_every_error_type_is_documented() -> None:
    assert set(api_errors.ERROR_TYPES) == set(ERROR_TYPES)
    answered = {answer(error).body["type"] for error in _error_examples()}
    assert answered == set(ERROR_TYPES)


def test_the_documented_request_fields_are_the_parsed_ones() -> None:
    schemas = DOCUMENT["components"]["schemas"]
    # Every documented field of a study body reaches the study (the service sets the times).
    study_fields = {to_camel(field.name) for field in dataclasses.fields(Study)}
    # The service sets the times, and a new study's version; a change names the one it started
    # from (the stored version it replaces).
    written = study_fields - {"createdOn", "modifiedOn", "version"}
    assert set(schemas["StudyInput"]["properties"]) == written
    assert set(schemas["StudyUpdate"]["properties"]) == written | {"version"}
    assert set(schemas["StudyPatch"]["properties"]) == {"version"}  # and any study field
    # Every documented field of a participant edit reaches the use case.
    edit_fields = {to_camel(field.name) for field in dataclasses.fields(ParticipantEdit)}
    assert set(schemas["ParticipantInput"]["properties"]) == edit_fields


def test_the_documented_example_study_is_accepted() -> None:
    body = DOCUMENT["paths"]["/v3/studies"]["post"]["requestBody"]["content"]["application/json"]
    _validator("StudyInput").validate(body["example"])
    read_study(body["example"])


@pytest.mark.parametrize("identifier", ["ab", "sleep-study", "a" * 60, "0-9"])
def test_identifier_pattern_accepts_what_the_model_accepts(identifier: str) -> None:
    assert re.search(IDENTIFIER_PATTERN, identifier)
    assert model.IDENTIFIER.fullmatch(identifier)


@pytest.mark.parametrize("identifier", ["a", "A-b", "a" * 61, "a_b", "a b", ""])
def test_identifier_pattern_refuses_what_the_model_refuses(identifier: str) -> None:
    assert not re.search(IDENTIFIER_PATTERN, identifier)
    assert not model.IDENTIFIER.fullmatch(identifier)


# Letters beyond ASCII the pattern names (é, É, ß, ж, Ω, ς, 日, か, 한), and characters it must
# not: a combining mark, letters of scripts it leaves out (Hebrew, right to left, also breaks
# IDNA's bidi rule next to Latin), invisible ones (zero-width joiner, bidi override, Hangul
# filler), and full-width ones a mail system might fold into "@", "?", "." or a digit.
_ADDRESS_CHARS = st.sampled_from(
    "abcXYZ019.-_+'=?@ \t,;:<>()[]\\\"\x00\x1f\x7f\x85\u00e9\u2028\ufeff"
    "\u00c9\u00df\u0436\u03a9\u03c2\u65e5\u304b\ud55c"
    "\u0301\u05d0\u200d\u202e\u3164\uff20\uff1f\u3002\uff11"
)


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.one_of(
        st.text(_ADDRESS_CHARS, max_size=80),
        st.builds(
            "{}@{}.{}".format,
            st.text(_ADDRESS_CHARS, min_size=1, max_size=70),
            st.text(_ADDRESS_CHARS, min_size=1, max_size=10),
            st.text(_ADDRESS_CHARS, min_size=1, max_size=10),
        ),
    )
)
def test_email_pattern_agrees_with_the_validator(address: str) -> None:
    """For trimmed text, every address the document's pattern and length accept is accepted
    by the code; and the code's addresses whose local part has the documented shape (one to
    four atoms short enough to stay within 64 characters: the pattern's stand-in for "at most
    64 characters before the @") match the pattern."""
    address = address.strip()
    if address.endswith("\n"):
        return  # Python's $ also matches before a final newline; trimming removes it anyway
    documented = bool(re.search(EMAIL_PATTERN, address)) and len(address) <= MAX_LENGTH
    accepted = address_problem(address) is None
    if documented:
        assert accepted, address
    local, _, domain = address.rpartition("@")
    if accepted and re.fullmatch(DOCUMENTED_LOCAL_PART, local) and domain.isascii():
        assert documented, address
    # Beyond ASCII: a local part of the documented international shape, and a domain of up to
    # three labels of up to ten of the documented characters each (no hyphen), the last one
    # starting with a letter: the document names every such address the code accepts.
    labels = domain.split(".")
    if (
        accepted
        and not address.isascii()
        and re.fullmatch(DOCUMENTED_INTERNATIONAL_LOCAL_PART, local)
        and len(labels) <= 3
        and all(re.fullmatch(f"[A-Za-z0-9{DOCUMENTED_LETTERS}]{{1,10}}", one) for one in labels)
        and not labels[-1][0].isdigit()
    ):
        assert documented, address


def test_every_white_space_character_is_in_the_basic_plane() -> None:
    assert not any(chr(code).isspace() for code in range(0x10000, 0x110000))
    assert set(WHITESPACE) == {chr(code) for code in range(0x10000) if chr(code).isspace()}


_NAME_CHARS = st.sampled_from("ab \t\n\x1c\x1f\x85\xa0\u2028\u3000\ufeff\u200b.")


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(_NAME_CHARS, max_size=6))
def test_single_line_pattern_agrees_with_the_study_model(text: str) -> None:
    if text.endswith("\n"):
        return  # Python's $ also matches before a final newline; has_line_break() refuses it
    documented = bool(re.search(SINGLE_LINE_NOT_BLANK, text))
    assert documented == (bool(text.strip()) and not has_line_break(text)), repr(text)


def test_every_link_leads_to_an_operation_and_fills_its_parameters() -> None:
    by_id = {operation["operationId"]: (path, operation) for path, _, operation in _operations()}
    links = [
        link
        for _, _, operation in _operations()
        for answer in operation["responses"].values()
        for link in answer.get("links", {}).values()
    ]
    assert len(links) > 20
    for link in links:
        path, target = by_id[link["operationId"]]
        for name in link.get("parameters", {}):
            if name.startswith("header."):
                assert target.get("security"), link  # the session header of its scheme
            else:
                assert f"{{{name}}}" in path, link


def test_the_documented_local_part_fits_the_rule() -> None:
    for split in ((64,), (31, 32), (20, 21, 21), (15, 15, 15, 15)):
        longest = ".".join("a" * most for most in split)
        assert len(longest) <= 64
        assert re.fullmatch(DOCUMENTED_LOCAL_PART, longest)
        assert address_problem(f"{longest}@example.org") is None
    assert not re.fullmatch(DOCUMENTED_LOCAL_PART, "a" * 65)
    assert not re.fullmatch(DOCUMENTED_LOCAL_PART, ".".join(["a" * 16] * 4))
    assert re.fullmatch(DOCUMENTED_LOCAL_PART, "fuzz-participant")
