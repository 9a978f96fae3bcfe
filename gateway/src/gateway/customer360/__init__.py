"""The 360-degree view of a customer, composed from the services at once."""
