"""Signed webhooks: subscriptions, fan-out of every event, and the delivery log."""
