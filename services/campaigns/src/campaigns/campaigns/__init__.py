"""Campaigns: CRUD, launch and status actions, members, the background sender."""
