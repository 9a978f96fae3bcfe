"""HTTP kit: the FastAPI app factory, problem details, middleware, health."""
