"""Password hashing with argon2id through passlib's API (the maintained ``libpass`` fork).

Hashing costs tens of milliseconds of CPU and about 19 MiB of memory on purpose, so these
functions run only through :class:`service.auth.password_work.PasswordWork`, which bounds how
many run at once, and never on the event loop.
"""

from __future__ import annotations

from passlib.context import CryptContext

MIN_LENGTH = 8
MAX_LENGTH = 1024

# OWASP's argon2id baseline: 19 MiB of memory, 2 passes, 1 lane.
_context = CryptContext(
    schemes=["argon2"],
    argon2__type="ID",
    argon2__memory_cost=19 * 1024,
    argon2__time_cost=2,
    argon2__parallelism=1,
)

# Verified against when the account is unknown or has no password, so that a wrong address
# costs the same time as a wrong password.
_DECOY_HASH: str = _context.hash("decoy password that nobody has")


def hash_password(password: str) -> str:
    return str(_context.hash(password))


def verify_password(password: str, stored_hash: str | None) -> bool:
    if not stored_hash:
        _context.verify(password, _DECOY_HASH)
        return False
    return bool(_context.verify(password, stored_hash))


def password_problem(password: object) -> str | None:
    """Why a password is unacceptable, or None when it is fine."""
    if not isinstance(password, str):
        return "password must be a string"
    if len(password) < MIN_LENGTH:
        return f"password must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"password must be at most {MAX_LENGTH} characters"
    return None
