"""Notifications service: e-mail, in-app notifications with a live stream, webhooks."""
