"""Logging (JSON lines, request ids) and Prometheus metrics."""
