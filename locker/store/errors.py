"""Errors the store raises."""


class StoreError(Exception):
    """The store cannot do what was asked; the message says why, fit to show a person."""
