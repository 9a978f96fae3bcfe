"""Activities: calls, e-mails, meetings, tasks and notes on a contact, account or deal."""
