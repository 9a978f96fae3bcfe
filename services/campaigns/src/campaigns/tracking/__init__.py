"""Tracking: signed open, click and unsubscribe links, and what they record."""
