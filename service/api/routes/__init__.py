"""Thin HTTP handlers: parse the request, call one domain function, shape the answer."""
