"""Metrics: what campaigns achieve (member counters, attributed leads and deals, ROI)."""
