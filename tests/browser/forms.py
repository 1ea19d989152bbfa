"""Submitting a kiosk form in the browser and waiting for the page it leads to."""

from playwright.sync_api import Page


def submit(page: Page, selector: str) -> None:
    """Click a form's button and wait until the answer (after any redirect) has loaded, so the
    next `goto` cannot cut the post short."""
    with page.expect_navigation(wait_until="load"):
        page.click(selector)
