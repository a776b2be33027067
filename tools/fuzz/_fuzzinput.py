"""FuzzInput: typed values read off the front of a fuzz input.

Our own reader rather than atheris' FuzzedDataProvider, so that a corpus file means the same
thing with and without atheris installed (tests/test_fuzz_corpus.py replays the corpus
without it) and so that seeds can be written by hand: every value is read from the front,
and an exhausted input reads as zeros and empty strings.
"""

from __future__ import annotations

from typing import Sequence, TypeVar

T = TypeVar("T")

# How the targets turn bytes into text: "surrogateescape" keeps invalid UTF-8 as lone
# surrogates (text that cannot be encoded again, which the API must refuse cleanly).
TEXT_ERRORS = ("replace", "surrogateescape")


class FuzzInput:
    def __init__(self, data: bytes) -> None:
        self._data = bytes(data)
        self._position = 0

    @property
    def remaining(self) -> int:
        return len(self._data) - self._position

    def byte(self) -> int:
        if self._position >= len(self._data):
            return 0
        value = self._data[self._position]
        self._position += 1
        return value

    def int_in(self, low: int, high: int) -> int:
        """An int in low..high (inclusive), from as few bytes as the range needs."""
        span = high - low
        if span <= 0:
            return low
        value = 0
        for _ in range((span.bit_length() + 7) // 8):
            value = (value << 8) | self.byte()
        return low + value % (span + 1)

    def flag(self) -> bool:
        return bool(self.byte() & 1)

    def choice(self, options: Sequence[T]) -> T:
        return options[self.int_in(0, len(options) - 1)]

    def take(self, count: int) -> bytes:
        """Up to `count` bytes (fewer at the end of the input)."""
        chunk = self._data[self._position : self._position + max(count, 0)]
        self._position += len(chunk)
        return chunk

    def sized(self, max_size: int) -> bytes:
        """A length (two bytes), then that many bytes: at most `max_size`."""
        return self.take(self.int_in(0, 65535) % (max_size + 1))

    def rest(self) -> bytes:
        return self.take(self.remaining)

    def text(self, raw: bytes, errors: str | None = None) -> str:
        """`raw` as text; the decoding error mode is read from the input unless given."""
        return raw.decode("utf-8", errors or self.choice(TEXT_ERRORS))
