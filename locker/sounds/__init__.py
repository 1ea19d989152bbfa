"""The screen's sound clips: which there are, and how they are made at set-up time."""
