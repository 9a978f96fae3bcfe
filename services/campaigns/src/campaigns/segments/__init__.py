"""Segments: saved rules over the contact projection, and static lists of contacts."""
