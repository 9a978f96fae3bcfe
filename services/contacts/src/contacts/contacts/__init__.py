"""Contacts: the people a company deals with, their e-mails, merging and lifecycle stage."""
