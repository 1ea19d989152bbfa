"""Controller for one contactless self-service parcel locker."""

__version__ = "0.1.0"
