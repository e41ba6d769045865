"""Reading request bodies: bounded in size, strict JSON, clear 4xx answers."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from service.errors import BadRequest, InvalidEntity, PayloadTooLarge


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
        data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise BadRequest("Request body must be UTF-8 encoded JSON.") from None
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"Request body is not valid JSON: {exc}") from None
    # JSON may spell half of a UTF-16 surrogate pair as an escape (\ud800); such a string
    # cannot be encoded, hashed or stored, so it is refused here, naming where it was.
    if b"\\u" in raw:
        where = _unpaired_surrogate(data, "")
        if where is not None:
            raise InvalidEntity(
                "Request body",
                {where: [f"{where} contains an unpaired UTF-16 surrogate (\\ud800-\\udfff)"]},
            )
    return data


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)


def _unpaired_surrogate(value: Any, path: str) -> str | None:
    """The path of the first string (or key) holding a lone surrogate, or None."""
    if isinstance(value, str):
        return (path or "body") if _has_surrogate(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            readable = key.encode("utf-8", "backslashreplace").decode("utf-8")
            here = f"{path}.{readable}" if path else readable
            if _has_surrogate(key):
                return here
            found = _unpaired_surrogate(item, here)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _unpaired_surrogate(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None
