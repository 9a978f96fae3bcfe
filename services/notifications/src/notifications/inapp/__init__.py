"""In-app notifications: events addressed to a user or a role, read state, and a live stream."""
