"""The kiosk's two screens, for `@pytest.mark.parametrize("viewport", VIEWPORTS)`."""

import pytest

PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1280, "height": 800}
VIEWPORTS = [pytest.param(PORTRAIT, id="portrait"), pytest.param(LANDSCAPE, id="landscape")]
# On the portrait screen people touch nothing above this row: mounted as docs/installation.md
# says, the rows from here down are at most 1.2 m from the floor, in a wheelchair user's reach.
REACH_TOP_PX = 640
# A door number this tall (its letters' ink, not its line) reads from 3 m on that screen.
DOOR_NUMBER_MIN_PX = 200
