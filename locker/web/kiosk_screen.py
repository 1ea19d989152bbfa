"""Whether a request comes from the locker's own touchscreen.

The screen's browser runs on the locker and talks to 127.0.0.1. What the camera hands over to
the screen (a courier's badge login, a recipient's other doors) is for that browser only, even
when `host` opens the kiosk to the network for remote admin pages.
"""

from __future__ import annotations

import ipaddress

from flask import request


def from_kiosk_screen() -> bool:
    """True for a request from this machine's loopback address."""
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False
