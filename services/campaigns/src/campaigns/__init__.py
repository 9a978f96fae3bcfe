"""Campaigns service: campaigns, segments, members, launches, metrics, automations."""
