"""The nightly fuzz run: schemathesis's CLI against a live ``magiclink serve`` (``make fuzz``)."""
