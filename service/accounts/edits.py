"""A researcher's create or update of a participant, as the use cases take it.

The API validates the body (``service/api/schemas/participants.py``) and hands over this value.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ParticipantEdit:
    """Only the fields that were sent; ``None`` means "leave as it is" (or the default)."""

    email: str | None
    password: str | None
    consented: bool | None
    status: str | None
    email_verified: bool | None
    languages: tuple[str, ...] | None = None
