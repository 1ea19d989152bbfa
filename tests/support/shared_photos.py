"""The shared real photos of QR codes (`../shared/data/qr`) and the texts they must decode to.

Each photo's reference is the `.txt` beside it, except where the photo's own code shows that
reference to be wrong (`CORRECTED_REFERENCES`, with the evidence in docs/scanning.md).
"""

from __future__ import annotations

from pathlib import Path

SHARED_QR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "qr"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"}

# zxing's blackbox/qrcode-2/13.txt drops the "y" of "photography". The code in 13.png is a
# version 6-Q symbol with mask 7: re-encoded with the text below it differs from the photo in 111
# of 1,681 modules (the artwork), with the .txt's text in 579; and the read used half of the
# symbol's error correction, so no other text lies within its reach.
CORRECTED_REFERENCES = {
    "zxing-qrcode-2/13.png": (
        "The 2005 USGS aerial photography of the Washington Monument is censored."
    ),
}


def reference_text(root: Path, path: Path) -> str | None:
    """What `path` must decode to: its corrected reference, else its `.txt`, else None."""
    corrected = CORRECTED_REFERENCES.get(path.relative_to(root).as_posix())
    if corrected is not None:
        return corrected
    expected = path.with_suffix(".txt")
    if not expected.exists():
        return None
    # Bytes, not read_text(): universal newlines would turn the payloads' CRLF into LF.
    return expected.read_bytes().decode("utf-8")


def photos(root: Path = SHARED_QR) -> list[tuple[Path, str]]:
    """(photo, the text it must decode to) for every photo with a reference, in name order."""
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        text = reference_text(root, path)
        if text is not None:
            found.append((path, text))
    return found
