"""Use cases: what a recipient, courier or admin can do, written against the ports."""
