"""The chime a door plays as it opens: two rising bell tones, written as a WAV file."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE_HZ = 22050  # espeak-ng's own rate, so every clip plays through the same path
# G5 then C6: a rising fourth reads as "yes" (a falling one as "no") in most places.
NOTES_HZ = (783.99, 1046.50)
NOTE_S = 0.45
DECAY_PER_S = 6.0
PEAK = 0.6 * 32767  # headroom, so the two notes' overlap never clips


def chime_samples() -> list[int]:
    """The chime as 16-bit mono samples: each note a struck bell that dies away."""
    length = int(RATE_HZ * NOTE_S * (len(NOTES_HZ) + 1))
    samples = [0.0] * length
    for n, freq in enumerate(NOTES_HZ):
        start = int(RATE_HZ * NOTE_S * n)
        for i in range(length - start):
            t = i / RATE_HZ
            # A bell is its fundamental with a softer octave above it.
            tone = math.sin(2 * math.pi * freq * t) + 0.3 * math.sin(4 * math.pi * freq * t)
            samples[start + i] += tone * math.exp(-DECAY_PER_S * t)
    loudest = max(abs(s) for s in samples)
    return [round(s / loudest * PEAK) for s in samples]


def write_chime(path: Path) -> None:
    """Write the chime to `path` as a WAV file."""
    samples = chime_samples()
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE_HZ)
        out.writeframes(struct.pack(f"<{len(samples)}h", *samples))
