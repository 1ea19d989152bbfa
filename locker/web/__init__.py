"""The kiosk's Flask app: blueprints over the use cases, no SQL and no protocol bytes."""

from locker.web.app import create_app

__all__ = ["create_app"]
