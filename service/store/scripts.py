"""The Lua scripts, shipped as package data and registered once per connection."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from redis.commands.core import AsyncScript


class Scripts:
    """One attribute per Lua file in ``store/lua``; each runs with EVALSHA and falls back."""

    def __init__(self, redis: Any) -> None:
        lua = files("service.store").joinpath("lua")
        self.request_sign_in: AsyncScript = redis.register_script(
            lua.joinpath("request_sign_in.lua").read_text()
        )
        self.authenticate: AsyncScript = redis.register_script(
            lua.joinpath("authenticate.lua").read_text()
        )
        self.update_account: AsyncScript = redis.register_script(
            lua.joinpath("update_account.lua").read_text()
        )
        self.create_account: AsyncScript = redis.register_script(
            lua.joinpath("create_account.lua").read_text()
        )
