"""The kiosk's two screens, for `@pytest.mark.parametrize("viewport", VIEWPORTS)`."""

import pytest

PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1280, "height": 800}
VIEWPORTS = [pytest.param(PORTRAIT, id="portrait"), pytest.param(LANDSCAPE, id="landscape")]
