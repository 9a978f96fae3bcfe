"""Accounts: the companies contacts belong to, unique by domain, with parent accounts."""
