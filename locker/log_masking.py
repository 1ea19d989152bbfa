"""A logging filter that masks phone numbers in every record, whatever logged it."""

from __future__ import annotations

import logging

from locker.domain.phone import mask_phones_in


class PhoneMaskingFilter(logging.Filter):
    """Rewrites each record's message with phone-number-like digit runs masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask in place; never drops a record."""
        message = record.getMessage()
        masked = mask_phones_in(message)
        if masked != message:
            record.msg, record.args = masked, None
        # A traceback can quote a phone too; formatters reuse exc_text once it is set.
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_phones_in(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_phones_in(record.stack_info)
        return True


def install_phone_masking(logger: logging.Logger) -> None:
    """Mask phone numbers on every handler of `logger` (handlers see child loggers' records)."""
    for handler in logger.handlers:
        if not any(isinstance(f, PhoneMaskingFilter) for f in handler.filters):
            handler.addFilter(PhoneMaskingFilter())
