"""The centre's console: a Flask app of its own, with its own operators and sessions."""

from locker.centre.web.app import create_console

__all__ = ["create_console"]
