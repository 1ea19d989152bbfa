"""The wire format between a locker and the centre: topics, certificates and signed commands."""
