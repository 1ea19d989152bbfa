"""A test client that follows a form's post-redirect-get hop, as a browser does.

Every form of the kiosk answers its POST with a 303 to its result page (`/again/<token>`,
`locker/web/repeat_guard.py`). A browser follows it without a thought; so does this client,
so that a test reads the page and status a person would see. Other redirects (a login's, an
admin action's) are left for the test to look at.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask.testing import FlaskClient

RESULT_PAGES = "/again/"


class BrowserClient(FlaskClient):
    """Follows the 303 to a form's result page; everything else as FlaskClient."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        response = super().open(*args, **kwargs)
        if response.status_code == 303 and "follow_redirects" not in kwargs:
            target = urlsplit(response.location)
            if target.path.startswith(RESULT_PAGES):
                response.close()
                # The same browser follows it: from the same address.
                return super().open(
                    target.path, method="GET", environ_base=kwargs.get("environ_base") or {}
                )
        return response
