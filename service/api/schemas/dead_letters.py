"""Dead letters: emails the worker could not deliver and stopped trying, as operators see them."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from service.accounts.email_address import masked
from service.api.schemas import Schema
from service.clock import iso_from_ms
from service.errors import Invalid
from service.store.outbox import DeadLetter as StoredDeadLetter

# A Redis stream entry id: milliseconds, a dash, a sequence number; each a 64-bit number
# (19 digits always fit; Redis refuses a larger one, which would be a 500 here).
ENTRY_ID_PATTERN = r"^[0-9]{1,19}-[0-9]{1,19}$"
MAX_IDS = 100


class DeadLetter(Schema):
    """One email that failed for good."""

    id: Annotated[str, Field(pattern=ENTRY_ID_PATTERN, description="Name it to retry or purge.")]
    kind: Annotated[
        str, Field(description="sign-in, onboarding or test; ? when it cannot be read.")
    ]
    study_id: Annotated[str, Field(description="The study; ? when the job cannot be read.")]
    to: Annotated[str, Field(description="The address, masked (a…@example.org).")]
    reason: str
    failed_on: Annotated[str, Field(json_schema_extra={"format": "date-time"})]

    @classmethod
    def of(cls, letter: StoredDeadLetter) -> DeadLetter:
        job = letter.job
        return cls.model_construct(
            id=letter.entry_id,
            kind=job.kind if job else "?",
            study_id=job.study_id if job else "?",
            to=masked(job.email) if job else "?",
            reason=letter.reason,
            failed_on=iso_from_ms(letter.failed_at * 1000),
        )


class DeadLetterList(Schema):
    items: list[DeadLetter]
    total: Annotated[int, Field(ge=0, description="Every dead letter, listed or not.")]
    type: Literal["DeadLetterList"] = "DeadLetterList"


class DeadLetterSelection(Schema):
    """Which dead letters: the ids listed, or all of them; never a guess."""

    model_config = ConfigDict(
        title="dead letters",
        # Exactly one way of choosing: some ids, or all of them.
        json_schema_extra={
            "oneOf": [
                {
                    "required": ["ids"],
                    "properties": {
                        "ids": {"type": "array", "minItems": 1},
                        "all": {"const": False},
                    },
                },
                {
                    "required": ["all"],
                    "properties": {"all": {"const": True}, "ids": {"type": "null"}},
                },
            ]
        },
    )

    ids: Annotated[
        list[Annotated[str, Field(pattern=ENTRY_ID_PATTERN)]] | None,
        Field(max_length=MAX_IDS, description=f"At most {MAX_IDS} ids from the list."),
    ] = None
    all: Annotated[bool, Field(description="true: every dead letter.")] = False

    def chosen(self) -> list[str] | None:
        """The ids, or None for all; Invalid when the body names neither or both."""
        if bool(self.ids) == self.all:
            raise Invalid(
                "DeadLetters", {"ids": ["give the ids of dead letters, or all: true (not both)"]}
            )
        return None if self.all else list(self.ids or ())


class DeadLetterChange(Schema):
    count: Annotated[int, Field(ge=0)]
    message: str
    type: Literal["DeadLetterChange"] = "DeadLetterChange"
