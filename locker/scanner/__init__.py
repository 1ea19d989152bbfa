"""Camera scanning: decoding codes from kiosk camera frames."""
