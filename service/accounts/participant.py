"""The participant record and its public JSON shape."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from service.clock import utc_now_iso

STATUSES = ("enabled", "disabled")
# Bridge's SharingScope: how widely the participant lets their data be shared.
SHARING_SCOPES = ("no_sharing", "sponsors_and_partners", "all_qualified_researchers")


@dataclass(frozen=True)
class Participant:
    id: str
    study_id: str
    email: str  # as written (trimmed); lookups use the normalized form
    status: str
    consented: bool
    email_verified: bool
    created_on: str  # ISO 8601, UTC, milliseconds
    password_hash: str | None = None
    # Chosen at sign-up, before anybody proved they own the address: unusable, and dropped
    # when the address is first proven by a link or code (unless that sign-in sets a new one).
    password_unproven: bool = False
    # Sessions made in an older generation are over (disabling, and every sign-in but a
    # reauthentication, move it on: one session per participant, as in Bridge).
    session_generation: int = 0
    sharing_scope: str = "no_sharing"  # chosen with the consent signature
    consented_on: str | None = None  # ISO 8601, UTC, milliseconds; None when not consented
    languages: tuple[str, ...] = ()  # from Accept-Language, at the first sign-up or sign-in
    # Sign-in activity, written by the sign-in script (link, code and password; a
    # reauthentication continues a sign-in and is not counted) and by onboarding.
    last_sign_in_on: str | None = None  # ISO 8601, UTC, milliseconds; None before the first
    sign_in_count: int = 0
    onboarded_on: str | None = None  # when the onboarding email was queued; None if never

    @classmethod
    def new(
        cls,
        study_id: str,
        email: str,
        *,
        status: str = "enabled",
        consented: bool = False,
        email_verified: bool = False,
        password_hash: str | None = None,
        password_unproven: bool = False,
        languages: tuple[str, ...] = (),
    ) -> Participant:
        """A participant not stored yet: a new random id, created now.

        Every new participant is made here; the account store decodes stored ones.
        """
        return cls(
            id=secrets.token_urlsafe(18),
            study_id=study_id,
            email=email,
            status=status,
            consented=consented,
            email_verified=email_verified,
            created_on=utc_now_iso(),
            password_hash=password_hash,
            password_unproven=password_unproven,
            languages=languages,
        )

    @property
    def enabled(self) -> bool:
        return self.status == "enabled"

    @property
    def data_sharing(self) -> bool:
        return self.sharing_scope != "no_sharing"
