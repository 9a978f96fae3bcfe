"""Conversion: a converted lead (LeadConverted) becomes a contact, and maybe an account."""
