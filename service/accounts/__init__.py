"""Participant accounts: the record, the email address rules, and researchers' edits to them
(stored through ``service.store``)."""
