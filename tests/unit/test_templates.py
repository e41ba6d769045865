"""Researcher email templates: validation at save time and one-pass substitution."""

from __future__ import annotations

from typing import Any

import pytest

from service.email.message import default_sign_in_template
from service.studies.templates import (
    MAX_BODY_LENGTH,
    MAX_SUBJECT_LENGTH,
    ONBOARDING,
    TOKEN_VARIABLES,
    EmailTemplate,
    TemplateKind,
    substitute,
    variables_in,
)
from tests.support.study_bodies import template_problems

PREFIX = "emailSignInTemplate"


def _template(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "subject": "Sign in to ${studyName}",
        "body": "Tap ${url} to sign in.",
        "mimeType": "text/plain",
    }
    base.update(fields)
    return base


def _errors(value: object) -> dict[str, list[str]]:
    template, errors = template_problems(value, PREFIX)
    assert template is None, "expected the template to be rejected"
    return errors


# --- valid templates -----------------------------------------------------------------------


def test_valid_template_is_parsed_into_an_email_template() -> None:
    template, errors = template_problems(_template(), PREFIX)
    assert errors == {}
    assert template == EmailTemplate("Sign in to ${studyName}", "Tap ${url} to sign in.")
    assert template.is_html is False


def test_mime_type_defaults_to_plain_text() -> None:
    template, errors = template_problems({"subject": "Hi", "body": "${token}"}, PREFIX)
    assert errors == {}
    assert template is not None
    assert template.mime_type == "text/plain"


def test_html_template_is_marked_html() -> None:
    template, errors = template_problems(_template(mimeType="text/html"), PREFIX)
    assert errors == {}
    assert template is not None
    assert template.is_html is True
    assert template.to_json() == {
        "subject": "Sign in to ${studyName}",
        "body": "Tap ${url} to sign in.",
        "mimeType": "text/html",
    }


def test_type_field_sent_back_by_sdks_is_accepted() -> None:
    template, errors = template_problems(_template(type="EmailTemplate"), PREFIX)
    assert errors == {}
    assert template is not None


def test_subject_of_exactly_the_maximum_length_is_accepted() -> None:
    subject = "s" * MAX_SUBJECT_LENGTH
    template, errors = template_problems(_template(subject=subject), PREFIX)
    assert errors == {}
    assert template is not None
    assert template.subject == subject


@pytest.mark.parametrize("variable", sorted(TOKEN_VARIABLES))
def test_body_may_carry_the_token_through_any_token_variable(variable: str) -> None:
    body = _template(body=f"Go: ${{{variable}}}", mimeType="text/html")
    template, errors = template_problems(body, PREFIX)
    assert errors == {}
    assert template is not None


def test_default_sign_in_template_passes_validation() -> None:
    default = default_sign_in_template()
    template, errors = template_problems(default.to_json(), PREFIX)
    assert errors == {}
    assert template == default
    assert default.is_html


def test_body_needs_nothing_when_the_kind_requires_nothing() -> None:
    kind = TemplateKind(frozenset({"name"}), frozenset(), "")
    template, errors = template_problems(
        {"subject": "Hello ${name}", "body": "Dear ${name}"}, PREFIX, kind
    )
    assert errors == {}
    assert template == EmailTemplate("Hello ${name}", "Dear ${name}")


def test_onboarding_templates_carry_the_provisioning_link_not_a_token() -> None:
    good = {"subject": "Welcome to ${studyName}", "body": "Open ${provisioningUrl}"}
    assert template_problems(good, "onboardingTemplate", ONBOARDING)[1] == {}
    _, errors = template_problems(
        {"subject": "Welcome", "body": "Tap ${url}"}, "onboardingTemplate", ONBOARDING
    )
    (unknown, missing) = errors["onboardingTemplate.body"]
    assert "unknown variable ${url}" in unknown
    assert "${provisioningUrl}" in missing


# --- the template object -------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "Sign in: ${url}", ["subject", "body"], 3])
def test_template_must_be_an_object(value: object) -> None:
    errors = _errors(value)
    assert list(errors) == [PREFIX]
    assert "must be an object" in errors[PREFIX][0]


def test_extra_fields_are_reported_under_their_own_path() -> None:
    errors = _errors(_template(html="<p>hi</p>", from_="x"))
    assert set(errors) == {f"{PREFIX}.html", f"{PREFIX}.from_"}
    assert errors[f"{PREFIX}.html"] == [
        f"{PREFIX}.html is not a template field; use subject, body and mimeType"
    ]


@pytest.mark.parametrize("mime_type", ["text/markdown", "html", "", None, 1])
def test_mime_type_must_be_plain_or_html(mime_type: object) -> None:
    errors = _errors(_template(mimeType=mime_type))
    assert errors == {f"{PREFIX}.mimeType": [f"{PREFIX}.mimeType must be text/plain or text/html"]}


# --- subject -------------------------------------------------------------------------------


@pytest.mark.parametrize("subject", [None, "", "   ", "\t", 42, ["Sign in"]])
def test_subject_is_required_and_not_blank(subject: object) -> None:
    errors = _errors(_template(subject=subject))
    assert errors == {f"{PREFIX}.subject": [f"{PREFIX}.subject is required and cannot be blank"]}


def test_subject_longer_than_250_characters_is_rejected() -> None:
    errors = _errors(_template(subject="s" * (MAX_SUBJECT_LENGTH + 1)))
    assert errors == {f"{PREFIX}.subject": [f"{PREFIX}.subject must be at most 250 characters"]}


@pytest.mark.parametrize("subject", ["Sign in\nnow", "Sign in\r\nnow", "Sign in\rnow", "x\n"])
def test_subject_must_be_a_single_line(subject: str) -> None:
    errors = _errors(_template(subject=subject))
    assert errors == {f"{PREFIX}.subject": [f"{PREFIX}.subject must be a single line"]}


@pytest.mark.parametrize("variable", sorted(TOKEN_VARIABLES))
def test_token_variables_are_forbidden_in_the_subject(variable: str) -> None:
    errors = _errors(_template(subject=f"Your link ${{{variable}}}"))
    messages = errors[f"{PREFIX}.subject"]
    assert len(messages) == 1
    assert messages[0].startswith(f"{PREFIX}.subject must not contain ${{{variable}}}")
    assert set(errors) == {f"{PREFIX}.subject"}


def test_unknown_variable_in_subject_is_reported_by_name_with_suggestion() -> None:
    errors = _errors(_template(subject="Welcome to ${studyname}"))
    (message,) = errors[f"{PREFIX}.subject"]
    assert "unknown variable ${studyname}" in message
    assert "(did you mean ${studyName}?)" in message


def test_malformed_opening_in_subject_is_reported_with_position() -> None:
    errors = _errors(_template(subject="Hi ${ studyName}"))
    (message,) = errors[f"{PREFIX}.subject"]
    assert "at character 4" in message
    assert "'${ studyName}'" in message


# --- body ----------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [None, "", "  \n ", 7])
def test_body_is_required_and_not_blank(body: object) -> None:
    errors = _errors(_template(body=body))
    assert errors == {f"{PREFIX}.body": [f"{PREFIX}.body is required and cannot be blank"]}


def test_body_over_the_maximum_length_is_rejected() -> None:
    body = "${url}" + "x" * MAX_BODY_LENGTH
    errors = _errors(_template(body=body))
    assert errors == {f"{PREFIX}.body": [f"{PREFIX}.body must be at most 32768 characters"]}


@pytest.mark.parametrize(
    "body", ["Welcome to ${studyName}", "No variables at all", "Use the $url or {url} or $(url)"]
)
def test_body_must_carry_the_token(body: str) -> None:
    errors = _errors(_template(body=body))
    (message,) = errors[f"{PREFIX}.body"]
    assert message.startswith(f"{PREFIX}.body must contain the sign-in link or code")
    assert "${url}" in message


def test_unknown_variable_in_body_is_named_with_a_suggestion() -> None:
    errors = _errors(_template(body="Tap ${url} before ${emailSignInExpirationPeriods}"))
    (message,) = errors[f"{PREFIX}.body"]
    assert message.startswith(
        f"{PREFIX}.body uses unknown variable ${{emailSignInExpirationPeriods}}"
    )
    assert "(did you mean ${emailSignInExpirationPeriod}?)" in message
    assert (
        "known variables are appId, appName, appShortName, appUrl, code, consentEmail, email, "
        "emailSignInExpirationPeriod" in message
    )


def test_unknown_variable_without_a_close_match_gets_no_suggestion() -> None:
    errors = _errors(_template(body="${url} ${zzzzqqq}"))
    (message,) = errors[f"{PREFIX}.body"]
    assert "${zzzzqqq}" in message
    assert "did you mean" not in message


def test_each_unknown_variable_is_reported_once_in_order() -> None:
    errors = _errors(_template(body="${url} ${foo} ${bar} ${foo}"))
    messages = errors[f"{PREFIX}.body"]
    assert len(messages) == 2
    assert "${foo}" in messages[0]
    assert "${bar}" in messages[1]


def test_malformed_opening_in_body_is_reported_with_position() -> None:
    body = "Tap ${url}\nthen ${ bad"
    errors = _errors(_template(body=body))
    (message,) = errors[f"{PREFIX}.body"]
    assert f"at character {body.index('${ bad') + 1}" in message
    assert "'${ bad'" in message
    assert "which is not a variable" in message


def test_unclosed_variable_is_malformed_and_does_not_count_as_the_token() -> None:
    errors = _errors(_template(body="Tap ${url"))
    messages = errors[f"{PREFIX}.body"]
    assert any("'${url'" in m and "at character 5" in m for m in messages)
    assert any("must contain the sign-in link" in m for m in messages)


def test_every_problem_is_reported_at_once() -> None:
    errors = _errors(
        {"subject": "Your ${token}", "body": "Hello ${nmae}", "mimeType": "x", "extra": 1}
    )
    assert set(errors) == {
        f"{PREFIX}.subject",
        f"{PREFIX}.body",
        f"{PREFIX}.mimeType",
        f"{PREFIX}.extra",
    }
    assert len(errors[f"{PREFIX}.body"]) == 2  # unknown ${nmae}, and no token


def test_errors_are_keyed_under_the_given_prefix() -> None:
    _, errors = template_problems({"subject": "", "body": "${url}"}, "other")
    assert errors == {"other.subject": ["other.subject is required and cannot be blank"]}


# --- substitution --------------------------------------------------------------------------


def test_variables_in_lists_well_formed_variables_only() -> None:
    assert variables_in("${a} ${ b} ${c_1} ${1d} ${url") == ["a", "c_1"]


def test_substitute_replaces_every_variable() -> None:
    text = substitute("${studyName}: ${url} (${studyName})", {"studyName": "S", "url": "U"})
    assert text == "S: U (S)"


def test_substitute_leaves_an_unknown_variable_empty() -> None:
    assert substitute("[${missing}]", {}) == "[]"


def test_substitution_is_a_single_pass() -> None:
    values = {"studyName": "${token}", "token": "SECRET", "url": "${studyName}"}
    text = substitute("${studyName} / ${url}", values)
    assert text == "${token} / ${studyName}"
    assert "SECRET" not in text


def test_html_values_are_escaped() -> None:
    text = substitute(
        "<p>${studyName}</p>", {"studyName": "<script>alert(1)</script>"}, escape_html=True
    )
    assert text == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


def test_html_escaping_covers_quotes_and_ampersands() -> None:
    text = substitute('<a title="${sponsorName}">', {"sponsorName": "\"&'"}, escape_html=True)
    assert text == '<a title="&quot;&amp;&#x27;">'


def test_html_escaping_does_not_touch_the_template_itself() -> None:
    text = substitute("<b>&amp; ${x}</b>", {"x": "<i>"}, escape_html=True)
    assert text == "<b>&amp; &lt;i&gt;</b>"


def test_plain_values_are_not_escaped() -> None:
    values = {"studyName": "<script>alert(1)</script>", "sponsorName": "\"&'"}
    text = substitute("${studyName} ${sponsorName}", values)
    assert text == "<script>alert(1)</script> \"&'"


# --- templates written for Bridge ------------------------------------------------------------

BRIDGE_TEMPLATE = {
    "subject": "Sign in to ${appShortName}",
    "body": (
        "Welcome to ${appName} (${appId}), run by ${sponsorName}. Tap ${url} or "
        "https://myApp.example.org/mobile/verify.html?email=${email}&token=${token}. "
        "Questions: ${supportEmail}, ${technicalEmail}, ${consentEmail}. "
        "Sent to ${participantEmail} via ${host}; expires in ${emailSignInExpirationPeriod}."
    ),
    "mimeType": "text/html",
}


def test_a_template_written_for_bridge_is_accepted() -> None:
    template, errors = template_problems(BRIDGE_TEMPLATE, PREFIX)
    assert errors == {}
    assert template is not None


@pytest.mark.parametrize(
    "variable",
    # Bridge fills these only in other emails (consent, SMS), never in a sign-in email
    ["participantFirstName", "participantLastName", "participantPhone", "resetPasswordUrl"],
)
def test_bridge_variables_its_sign_in_email_never_fills_are_refused(variable: str) -> None:
    errors = _errors(_template(body=f"Hi ${{{variable}}}, tap ${{url}}"))
    (message,) = errors[f"{PREFIX}.body"]
    assert message.startswith(f"{PREFIX}.body uses unknown variable ${{{variable}}}")


def test_bridge_study_names_do_not_carry_the_token() -> None:
    body = "Welcome to ${appName} (${appShortName}, ${appId}): ${technicalEmail} ${consentEmail}"
    errors = _errors(_template(body=body))
    assert "must contain the sign-in link or code" in errors[f"{PREFIX}.body"][0]


def test_a_misspelt_bridge_variable_gets_a_suggestion() -> None:
    errors = _errors(_template(body="Tap ${url} for ${appShortname}"))
    (message,) = errors[f"{PREFIX}.body"]
    assert "unknown variable ${appShortname} (did you mean ${appShortName}?)" in message


def test_onboarding_templates_know_bridges_study_names_too() -> None:
    good = {"subject": "Welcome to ${appName}", "body": "${appId}: ${provisioningUrl}"}
    assert template_problems(good, "onboardingTemplate", ONBOARDING)[1] == {}
