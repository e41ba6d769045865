"""Reading request bodies: bounded in size, strict JSON, clear 4xx answers."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import ClientDisconnect, Request

from service.api.errors import BadRequest, HttpError, PayloadTooLarge
from service.errors import Invalid


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# One decoder for every request: json.loads() with an option builds a new one per call.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def _too_large(max_bytes: int, what: str) -> HttpError:
    return PayloadTooLarge(f"{what} is larger than {max_bytes} bytes.")


async def read_body(request: Request, max_bytes: int, what: str = "Request body") -> bytes:
    """The whole body, or 413 naming ``what`` as soon as it passes ``max_bytes``."""
    # The ASGI messages are read directly: Request.stream() is an async generator, a cost
    # that shows on the busiest endpoints, which all read a small body in one message.
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(max_bytes, what)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def read_json(request: Request, max_bytes: int) -> Any:
    raw = await read_body(request, max_bytes)
    if not raw.strip():
        raise BadRequest("Request body is required: send a JSON object.")
    try:
        data = _DECODER.decode(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadRequest("Request body must be UTF-8 encoded JSON.") from None
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"Request body is not valid JSON: {exc}") from None
    # JSON may spell half of a UTF-16 surrogate pair as an escape (\ud800); such a string
    # cannot be encoded, hashed or stored, so it is refused here, naming where it was.
    if b"\\u" in raw:
        where = _unpaired_surrogate(data, "")
        if where is not None:
            raise Invalid(
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
