"""One API over every service: ``/api/v1/<resource>/...`` routed to the service that owns
the resource, its pooled clients and circuit breakers, and fan-out calls to several at once."""
