"""magiclink: passwordless sign-in for mobile research apps on the Bridge REST contract."""

from pathlib import Path

__version__ = "0.1.0"

_PACKAGE = Path(__file__).resolve().parent


def templates_dir() -> Path:
    """Where the service's own templates live: beside the package in a checkout, in it in a
    wheel (wheels map the top-level ``templates/`` to ``service/_templates``)."""
    bundled = _PACKAGE / "_templates"
    return bundled if bundled.is_dir() else _PACKAGE.parent / "templates"
