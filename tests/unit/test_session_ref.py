"""What a session string in Redis says: its own encoding, and those of earlier versions."""

from __future__ import annotations

from service.store.sessions import SessionRef

TAG = "{study-a:0123456789abcdef0123456789abcdef}"


def test_a_session_reads_back_as_written() -> None:
    ref = SessionRef(TAG, "participant-1", 3)
    assert SessionRef.decode(ref.encode()) == ref


def test_the_previous_version_can_still_read_a_new_session() -> None:
    # It split the string into study, tag, participant id and generation.
    study_id, tag, participant_id, generation = SessionRef(TAG, "participant-1", 3).encode().split()
    assert (study_id, tag, participant_id, generation) == ("study-a", TAG, "participant-1", "3")


def test_sessions_written_with_the_study_id_in_front_still_point_at_their_account() -> None:
    assert SessionRef.decode(f"study-a {TAG} participant-1 3") == SessionRef(
        TAG, "participant-1", 3
    )
    # Older still: before session generations, every session was of generation 0.
    assert SessionRef.decode(f"study-a {TAG} participant-1") == SessionRef(TAG, "participant-1", 0)
