"""Getting apps onto the right server: provisioning links, MDM exports, onboarding emails."""
