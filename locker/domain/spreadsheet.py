"""Text bound for a CSV file that people open in a spreadsheet.

A spreadsheet runs a cell that starts with one of `FORMULA_STARTS` as a formula, so a tracking
number, username or reason typed as `=HYPERLINK(...)` would run on the admin's machine. Such a
cell gets a leading apostrophe, which shows the text as typed (OWASP, "CSV Injection").
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> str:
    """`value` as CSV cell text that a spreadsheet shows and never runs; None is empty."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
