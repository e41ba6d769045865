"""schemathesis hooks for ``make fuzz``: loaded by the schemathesis CLI (``hooks`` in
``tests/fuzz/schemathesis.toml``), in its own process.

Before each request: the seeded study, participant and session are put back if an earlier case
changed them, and the placeholders of the configured dictionaries (participant id, emailed
sign-in token, reauth token) and a session that has since ended are swapped for live values.
After each request: note whether it may have changed them.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import schemathesis

from tests.fuzz.world import World


@cache
def _world() -> World:
    return World.from_environment()


@schemathesis.hook
def before_call(
    context: schemathesis.HookContext, case: schemathesis.Case[Any], kwargs: dict[str, Any]
) -> None:
    _world().prepare(case)


@schemathesis.hook
def after_call(
    context: schemathesis.HookContext, case: schemathesis.Case[Any], response: schemathesis.Response
) -> None:
    _world().after(case, response)
