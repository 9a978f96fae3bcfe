"""Cases: customer-service tickets with a status life cycle and an SLA by priority."""
