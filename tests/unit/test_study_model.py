"""Study bodies: defaults, bounds, unknown and read-only fields, errors keyed by path; and the
stored form, read back whatever rules the API has added since."""

from __future__ import annotations

from typing import Any

import pytest

from service.api.errors import answer
from service.errors import Invalid
from service.studies.app_links import AppleAppLink
from service.studies.model import (
    MAX_REQUEST_INTERVAL_SECONDS,
    MAX_TOKEN_TTL_SECONDS,
    Study,
    stored_study,
)
from service.studies.templates import EmailTemplate
from tests.support.study_bodies import read_study


def _study(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"identifier": "study-a", "name": "Study A"}
    data.update(fields)
    return data


def _errors(data: object, *, identifier: str | None = None) -> dict[str, list[str]]:
    with pytest.raises(Invalid) as caught:
        read_study(data, identifier=identifier)
    assert answer(caught.value).status_code == 400
    assert answer(caught.value).body["type"] == "InvalidEntityException"
    assert caught.value.message.startswith("Study is invalid: ")
    return caught.value.errors


# --- defaults and the happy path -----------------------------------------------------------


def test_defaults_of_a_minimal_study() -> None:
    study = read_study({"identifier": "study-a", "name": "Study A"})
    assert study == Study(identifier="study-a", name="Study A")
    assert study.email_sign_in_enabled is True  # a new study signs its participants in
    assert study.email_sign_in_template is None
    assert study.email_sign_in_token_ttl_seconds == 3600
    assert study.email_sign_in_request_interval_seconds == 60
    assert study.reauthentication_enabled is True
    assert study.short_name == ""
    assert study.sponsor_name == ""
    assert study.support_email == ""


def test_all_fields_are_read() -> None:
    study = read_study(
        _study(
            shortName="A",
            sponsorName="Lab",
            supportEmail="help@example.org",
            emailSignInEnabled=True,
            emailSignInTemplate={"subject": "Hi", "body": "${url}", "mimeType": "text/html"},
            emailSignInTokenTtlSeconds=900,
            emailSignInRequestIntervalSeconds=0,
            reauthenticationEnabled=False,
        )
    )
    assert study.short_name == "A"
    assert study.sponsor_name == "Lab"
    assert study.support_email == "help@example.org"
    assert study.email_sign_in_enabled is True
    assert study.email_sign_in_template == EmailTemplate("Hi", "${url}", "text/html")
    assert study.email_sign_in_token_ttl_seconds == 900
    assert study.email_sign_in_request_interval_seconds == 0
    assert study.reauthentication_enabled is False


def test_text_fields_are_trimmed() -> None:
    study = read_study(_study(name="  Study A  ", shortName=" A ", sponsorName=" Lab "))
    assert (study.name, study.short_name, study.sponsor_name) == ("Study A", "A", "Lab")


def test_null_values_mean_the_default() -> None:
    study = read_study(
        _study(
            emailSignInEnabled=None,
            emailSignInTemplate=None,
            emailSignInTokenTtlSeconds=None,
            emailSignInRequestIntervalSeconds=None,
            reauthenticationEnabled=None,
            shortName=None,
        )
    )
    assert study == Study(identifier="study-a", name="Study A")


def test_read_only_fields_are_accepted() -> None:
    study = read_study(
        _study(
            type="Study",
            createdOn="2024-01-01T00:00:00.000Z",
            modifiedOn="2024-01-02T00:00:00.000Z",
            version=3,
        )
    )
    assert study.identifier == "study-a"
    assert study.name == "Study A"


def test_a_study_round_trips_through_its_json() -> None:
    study = Study(
        identifier="study-a",
        name="Study A",
        short_name="A",
        sponsor_name="Lab",
        support_email="help@example.org",
        email_sign_in_enabled=True,
        email_sign_in_template=EmailTemplate("Hi ${studyName}", "Go: ${url}", "text/html"),
        email_sign_in_token_ttl_seconds=600,
        email_sign_in_request_interval_seconds=30,
        reauthentication_enabled=False,
        created_on="2024-01-01T00:00:00.000Z",
        modified_on="2024-01-02T00:00:00.000Z",
    )
    assert study.to_json()["type"] == "Study"
    assert stored_study(study.to_json()) == study
    # Sent back as a body, it is the same study; the service sets the timestamps itself.
    assert read_study(study.to_json()) == study.stamped("", "")
    assert read_study(study.to_json(), identifier="study-a") == study.stamped("", "")


def test_stamped_sets_only_the_timestamps() -> None:
    study = Study(identifier="study-a", name="Study A")
    stamped = study.stamped("2024-01-01T00:00:00.000Z", "2024-02-01T00:00:00.000Z")
    assert stamped.created_on == "2024-01-01T00:00:00.000Z"
    assert stamped.modified_on == "2024-02-01T00:00:00.000Z"
    assert stamped.identifier == "study-a"
    assert study.created_on == ""


# --- identifier ----------------------------------------------------------------------------


@pytest.mark.parametrize("identifier", ["ab", "study-a", "s-1-2", "0" * 60, "abc123"])
def test_valid_identifiers(identifier: str) -> None:
    assert read_study(_study(identifier=identifier)).identifier == identifier


@pytest.mark.parametrize(
    "identifier", ["a", "Study-A", "study_a", "study a", "stüdy", "a.b", "x/y"]
)
def test_invalid_identifiers(identifier: str) -> None:
    errors = _errors(_study(identifier=identifier))
    assert errors == {
        "identifier": [
            "identifier must be 2 to 60 characters of lower-case letters, digits and hyphens"
        ]
    }


def test_identifier_longer_than_60_characters_is_rejected() -> None:
    errors = _errors(_study(identifier="a" * 61))
    assert "identifier must be at most 60 characters" in errors["identifier"]


@pytest.mark.parametrize("identifier", [None, ""])
def test_identifier_is_required_on_create(identifier: object) -> None:
    data = _study(identifier=identifier)
    errors = _errors(data)
    assert list(errors) == ["identifier"]
    assert errors["identifier"][0] in ("identifier is required", "identifier cannot be blank")


def test_identifier_must_be_a_string() -> None:
    assert _errors(_study(identifier=12)) == {"identifier": ["identifier must be a string"]}


def test_update_takes_the_identifier_from_the_url() -> None:
    study = read_study({"name": "Renamed"}, identifier="study-a")
    assert study.identifier == "study-a"
    assert study.name == "Renamed"


def test_update_accepts_the_same_identifier_in_the_body() -> None:
    assert read_study(_study(), identifier="study-a").identifier == "study-a"


def test_update_rejects_a_different_identifier() -> None:
    errors = _errors(_study(identifier="study-b"), identifier="study-a")
    (message,) = errors["identifier"]
    assert message.startswith("identifier cannot be changed (the URL names 'study-a')")


# --- names and support email ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"), [(None, "name is required"), ("  ", "name cannot be blank")]
)
def test_name_is_required(value: object, message: str) -> None:
    assert _errors(_study(name=value)) == {"name": [message]}


def test_name_length_limit() -> None:
    assert read_study(_study(name="n" * 255)).name == "n" * 255
    assert _errors(_study(name="n" * 256)) == {"name": ["name must be at most 255 characters"]}


def test_short_name_length_limit() -> None:
    errors = _errors(_study(shortName="s" * 41))
    assert errors == {"shortName": ["shortName must be at most 40 characters"]}


def test_sponsor_name_must_be_a_string() -> None:
    assert _errors(_study(sponsorName=["Lab"])) == {"sponsorName": ["sponsorName must be a string"]}


def test_support_email_must_be_an_address() -> None:
    errors = _errors(_study(supportEmail="not-an-address"))
    assert errors == {
        "supportEmail": ["supportEmail must be an email address like name@example.org"]
    }


# --- numbers and flags ---------------------------------------------------------------------


@pytest.mark.parametrize("ttl", [1, 3600, MAX_TOKEN_TTL_SECONDS])
def test_token_ttl_within_bounds(ttl: int) -> None:
    assert read_study(_study(emailSignInTokenTtlSeconds=ttl)).email_sign_in_token_ttl_seconds == ttl


@pytest.mark.parametrize("ttl", [0, -1, MAX_TOKEN_TTL_SECONDS + 1])
def test_token_ttl_out_of_bounds(ttl: int) -> None:
    errors = _errors(_study(emailSignInTokenTtlSeconds=ttl))
    assert errors == {
        "emailSignInTokenTtlSeconds": [
            "emailSignInTokenTtlSeconds must be between 1 and 604800 seconds"
        ]
    }


@pytest.mark.parametrize("interval", [0, 60, MAX_REQUEST_INTERVAL_SECONDS])
def test_request_interval_within_bounds(interval: int) -> None:
    study = read_study(_study(emailSignInRequestIntervalSeconds=interval))
    assert study.email_sign_in_request_interval_seconds == interval


@pytest.mark.parametrize("interval", [-1, MAX_REQUEST_INTERVAL_SECONDS + 1])
def test_request_interval_out_of_bounds(interval: int) -> None:
    errors = _errors(_study(emailSignInRequestIntervalSeconds=interval))
    assert errors == {
        "emailSignInRequestIntervalSeconds": [
            "emailSignInRequestIntervalSeconds must be between 0 and 3600 seconds"
        ]
    }


@pytest.mark.parametrize("value", [True, False, 60.5, "60", [60]])
@pytest.mark.parametrize(
    "name", ["emailSignInTokenTtlSeconds", "emailSignInRequestIntervalSeconds"]
)
def test_numbers_must_be_whole_numbers_not_booleans(name: str, value: object) -> None:
    errors = _errors(_study(**{name: value}))
    assert errors == {name: [f"{name} must be a whole number of seconds"]}


@pytest.mark.parametrize("value", ["true", 1, 0, "yes"])
@pytest.mark.parametrize("name", ["emailSignInEnabled", "reauthenticationEnabled"])
def test_flags_must_be_booleans(name: str, value: object) -> None:
    assert _errors(_study(**{name: value})) == {name: [f"{name} must be true or false"]}


# --- unknown fields, templates, several errors ---------------------------------------------


def test_unknown_field_is_rejected_with_a_suggestion() -> None:
    errors = _errors(_study(emailSignInTokenTTLSeconds=600))
    assert errors == {
        "emailSignInTokenTTLSeconds": [
            "emailSignInTokenTTLSeconds is not a study field; "
            "did you mean emailSignInTokenTtlSeconds?"
        ]
    }


def test_unknown_field_without_a_close_match_lists_the_fields() -> None:
    errors = _errors(_study(zzz=1))
    assert list(errors) == ["zzz"]
    (message,) = errors["zzz"]
    assert message.startswith("zzz is not a study field; the fields are identifier, name, ")
    assert "did you mean" not in message
    assert "createdOn" not in message  # read-only: sent back, never written


def test_template_errors_are_keyed_by_field_path() -> None:
    errors = _errors(_study(emailSignInTemplate={"subject": "", "body": "no link"}))
    assert set(errors) == {"emailSignInTemplate.subject", "emailSignInTemplate.body"}
    assert errors["emailSignInTemplate.subject"] == [
        "emailSignInTemplate.subject is required and cannot be blank"
    ]


def test_template_must_be_an_object() -> None:
    errors = _errors(_study(emailSignInTemplate="Sign in: ${url}"))
    assert list(errors) == ["emailSignInTemplate"]


def test_several_errors_are_reported_at_once() -> None:
    errors = _errors(
        {
            "identifier": "Bad Id",
            "emailSignInEnabled": "yes",
            "emailSignInTokenTtlSeconds": 0,
            "emailSignInRequestIntervalSeconds": True,
            "emailSignInTemplate": {"subject": "${token}", "body": "${url}"},
            "colour": "blue",
        }
    )
    assert set(errors) == {
        "identifier",
        "name",
        "emailSignInEnabled",
        "emailSignInTokenTtlSeconds",
        "emailSignInRequestIntervalSeconds",
        "emailSignInTemplate.subject",
        "colour",
    }


def test_the_error_message_carries_every_problem() -> None:
    with pytest.raises(Invalid) as caught:
        read_study({"identifier": "x", "name": ""})
    assert "identifier must be 2 to 60 characters" in caught.value.message
    assert "name cannot be blank" in caught.value.message
    assert answer(caught.value).body["errors"] == caught.value.errors


@pytest.mark.parametrize("data", [None, [], "study", 3])
def test_body_must_be_an_object(data: object) -> None:
    assert _errors(data) == {"": ["Study must be a JSON object"]}


# --- the stored form ---------------------------------------------------------------------


def test_a_stored_study_is_read_without_the_api_rules() -> None:
    """A study stored before a rule was added (or tightened) still reads back as it was."""
    stored = Study(
        identifier="study-a",
        name="  Study\nA  ",  # the API trims names and refuses line breaks today
        email_sign_in_token_ttl_seconds=10 * MAX_TOKEN_TTL_SECONDS,
        email_sign_in_template=EmailTemplate("${unknown}", "no token here"),
        apple_app_links=(AppleAppLink("not an app id", paths=("no-slash",)),),
    )
    assert stored_study(stored.to_json()) == stored


def test_a_stored_study_ignores_fields_it_does_not_know_and_defaults_missing_ones() -> None:
    data = Study(identifier="study-a", name="Study A").to_json()
    del data["reauthenticationEnabled"], data["installLinks"], data["appleAppLinks"]
    data["addedLater"] = {"x": 1}
    assert stored_study(data) == Study(identifier="study-a", name="Study A")


@pytest.mark.parametrize(
    "data",
    [[], "study", {"name": "no identifier"}, {"identifier": "a", "name": 5}],
    ids=["list", "string", "no-identifier", "name-not-text"],
)
def test_a_damaged_stored_study_is_a_value_error(data: object) -> None:
    with pytest.raises(ValueError, match=r"stored study|is not a"):
        stored_study(data)


@pytest.mark.parametrize(
    "name", ["emailSignInTokenTtlSeconds", "emailSignInRequestIntervalSeconds"]
)
def test_a_whole_number_written_with_a_fraction_is_that_number(name: str) -> None:
    # JSON does not tell 60.0 from 60, and JSON Schema's "integer" takes both.
    assert read_study(_study(**{name: 60.0})) == read_study(_study(**{name: 60}))
