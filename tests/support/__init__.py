"""Test support: the real Redis and SMTP servers the suite starts, and API helpers."""
