"""Imports: CSV import of contacts and accounts, and the CSV layout of exports."""
