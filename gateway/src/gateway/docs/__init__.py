"""The platform's API documentation: one OpenAPI document merged from the gateway's and
every service's, and the docs UI over it."""
