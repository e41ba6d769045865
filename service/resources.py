"""Where the service's own templates live: beside the package in a checkout, in it in a wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def templates_dir() -> Path:
    bundled = _PACKAGE / "_templates"  # wheels map the top-level templates/ here
    return bundled if bundled.is_dir() else _PACKAGE.parent / "templates"
