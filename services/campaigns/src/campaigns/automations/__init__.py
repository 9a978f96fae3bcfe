"""Automations: rules "when <event> matches <conditions> then <actions>", fired on events."""
