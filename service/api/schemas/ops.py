"""Operators' answers: liveness and readiness."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from service.api.schemas import Schema


class Health(Schema):
    status: Literal["ok"] = "ok"


class Readiness(Schema):
    status: Literal["ready", "unavailable"]
    redis: Annotated[str, Field(description="ok, or why Redis is not answering.")]
