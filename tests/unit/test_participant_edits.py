"""A researcher's create or update of a participant."""

from __future__ import annotations

import pytest

from service.accounts.edits import ParticipantEdit
from service.api.errors import answer
from service.api.schemas.participants import NewParticipant, ParticipantInput
from service.api.validation import validated
from service.errors import Invalid

PASSWORD = "correct horse battery staple"


def _parse(data: object, *, creating: bool) -> ParticipantEdit:
    """The body of a create (POST) or a change (PUT), as the operation table reads it."""
    model = NewParticipant if creating else ParticipantInput
    return validated(model, data, "StudyParticipant").value()


def _errors(data: object, *, creating: bool) -> dict[str, list[str]]:
    with pytest.raises(Invalid) as caught:
        _parse(data, creating=creating)
    assert answer(caught.value).status_code == 400
    assert caught.value.message.startswith("StudyParticipant is invalid: ")
    return caught.value.errors


def test_create_with_every_field() -> None:
    edit = _parse(
        {
            "email": "  Alice@Example.org ",
            "password": PASSWORD,
            "consented": True,
            "status": "disabled",
            "emailVerified": False,
        },
        creating=True,
    )
    assert edit == ParticipantEdit(
        email="Alice@Example.org",
        password=PASSWORD,
        consented=True,
        status="disabled",
        email_verified=False,
    )


def test_create_requires_an_email() -> None:
    assert _errors({"consented": True}, creating=True) == {"email": ["email is required"]}


def test_create_rejects_a_bad_email() -> None:
    assert _errors({"email": "alice"}, creating=True) == {
        "email": ["email must be an email address like name@example.org"]
    }


def test_update_without_email_leaves_everything_unset() -> None:
    assert _parse({}, creating=False) == ParticipantEdit(None, None, None, None, None)


def test_update_with_nulls_leaves_everything_unset() -> None:
    nulls = {"email": None, "password": None, "consented": None, "status": None}
    assert _parse({**nulls, "emailVerified": None}, creating=False) == ParticipantEdit(
        None, None, None, None, None
    )


def test_update_with_a_blank_email_is_rejected() -> None:
    assert _errors({"email": " "}, creating=False) == {"email": ["email is required"]}


def test_update_of_one_field() -> None:
    edit = _parse({"status": "enabled"}, creating=False)
    assert edit == ParticipantEdit(None, None, None, "enabled", None)


@pytest.mark.parametrize("status", ["Enabled", "ENABLED", "active", "", 1, True])
def test_status_must_be_enabled_or_disabled(status: object) -> None:
    assert _errors({"status": status}, creating=False) == {
        "status": ["status must be enabled or disabled"]
    }


@pytest.mark.parametrize("value", ["true", 1, 0, "yes", []])
@pytest.mark.parametrize("name", ["consented", "emailVerified"])
def test_flags_must_be_booleans(name: str, value: object) -> None:
    assert _errors({name: value}, creating=False) == {name: [f"{name} must be true or false"]}


def test_password_follows_the_policy() -> None:
    assert _errors({"password": "short"}, creating=False) == {
        "password": ["password must be at least 8 characters"]
    }
    assert _errors({"password": 12345678}, creating=False) == {
        "password": ["password must be a string"]
    }


def test_unknown_fields_are_rejected() -> None:
    errors = _errors({"email": "a@example.org", "firstName": "Al"}, creating=True)
    assert errors == {
        "firstName": [
            "firstName is not a participant field; "
            "the fields are email, password, consented, status, emailVerified, languages"
        ]
    }


def test_read_only_fields_of_our_answers_are_accepted() -> None:
    edit = _parse(
        {
            "id": "p1",
            "type": "StudyParticipant",
            "createdOn": "2024-01-01T00:00:00.000Z",
            "studyIds": ["study-a"],
            "roles": [],
            "dataGroups": [],
            "consented": False,
        },
        creating=False,
    )
    assert edit == ParticipantEdit(None, None, False, None, None)


def test_every_problem_is_reported_at_once() -> None:
    errors = _errors(
        {"status": "on", "consented": "yes", "password": "x", "nickname": "Al"}, creating=True
    )
    assert set(errors) == {"email", "status", "consented", "password", "nickname"}


@pytest.mark.parametrize("data", [None, [], "participant"])
def test_body_must_be_an_object(data: object) -> None:
    assert _errors(data, creating=True) == {"": ["StudyParticipant must be a JSON object"]}
