"""The pickup QR as a PNG image: attached to an e-mail, shown on the demo phone."""

from __future__ import annotations

import struct
import zlib

import qrcode
from qrcode.constants import ERROR_CORRECT_M

QR_MODULE_PX = 8
QR_BORDER_MODULES = 4


def qr_png(payload: str) -> bytes:
    """The pickup QR of `payload` (error correction M) as a greyscale PNG."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QR_BORDER_MODULES)
    code.add_data(payload.encode("utf-8"))
    code.make(fit=True)
    return _png(code.get_matrix(), QR_MODULE_PX)


def _png(modules: list[list[bool]], scale: int) -> bytes:
    # qrcode writes PNG only through Pillow or pypng, neither of which the locker needs
    # otherwise; a black-and-white image is a few lines of zlib.
    rows = []
    for row in modules:
        line = b"\x00" + bytes(0 if dark else 255 for dark in row for _ in range(scale))
        rows.extend([line] * scale)
    width, height = len(modules[0]) * scale, len(modules) * scale
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
