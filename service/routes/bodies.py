"""Reading request bodies: bounded in size, strict JSON, clear 4xx answers."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from service.errors import BadRequest, PayloadTooLarge


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


async def read_json(request: Request, max_bytes: int) -> Any:
    declared = request.headers.get("content-length")
    too_large = PayloadTooLarge(f"Request body is larger than {max_bytes} bytes.")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise too_large
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        raise BadRequest("Request body is required: send a JSON object.")
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise BadRequest("Request body must be UTF-8 encoded JSON.") from None
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"Request body is not valid JSON: {exc}") from None
