"""The decoder libraries behind the pipeline, each behind one small read function.

An engine takes a grayscale uint8 image and returns `RawCode`s in that image's pixels. It knows
nothing of the cascade: the pipeline in `decoding` decides which engine sees which image.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from locker.domain import badge, qr_payload

# Our symbology names, as `DecodedCode.symbology` carries them, mapped to each library's own.
# zxing-cpp: `zxingcpp.BarcodeFormat` member names. zbar: the `type` strings pyzbar returns.
ZXING_FORMATS = {
    "QR": "QRCode",  # zxing-cpp's QRCode covers Model 1 and Model 2
    "MICROQR": "MicroQRCode",
    "CODE128": "Code128",
    "EAN13": "EAN13",
    "EAN8": "EAN8",
    "UPCA": "UPCA",
    "CODE39": "Code39",
    "DATAMATRIX": "DataMatrix",
}
ZBAR_TYPES = {
    "QR": "QRCODE",
    "CODE128": "CODE128",
    "EAN13": "EAN13",
    "EAN8": "EAN8",
    "UPCA": "UPCA",
    "CODE39": "CODE39",
}
# What a kiosk reads: pickup QR codes and couriers' tracking barcodes.
DEFAULT_FORMATS = ("QR", "CODE128", "EAN13", "CODE39")
# 2D symbologies: zxing-cpp looks for these first, and for the 1D ones only if none was found
# or what it found is not the locker's own (a carrier's QR beside a waybill's barcode).
MATRIX_FORMATS = frozenset({"QR", "MICROQR", "DATAMATRIX"})
# Codes that settle a frame by themselves: a pickup QR and a courier's badge.
OWN_PREFIXES = (f"{qr_payload.PREFIX}:", f"{badge.PREFIX}:", f"{badge.FLEET_PREFIX}:")

Polygon = tuple[tuple[int, int], ...]


class RawCode(NamedTuple):
    """One code as an engine saw it, in the pixels of the image it was given."""

    text: str
    symbology: str
    polygon: Polygon


Engine = Callable[[np.ndarray], list[RawCode]]


class EngineError(ValueError):
    """An engine name or a format the engine cannot read was asked for."""


def zxing_engine(formats: Sequence[str], *, try_invert: bool = False) -> Engine:
    """A zxing-cpp reader for `formats`, returning text exactly as encoded (TextMode.Plain).

    The 2D formats are searched first; the 1D ones only on an image where no 2D code was found
    or one was not the locker's own: a pickup QR beside a barcode gives the QR code alone, a
    carrier's QR beside a waybill's barcode gives both.

    zxing-cpp's own inverted pass is off by default: the cascade has an explicit inverted stage,
    so a frame that holds no code does not pay for the inversion twice.
    """
    import zxingcpp

    for name in formats:
        if name not in ZXING_FORMATS:
            raise EngineError(f"zxing-cpp engine does not read {name!r}")
    # Two passes, 2D first: zxing-cpp's row scans for the 1D formats cost about four times its
    # QR search, so a frame holding a QR code would pay five times what it needs.
    passes = [
        tuple(getattr(zxingcpp.BarcodeFormat, ZXING_FORMATS[name]) for name in group)
        for group in (
            [n for n in formats if n in MATRIX_FORMATS],
            [n for n in formats if n not in MATRIX_FORMATS],
        )
        if group
    ]
    ours = {getattr(zxingcpp.BarcodeFormat, v): k for k, v in ZXING_FORMATS.items()}

    def read(gray: np.ndarray) -> list[RawCode]:
        codes: list[RawCode] = []
        for wanted in passes:
            found = zxingcpp.read_barcodes(
                gray, formats=wanted, text_mode=zxingcpp.TextMode.Plain, try_invert=try_invert
            )
            codes += [_raw(barcode) for barcode in found]
            if codes and all(code.text.startswith(OWN_PREFIXES) for code in codes):
                break
        return codes

    def _raw(barcode: zxingcpp.Barcode) -> RawCode:
        pos = barcode.position
        corners = (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)
        polygon = tuple((int(p.x), int(p.y)) for p in corners)
        symbology = ours.get(barcode.format, str(barcode.format).rsplit(".", 1)[-1].upper())
        return RawCode(barcode.text, symbology, polygon)

    return read


def pyzbar_engine(formats: Sequence[str]) -> Engine:
    """A zbar reader (through pyzbar) for the `formats` zbar knows."""
    from pyzbar import pyzbar
    from pyzbar.pyzbar import ZBarSymbol

    symbols = []
    for name in formats:
        if name not in ZBAR_TYPES:
            continue  # zbar has no reader for it; other engines may
        symbols.append(ZBarSymbol[ZBAR_TYPES[name]])
    if not symbols:
        raise EngineError(f"pyzbar engine reads none of {list(formats)}")
    ours = {v: k for k, v in ZBAR_TYPES.items()}

    def read(gray: np.ndarray) -> list[RawCode]:
        codes = []
        for symbol in pyzbar.decode(gray, symbols=symbols):
            # zbar hands back UTF-8 (it transcodes Shift_JIS and Latin-1 itself, not always
            # correctly, which is one reason zxing-cpp goes first).
            text = symbol.data.decode("utf-8", errors="replace")
            polygon = tuple((int(p.x), int(p.y)) for p in symbol.polygon)
            codes.append(RawCode(text, ours.get(symbol.type, symbol.type), polygon))
        return codes

    return read


ENGINE_FACTORIES: dict[str, Callable[[Sequence[str]], Engine]] = {
    "zxing": zxing_engine,
    "pyzbar": pyzbar_engine,
}


def make_engine(name: str, formats: Sequence[str]) -> Engine:
    """The engine called `name` ("zxing" or "pyzbar"), reading `formats`."""
    try:
        factory = ENGINE_FACTORIES[name]
    except KeyError:
        raise EngineError(f"unknown engine {name!r}; known: {sorted(ENGINE_FACTORIES)}") from None
    return factory(formats)
