"""The carriers' JSON API on the centre (docs/api.md), served beside the console."""

from locker.centre.api.app import create_api
from locker.centre.api.mount import mount_api

__all__ = ["create_api", "mount_api"]
