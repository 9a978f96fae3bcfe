"""The CRM API gateway."""
