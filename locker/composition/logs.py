"""The locker's logging: to stderr, with every phone number masked."""

from __future__ import annotations

import logging

from locker.log_masking import install_phone_masking


def configure_logging(level: int = logging.INFO) -> None:
    """Log to stderr, with every phone number masked; a second call only changes the level."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    root.setLevel(level)
    install_phone_masking(root)
