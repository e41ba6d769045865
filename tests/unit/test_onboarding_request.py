"""The bodies of onboarding and consent: every message names the field and the fix."""

from __future__ import annotations

import pytest

from service.api.schemas.participants import MAX_CONSENT_NAME_LENGTH, ConsentSignature
from service.api.schemas.provisioning import MAX_PARTICIPANTS_PER_REQUEST, OnboardingRequest
from service.api.validation import validated
from service.errors import Invalid

LIST_LIKE = 'participants is required: a list like [{"email": "name@example.org"}]'


def _onboarding(data: object) -> OnboardingRequest:
    return validated(OnboardingRequest, data, "Onboarding")


def _errors(data: object) -> dict[str, list[str]]:
    with pytest.raises(Invalid) as caught:
        _onboarding(data)
    assert caught.value.message.startswith("Onboarding is invalid: ")
    return caught.value.errors


def test_addresses_are_trimmed_and_other_entry_fields_ignored() -> None:
    request = _onboarding(
        {"participants": [{"email": " a@example.org\t"}, {"email": "b@example.org", "name": "B"}]}
    )
    assert request.addresses == ("a@example.org", "b@example.org")
    assert request.force is False
    assert _onboarding({"participants": [{"email": "a@example.org"}], "force": True}).force


@pytest.mark.parametrize("participants", [None, [], "a@example.org", {"email": "a@example.org"}])
def test_participants_must_be_a_list_of_entries(participants: object) -> None:
    assert _errors({"participants": participants}) == {"participants": [LIST_LIKE]}


def test_participants_are_required() -> None:
    assert _errors({}) == {"participants": ["participants is required"]}


def test_a_list_too_long_is_refused_at_once() -> None:
    entries = [{"email": f"p{i}@example.org"} for i in range(MAX_PARTICIPANTS_PER_REQUEST + 1)]
    assert _errors({"participants": entries}) == {
        "participants": [
            f"participants must hold at most {MAX_PARTICIPANTS_PER_REQUEST} entries; send "
            "larger lists in parts (or use 'magiclink onboard')"
        ]
    }


def test_every_bad_address_is_named_by_its_place() -> None:
    errors = _errors(
        {
            "participants": [
                {"email": "fine@example.org"},
                {"email": "not an address"},
                {},
                {"email": 7},
                "x@example.org",
            ]
        }
    )
    assert errors == {
        "participants[1].email": [
            "participants[1].email must be an email address like name@example.org"
        ],
        "participants[2].email": ["participants[2].email is required"],
        "participants[3].email": ["participants[3].email must be a string"],
        "participants[4]": ["participants[4] must be a JSON object"],
    }


@pytest.mark.parametrize("force", [None, "yes", 1])
def test_force_is_true_or_false(force: object) -> None:
    errors = _errors({"participants": [{"email": "a@example.org"}], "force": force})
    assert errors == {"force": ["force must be true or false"]}


def test_unknown_fields_are_named() -> None:
    errors = _errors({"participants": [{"email": "a@example.org"}], "forced": True})
    assert errors == {"forced": ["forced is not an OnboardingRequest field; did you mean force?"]}


def _consent_errors(data: object) -> dict[str, list[str]]:
    with pytest.raises(Invalid) as caught:
        validated(ConsentSignature, data)
    return caught.value.errors


def test_a_consent_signature_needs_a_name_and_a_scope_and_ignores_the_rest() -> None:
    signature = validated(
        ConsentSignature,
        {"name": "Ada", "scope": "all_qualified_researchers", "birthdate": None, "type": "x"},
    )
    assert (signature.name, signature.scope) == ("Ada", "all_qualified_researchers")
    scope = "sponsors_and_partners"
    for data in ({"scope": scope}, {"name": None, "scope": scope}, {"name": " \t", "scope": scope}):
        assert _consent_errors(data) == {"name": ["name is required"]}
    assert _consent_errors({"name": 7, "scope": scope}) == {"name": ["name must be a string"]}
    assert _consent_errors({"name": "a" * (MAX_CONSENT_NAME_LENGTH + 1), "scope": scope}) == {
        "name": [f"name must be at most {MAX_CONSENT_NAME_LENGTH} characters"]
    }
    # Bridge's SDKs always send the scope; without it there is no sharing decision to keep.
    assert _consent_errors({"name": "Ada"}) == {"scope": ["scope is required"]}
    assert list(_consent_errors({"name": "Ada", "scope": "all"})) == ["scope"]
