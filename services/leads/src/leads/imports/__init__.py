"""CSV import and export of leads."""
