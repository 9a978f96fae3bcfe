"""Audience: the contact projection kept from events, and who a campaign reaches."""
