"""Sales reports served from incrementally kept read models, and their rebuild."""
