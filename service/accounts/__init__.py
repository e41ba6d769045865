"""Participant accounts: the email address rules and the participant record. No I/O."""
