"""Every domain error has exactly one answer, in Bridge's shape."""

from __future__ import annotations

import pytest

from service import errors
from service.api.errors import answer, status_of


def _subclasses(cls: type[errors.DomainError]) -> set[type[errors.DomainError]]:
    found: set[type[errors.DomainError]] = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


_KINDS = {kind.__name__: kind for kind in _subclasses(errors.DomainError)}


@pytest.mark.parametrize("kind", [_KINDS[name] for name in sorted(_KINDS)])
def test_every_domain_error_has_an_answer(kind: type[errors.DomainError]) -> None:
    assert 400 <= status_of(kind) < 600


def test_an_error_without_an_answer_is_named() -> None:
    class Unanswered(errors.DomainError):
        pass

    with pytest.raises(LookupError, match="Unanswered has no answer"):
        answer(Unanswered("?"))


def test_limits_say_when_to_retry() -> None:
    assert answer(errors.RateLimited("slow down", 0)).headers == {"Retry-After": "1"}
    assert answer(errors.Busy("busy", 7)).headers == {"Retry-After": "7"}
    refused = answer(errors.RateLimited("slow down", 30))
    assert (refused.status_code, refused.body) == (
        429,
        {"statusCode": 429, "message": "slow down", "type": "RateLimitExceededException"},
    )


def test_not_found_names_the_entity_as_bridge_does() -> None:
    assert answer(errors.AccountNotFound()).body == {
        "statusCode": 404,
        "entityClass": "Account",
        "message": "Account not found.",
        "type": "EntityNotFoundException",
    }
