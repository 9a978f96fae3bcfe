"""E-mail over SMTP: each EmailRequested becomes a queued delivery, sent and recorded."""
