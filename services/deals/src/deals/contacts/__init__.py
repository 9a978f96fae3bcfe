"""The contact projection: contacts named on deals, kept in step with contact events."""
