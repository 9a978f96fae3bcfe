"""Benchmarks of the CRM services on the embedded stack (``python -m bench.leads``)."""
