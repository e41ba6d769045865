"""The HTTP edge: the only package that knows Starlette and status codes."""
