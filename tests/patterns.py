"""Known content (a four-colour picture, a tone) and how to read it back, for any peer; no
third-party peer imported, so tests on interpreters without aiortc can use it."""

from __future__ import annotations

import numpy as np

# Quadrant colors (RGB): top-left, top-right, bottom-left, bottom-right.
QUADRANTS = ((230, 30, 30), (30, 200, 30), (30, 30, 230), (235, 235, 235))


def quadrant_picture(width: int, height: int) -> np.ndarray:
    picture = np.empty((height, width, 3), np.uint8)
    h, w = height // 2, width // 2
    picture[:h, :w] = QUADRANTS[0]
    picture[:h, w:] = QUADRANTS[1]
    picture[h:, :w] = QUADRANTS[2]
    picture[h:, w:] = QUADRANTS[3]
    return picture


def quadrant_centers(width: int, height: int) -> list[tuple[int, int]]:
    """(row, column) of each quadrant's center, in QUADRANTS order."""
    return [
        (height // 4, width // 4),
        (height // 4, 3 * width // 4),
        (3 * height // 4, width // 4),
        (3 * height // 4, 3 * width // 4),
    ]


def dominant_frequency(samples: np.ndarray, rate: int) -> float:
    """The strongest frequency in a mono signal."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])
