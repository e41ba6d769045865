"""Compact JSON text from one encoder built once: json.dumps() with options builds a new
encoder on every call, and the request paths and log lines encode on every request."""

from __future__ import annotations

import json

# Starlette's JSONResponse options: UTF-8 as is, no NaN, no spaces.
ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def quoted(text: str) -> str:
    """A JSON string literal; a string goes straight to the encoder's C escaper."""
    return ENCODER.encode(text)
