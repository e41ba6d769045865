"""Studies: the model researchers edit, its validation, and email template substitution."""
