"""Liveness and readiness of the gateway and the services behind it."""
