"""Authentication: the sign-in flows, tokens and their keyed hashes, passwords (hashed off the
event loop), attempt limits and the session body. Redis only through ``service.store``."""
