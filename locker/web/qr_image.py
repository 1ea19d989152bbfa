"""A pickup QR drawn on a page: a PNG inline, so the kiosk needs no route that serves codes."""

from __future__ import annotations

import base64

from locker.notify.qr_image import qr_png


def qr_data_uri(payload: str) -> str:
    """The QR of `payload` as a `data:` URI for an <img>."""
    return "data:image/png;base64," + base64.b64encode(qr_png(payload)).decode("ascii")
