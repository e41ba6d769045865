"""Parsing the bodies of the public auth endpoints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from service.api.errors import answer
from service.api.schemas import auth as bodies
from service.api.validation import validated
from service.auth.passwords import MAX_LENGTH
from service.auth.requests import (
    MAX_SECRET_LENGTH,
    EmailSignIn,
    EmailSignInRequest,
    PasswordCredentials,
    Reauthentication,
)
from service.errors import Invalid

EMAIL = "Alice@Example.org"


def _email_sign_in_request(data: object) -> EmailSignInRequest:
    return validated(bodies.EmailSignInRequest, data).value()


def _email_sign_in(data: object) -> EmailSignIn:
    return validated(bodies.EmailSignIn, data).value()


def _reauthentication(data: object) -> Reauthentication:
    return validated(bodies.Reauthentication, data, "SignIn").value()


PASSWORD = "correct horse battery staple"


def _invalid(parse: Callable[[object], object], data: object) -> Invalid:
    with pytest.raises(Invalid) as caught:
        parse(data)
    assert answer(caught.value).status_code == 400
    assert answer(caught.value).body["type"] == "InvalidEntityException"
    assert answer(caught.value).body["errors"] == caught.value.errors
    return caught.value


# --- study / appId -------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["study", "appId"])
def test_study_is_accepted_as_study_or_app_id(field: str) -> None:
    request = _email_sign_in_request({field: "study-a", "email": EMAIL})
    assert request == EmailSignInRequest("study-a", EMAIL)


def test_app_id_wins_over_study() -> None:
    request = _email_sign_in_request({"appId": "new", "study": "old", "email": EMAIL})
    assert request.study_id == "new"


def test_study_and_email_are_trimmed() -> None:
    request = _email_sign_in_request({"study": "  study-a ", "email": f"  {EMAIL}\t"})
    assert request.study_id == "study-a"
    assert request.email == EMAIL


def test_unknown_fields_from_generated_clients_are_ignored() -> None:
    request = _email_sign_in_request({"appId": "s", "email": EMAIL, "type": "x", "phone": None})
    assert request == EmailSignInRequest("s", EMAIL)


@pytest.mark.parametrize(
    "data", [{"email": EMAIL}, {"study": None, "email": EMAIL}, {"appId": " ", "email": EMAIL}]
)
def test_study_is_required(data: dict[str, Any]) -> None:
    error = _invalid(_email_sign_in_request, data)
    assert error.errors == {"study": ["study (or appId) is required"]}


@pytest.mark.parametrize("value", [1, ["study-a"], {"id": "study-a"}, True])
def test_study_must_be_a_string(value: object) -> None:
    error = _invalid(_email_sign_in_request, {"appId": value, "email": EMAIL})
    assert error.errors == {"study": ["study (or appId) must be a string"]}


# --- email ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "email is required"),
        ("", "email is required"),
        ("   ", "email is required"),
        (42, "email must be a string"),
        ("alice", "email must be an email address like name@example.org"),
        ("alice@localhost", "email must be an email address like name@example.org"),
        ("a b@example.org", "email must be an email address like name@example.org"),
    ],
)
def test_invalid_email(value: object, message: str) -> None:
    error = _invalid(_email_sign_in_request, {"study": "s", "email": value})
    assert error.errors == {"email": [message]}


def test_missing_email_key() -> None:
    error = _invalid(_email_sign_in_request, {"study": "s"})
    assert error.errors == {"email": ["email is required"]}


def test_errors_are_collected_per_field() -> None:
    error = _invalid(_email_sign_in_request, {"study": 5, "email": "nope"})
    assert set(error.errors) == {"study", "email"}
    assert error.message.startswith("EmailSignInRequest is invalid: ")
    assert "study (or appId) must be a string" in error.message
    assert "email must be an email address" in error.message


@pytest.mark.parametrize("data", [None, [], "study", 1])
def test_body_must_be_an_object(data: object) -> None:
    error = _invalid(_email_sign_in_request, data)
    assert error.errors == {"": ["EmailSignInRequest must be a JSON object"]}


def test_normalized_email_trims_and_lower_cases() -> None:
    request = _email_sign_in_request({"study": "s", "email": "  Alice@EXAMPLE.Org "})
    assert request.email == "Alice@EXAMPLE.Org"
    assert request.normalized_email == "alice@example.org"


# --- email sign-in -------------------------------------------------------------------------


def test_email_sign_in() -> None:
    request = _email_sign_in({"appId": "s", "email": EMAIL, "token": "tok"})
    assert request == EmailSignIn("s", EMAIL, "tok", None)
    assert request.normalized_email == "alice@example.org"


def test_email_sign_in_token_is_not_trimmed() -> None:
    assert _email_sign_in({"appId": "s", "email": EMAIL, "token": " t "}).token == " t "


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (None, "token is required"),
        ("", "token is required"),
        (123, "token must be a string"),
        ("t" * (MAX_SECRET_LENGTH + 1), "token must be at most 512 characters"),
    ],
)
def test_email_sign_in_token_problems(token: object, message: str) -> None:
    error = _invalid(_email_sign_in, {"appId": "s", "email": EMAIL, "token": token})
    assert error.errors == {"token": [message]}
    assert error.message.startswith("EmailSignIn is invalid: ")


def test_email_sign_in_token_of_maximum_length() -> None:
    token = "t" * MAX_SECRET_LENGTH
    assert _email_sign_in({"appId": "s", "email": EMAIL, "token": token}).token == token


def test_email_sign_in_with_a_password() -> None:
    request = _email_sign_in({"appId": "s", "email": EMAIL, "token": "t", "password": PASSWORD})
    assert request.password == PASSWORD


def test_email_sign_in_password_follows_the_policy() -> None:
    error = _invalid(
        _email_sign_in, {"appId": "s", "email": EMAIL, "token": "t", "password": "short"}
    )
    assert error.errors == {"password": ["password must be at least 8 characters"]}


def test_email_sign_in_reports_every_missing_field() -> None:
    error = _invalid(_email_sign_in, {})
    assert error.errors == {
        "study": ["study (or appId) is required"],
        "email": ["email is required"],
        "token": ["token is required"],
    }


# --- password sign-up and sign-in ----------------------------------------------------------


def _sign_up(data: object) -> PasswordCredentials:
    return validated(bodies.SignUp, data).value()


def _sign_in(data: object) -> PasswordCredentials:
    return validated(bodies.SignIn, data).value()


def test_sign_up() -> None:
    request = _sign_up({"study": "s", "email": EMAIL, "password": PASSWORD})
    assert request == PasswordCredentials("s", EMAIL, PASSWORD)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        (None, "password is required"),
        ("short", "password must be at least 8 characters"),
        (12345678, "password must be a string"),
        ("x" * (MAX_LENGTH + 1), "password must be at most 1024 characters"),
    ],
)
def test_sign_up_enforces_the_password_policy(password: object, message: str) -> None:
    error = _invalid(_sign_up, {"study": "s", "email": EMAIL, "password": password})
    assert error.errors == {"password": [message]}
    assert error.message.startswith("SignUp is invalid: ")


def test_sign_in_takes_a_password_that_the_policy_would_refuse() -> None:
    # A policy change must never lock out an existing password.
    assert _sign_in({"study": "s", "email": EMAIL, "password": "short"}).password == "short"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        (None, "password is required"),
        ("", "password is required"),
        (1, "password must be a string"),
    ],
)
def test_sign_in_password_problems(password: object, message: str) -> None:
    error = _invalid(_sign_in, {"study": "s", "email": EMAIL, "password": password})
    assert error.errors == {"password": [message]}
    assert error.message.startswith("SignIn is invalid: ")


def test_every_password_accepted_at_sign_up_is_accepted_at_sign_in() -> None:
    password = "p" * 600
    data = {"study": "s", "email": EMAIL, "password": password}
    assert _sign_up(data).password == password
    assert _sign_in(data).password == password


# --- reauthentication ----------------------------------------------------------------------


def test_reauthentication() -> None:
    request = _reauthentication({"appId": "s", "email": EMAIL, "reauthToken": "r"})
    assert request == Reauthentication("s", EMAIL, "r")


def test_reauthentication_needs_the_reauth_token() -> None:
    error = _invalid(_reauthentication, {"appId": "s", "email": EMAIL})
    assert error.errors == {"reauthToken": ["reauthToken is required"]}
    assert error.message.startswith("SignIn is invalid: ")
