"""Purchases: contacts' stats from closed deals, RFM ranking and segments, CLV."""
