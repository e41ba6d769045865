"""The Lua scripts, shipped as package data and registered once per connection."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from redis.commands.core import AsyncScript


class Scripts:
    """One attribute per Lua file in ``store/lua``; each runs with EVALSHA and falls back."""

    def __init__(self, redis: Any) -> None:
        folder = files("service.store").joinpath("lua")

        def load(name: str) -> AsyncScript:
            script: AsyncScript = redis.register_script(folder.joinpath(f"{name}.lua").read_text())
            return script

        # accounts (one participant's slot)
        self.issue_sign_in_token = load("issue_sign_in_token")
        self.authenticate = load("authenticate")
        self.create_account = load("create_account")
        self.update_account = load("update_account")
        # outbox (the {outbox} slot)
        self.accept_sign_in = load("accept_sign_in")
        self.settle_job = load("settle_job")
        self.promote_due = load("promote_due")
        self.requeue_dead = load("requeue_dead")
        self.accept_onboarding = load("accept_onboarding")
