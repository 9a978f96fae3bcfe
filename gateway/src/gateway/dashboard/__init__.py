"""The sales dashboard: figures gathered from the services at once."""
