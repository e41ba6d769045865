"""Researchers' changes to participants: create, update (including the address), delete."""

from __future__ import annotations

import logging
from dataclasses import replace

from service.accounts.edits import ParticipantEdit
from service.accounts.email_address import masked, normalized
from service.accounts.participant import Participant
from service.auth.password_work import PasswordWork
from service.errors import AlreadyExists, NotFound
from service.store.accounts import AccountStore
from service.studies.repository import Studies

log = logging.getLogger(__name__)


_TAKEN = "A participant with this email address already exists in the study"


class ParticipantManagement:
    """Researchers' changes to a study's participants."""

    def __init__(
        self,
        *,
        studies: Studies,
        accounts: AccountStore,
        password_work: PasswordWork,
    ) -> None:
        self.studies = studies
        self.accounts = accounts
        self.password_work = password_work

    async def create_participant(self, study_id: str, edit: ParticipantEdit) -> Participant:
        study = await self.studies.get(study_id)
        assert edit.email is not None
        password_hash = await self.password_work.hash(edit.password) if edit.password else None
        participant = Participant.new(
            study.identifier,
            edit.email,
            status=edit.status or "enabled",
            consented=bool(edit.consented),
            email_verified=bool(edit.email_verified),
            password_hash=password_hash,
            languages=edit.languages or (),
        )
        if not await self.accounts.create(participant, normalized(participant.email)):
            raise await self._taken(study.identifier, participant.email)
        log.info(
            "participant %s (%s) created in %s",
            participant.id,
            masked(participant.email),
            study.identifier,
        )
        return participant

    async def get_participant(self, study_id: str, participant_id: str) -> Participant:
        study = await self.studies.get(study_id)
        participant = await self.accounts.by_id(study.identifier, participant_id)
        if participant is None:
            raise NotFound("StudyParticipant")
        return participant

    async def update_participant(
        self, study_id: str, participant_id: str, edit: ParticipantEdit
    ) -> Participant:
        current = await self.get_participant(study_id, participant_id)
        password_hash = current.password_hash
        password_unproven = current.password_unproven
        if edit.password is not None:
            password_hash = await self.password_work.hash(edit.password)
            password_unproven = False  # the researcher's choice
        elif edit.email_verified and password_unproven:
            # Marking the address verified must not make a password somebody chose at sign-up,
            # before anybody proved the address, usable.
            password_hash, password_unproven = None, False
        email = edit.email if edit.email is not None else current.email
        address_changed = normalized(email) != normalized(current.email)
        updated = replace(
            current,
            email=email,
            status=edit.status if edit.status is not None else current.status,
            consented=edit.consented if edit.consented is not None else current.consented,
            # A new address is not verified until its owner signs in with a link sent there.
            email_verified=(
                edit.email_verified
                if edit.email_verified is not None
                else current.email_verified and not address_changed
            ),
            password_hash=password_hash,
            password_unproven=password_unproven,
            languages=edit.languages if edit.languages is not None else current.languages,
        )
        if not updated.consented:
            # Taking the consent away is a withdrawal: no signature, no data sharing (Bridge).
            updated = replace(updated, consented_on=None, sharing_scope="no_sharing")
        if address_changed:
            # A new address means new keys; moving also ends the old address's sessions and tokens.
            if not await self.accounts.move(
                current, normalized(current.email), updated, normalized(email)
            ):
                raise await self._taken(current.study_id, email)
        else:
            await self.accounts.save(updated, normalized(email))
            if current.enabled and not updated.enabled:
                # Disabling ends every session and reauth token at once, not at their expiry.
                await self.accounts.end_sessions(updated, normalized(email))
        log.info("participant %s of %s updated", participant_id, current.study_id)
        return updated

    async def _taken(self, study_id: str, email: str) -> AlreadyExists:
        """The conflict, naming the participant who has the address: researchers may know
        (the public sign-up never raises this; it answers alike for every address)."""
        existing = await self.accounts.by_email(study_id, normalized(email))
        if existing is None:  # deleted since: nobody to name (trying again would succeed)
            return AlreadyExists("StudyParticipant", f"{_TAKEN}.", {})
        return AlreadyExists(
            "StudyParticipant", f"{_TAKEN} (id {existing.id}).", {"userId": existing.id}
        )

    async def delete_participant(self, study_id: str, participant_id: str) -> None:
        participant = await self.get_participant(study_id, participant_id)
        await self.accounts.delete(participant, normalized(participant.email))
        log.info("participant %s of %s deleted", participant_id, participant.study_id)
