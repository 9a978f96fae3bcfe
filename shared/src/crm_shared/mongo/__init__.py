"""MongoDB helpers: client factory, indexes, tenant scoping, pagination, transactions."""
