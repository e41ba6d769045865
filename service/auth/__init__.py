"""Domain logic of authentication: tokens, hashing, passwords, session shapes. No I/O."""
