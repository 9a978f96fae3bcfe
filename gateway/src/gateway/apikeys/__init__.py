"""API keys for integrations: created by admins with scopes, shown once, stored hashed,
revoked at once."""
