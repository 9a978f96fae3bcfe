"""Event envelope (CloudEvents 1.0) and the one catalogue of event models."""
