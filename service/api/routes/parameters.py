"""What the researcher API's operations share: the path parameters, an unknown study."""

from __future__ import annotations

from service.api.operations import Failure, Parameter
from service.api.schemas.auth import EXAMPLE_STUDY_ID
from service.api.schemas.sessions import PARTICIPANT_ID_PATTERN
from service.studies.model import IDENTIFIER

STUDY_ID = Parameter(
    "study_id",
    "path",
    "The study's identifier.",
    {"type": "string", "pattern": f"^{IDENTIFIER.pattern}$"},
    example=EXAMPLE_STUDY_ID,
)
PARTICIPANT_ID = Parameter(
    "participant_id",
    "path",
    "The participant's `id`.",
    {"type": "string", "pattern": PARTICIPANT_ID_PATTERN},
)
NO_STUDY = Failure("No study with this identifier.", ("EntityNotFoundException",), ("Study",))
