"""Sales pipelines and their ordered stages (the default one is created on first use)."""
