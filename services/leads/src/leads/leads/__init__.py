"""Leads: capture, edit, lists, status, assignment, conversion, merge and their outcome."""
