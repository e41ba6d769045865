"""Every operation of the API, in the order routes are tried (the busiest first)."""

from __future__ import annotations

from service.api.console import operations as console
from service.api.operations import Operation
from service.api.routes import (
    auth,
    dead_letters,
    docs,
    landing,
    onboarding,
    ops,
    participant_self,
    participants,
    provisioning,
    provisioning_exports,
    provisioning_links,
    studies,
    study_stats,
    template_trials,
    wellknown,
)

OPERATIONS: list[Operation] = [
    *auth.operations,
    *studies.operations,
    *template_trials.operations,
    *study_stats.operations,
    *ops.operations,
    *participant_self.operations,
    *provisioning_exports.operations,
    *provisioning_links.operations,
    *participants.operations,
    *onboarding.operations,
    *landing.operations,
    *provisioning.operations,
    *docs.operations,
    *dead_letters.operations,
    *wellknown.operations,
    *console.operations,
]
