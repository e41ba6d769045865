"""Email: building messages from study templates, sending them, and the outbox worker."""
