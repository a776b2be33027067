"""Video receive benchmark: python-webrtc (webrtc.aiortc_compat) against aiortc, in one run, over
loopback. Run it in a loopback-only network namespace, from the repository root:

  WEBRTC_ALLOW_LOOPBACK=1 scripts/netns-run .venv/bin/python benchmarks/bench_video_receive.py

Add --only aiortc or --only ours to measure one receiver, --content screen or --content motion
for one kind of clip, --quick for a short run, --json FILE to keep the figures.

A sender process (benchmarks/_video_sender.py, aiortc) streams a pre-encoded VP8 clip at 30 fps,
1280x720 and 1920x1080, packet for packet, so the sender is identical for both receivers and
never runs in the measured process. There are two kinds of clip:

  screen  a shared browser screen (what an agent watching a remote browser receives): a static
          page where a caret, a spinner, a progress bar and the pointer change, with a short
          scroll every two seconds; target 1.5 / 2.5 Mbit/s, and it comes out below that
  motion  every pixel changes in every frame (gradient, checkerboard, noise): 2.5 / 5 Mbit/s,
          the case where decoding dominates and a faster receiver gains least

The clips are encoded once with PyAV and cached in ~/.cache/python-webrtc/media/. For each
receiver, clip and size this process measures:

  frames/s       frames returned by track.recv(), after a warm-up
  CPU per frame  CPU time of this process (all threads: depacketizing, decoding, the event loop)
                 per received frame, including frame.to_ndarray(format="rgb24") on every frame
  conversions    median time of to_ndarray(format="rgb24") and of to_image() on one received
                 frame, with a numpy copy of the rgb24 array as the reference; and, for ours,
                 PyAV's rgb24 conversion of that same frame (frame.to_av().to_ndarray(...)), so
                 that our to_ndarray and PyAV's are compared on identical pixels

glibc's malloc is pinned to keep freed multi-megabyte buffers (see pin_allocator): with its
default, adaptive settings, whether each new frame-sized buffer costs fresh page faults flips
from one run to the next, and aiortc's to_image() at 720p measured 0.9 ms in some runs and
4.5-5 ms in others. --malloc-default measures under the default settings instead.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import fractions
import gc
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import av
import numpy as np

SENDER = Path(__file__).resolve().parent / "_video_sender.py"
CACHE = Path.home() / ".cache" / "python-webrtc" / "media"
FPS = 30
GOP = 30  # a keyframe every second: a passthrough sender cannot answer a PLI
SIZES = {"720p": (1280, 720), "1080p": (1920, 1080)}
RECEIVERS = {"ours": "webrtc.aiortc_compat", "aiortc": "aiortc"}


# --- The clips ------------------------------------------------------------------------------


def motion_frames(width: int, height: int, count: int):
    """yuv420p frames of moving content that costs real bits: a drifting gradient, a scrolling
    checkerboard and blocks of fresh noise that wander across the picture. (Unconstrained,
    libvpx needs about 19 Mbit/s for it at 720p, so the target rate binds.)"""
    rng = np.random.default_rng(1234)
    y_axis, x_axis = np.mgrid[0:height, 0:width].astype(np.int32)
    cy_axis, cx_axis = np.mgrid[0 : height // 2, 0 : width // 2].astype(np.int32)
    block = 64
    blocks = [(rng.integers(0, width - block), rng.integers(0, height - block)) for _ in range(12)]
    for index in range(count):
        gradient = (x_axis + y_axis // 2 + 6 * index) & 0xFF
        checker = (((x_axis + 5 * index) // 24 + (y_axis + 3 * index) // 24) & 1) * 60
        luma = gradient * 3 // 4 + checker
        for number, (bx, by) in enumerate(blocks):
            x = (bx + (number + 1) * 7 * index) % (width - block)
            y = (by + (number % 5 + 1) * 3 * index) % (height - block)
            # Noise on top of the picture rather than pure noise: pure noise blocks cannot be
            # squeezed to the target rate even at the coarsest quantizer.
            luma[y : y + block, x : x + block] += rng.integers(-40, 41, (block, block))
        luma = np.clip(luma, 0, 255).astype(np.uint8)
        chroma_u = ((cx_axis * 2 - 4 * index) & 0xFF).astype(np.uint8)
        chroma_v = ((cy_axis * 3 + 2 * index) & 0xFF).astype(np.uint8)
        # yuv420p as PyAV takes it from numpy: the Y plane, then U and V stacked as half-rows.
        planes = np.concatenate(
            [luma.ravel(), chroma_u.ravel(), chroma_v.ravel()]
        ).reshape(height * 3 // 2, width)
        frame = av.VideoFrame.from_ndarray(planes, format="yuv420p")
        frame.pts = index
        frame.time_base = fractions.Fraction(1, FPS)
        yield frame


def screen_frames(width: int, height: int, count: int):
    """yuv420p frames of a shared browser screen (see ScreenShare): a static page where only a
    caret, a spinner, a progress bar, typed text and the mouse pointer change, plus a short
    scroll of the page every two seconds."""
    screen = ScreenShare(width, height)
    for index in range(count):
        rgb = av.VideoFrame.from_ndarray(screen.render(index), format="rgb24")
        frame = rgb.reformat(format="yuv420p")  # BT.601, limited range, as a browser sends
        frame.pts = index
        frame.time_base = fractions.Fraction(1, FPS)
        yield frame


Color = tuple[int, int, int]
WHITE: Color = (255, 255, 255)
TEXT: Color = (33, 37, 41)
MUTED: Color = (108, 117, 125)
LINK: Color = (13, 110, 253)
BORDER: Color = (222, 226, 230)
HEADER: Color = (36, 41, 54)
HEADER_TEXT: Color = (214, 219, 226)
SIDEBAR: Color = (243, 244, 246)
PANEL: Color = (250, 251, 252)
TRACK: Color = (233, 236, 239)
GREEN: Color = (25, 135, 84)
RED: Color = (220, 53, 69)
NOTE: Color = (255, 243, 205)
NOTE_BORDER: Color = (240, 210, 120)
CODE: Color = (246, 248, 250)
CODE_COLORS: tuple[Color, ...] = ((36, 41, 47), (111, 66, 193), (3, 47, 98), (34, 134, 58))


def fill(canvas: np.ndarray, x: int, y: int, w: int, h: int, color: Color) -> None:
    canvas[max(y, 0) : y + h, max(x, 0) : x + w] = color


def box(canvas: np.ndarray, x: int, y: int, w: int, h: int, color: Color, edge: Color) -> None:
    """A filled rectangle with a one-pixel border."""
    fill(canvas, x, y, w, h, edge)
    fill(canvas, x + 1, y + 1, w - 2, h - 2, color)


def blend(canvas: np.ndarray, x: int, y: int, alpha: np.ndarray, color: Color) -> None:
    """Paints `color` through `alpha` (0..1, shape (h, w)), clipped to the canvas."""
    h, w = alpha.shape
    top, left = max(y, 0), max(x, 0)
    bottom, right = min(y + h, canvas.shape[0]), min(x + w, canvas.shape[1])
    if top >= bottom or left >= right:
        return
    a = alpha[top - y : bottom - y, left - x : right - x, None]
    region = canvas[top:bottom, left:right]
    region[:] = region * (1 - a) + np.asarray(color, np.float32) * a + 0.5


def disk(radius: float) -> np.ndarray:
    """Alpha of a filled circle with a one-pixel soft edge."""
    size = math.ceil(radius) * 2 + 1
    y_axis, x_axis = np.mgrid[0:size, 0:size] - size // 2
    return np.clip(radius + 0.5 - np.hypot(x_axis, y_axis), 0, 1).astype(np.float32)


class Font:
    """Letter-like glyphs: random 5x7 dot patterns, scaled to the cell and softened at their
    vertical edges the way anti-aliased text is, so that the encoder meets text-like detail."""

    def __init__(self, patterns: np.ndarray, cell_width: int, cell_height: int) -> None:
        self.cell_width, self.cell_height = cell_width, cell_height
        glyph_width, glyph_height = max(3, cell_width * 3 // 4), max(5, cell_height * 5 // 8)
        rows = np.arange(glyph_height) * 7 // glyph_height
        columns = np.arange(glyph_width) * 5 // glyph_width
        scaled = patterns[:, rows][:, :, columns].astype(np.float32)
        soft = scaled * 0.6
        soft[:, :, 1:] += scaled[:, :, :-1] * 0.2
        soft[:, :, :-1] += scaled[:, :, 1:] * 0.2
        top = (cell_height - glyph_height) * 2 // 3  # room below the baseline, as for descenders
        self.glyphs = np.zeros((len(patterns), cell_height, cell_width), np.float32)
        self.glyphs[:, top : top + glyph_height, :glyph_width] = np.minimum(soft / 0.8, 1)

    def word(self, glyph_ids) -> np.ndarray:
        return np.hstack(self.glyphs[glyph_ids])

    def write(self, canvas, x: int, y: int, words, color: Color, colors=None) -> int:
        """Writes words (lists of glyph ids) separated by one blank cell; returns the end x."""
        for number, word in enumerate(words):
            blend(canvas, x, y, self.word(word), colors[number] if colors else color)
            x += (len(word) + 1) * self.cell_width
        return x


class ScreenShare:
    """A browser window showing a web app, drawn in RGB at any size (laid out for 720p and scaled):
    a header bar with a search box, a sidebar menu, a scrolling page of text with headings, notes,
    code, tables, a chart and buttons, and a status panel.

    Per frame only small parts change: the caret blinks (and text is typed into the search box
    from time to time), a spinner turns, an indeterminate progress bar slides and the mouse pointer
    moves for two seconds out of three. Every two seconds the page scrolls by four lines over six
    frames, down to the end and back up."""

    SCROLL_EVERY, SCROLL_FRAMES, SCROLL_LINES = 2 * FPS, 6, 4

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.rng = np.random.default_rng(4321)
        patterns = self.rng.random((96, 7, 5)) < 0.42
        patterns[:, 6, :] &= self.rng.random((96, 5)) < 0.15  # most letters sit on the baseline
        self.body = Font(patterns, self.px(7), self.px(13))
        self.heading = Font(patterns, self.px(11), self.px(20))
        self.small = Font(patterns, self.px(6), self.px(11))
        self.line_height = self.px(21)
        self.header_height = self.px(48)
        self.sidebar_width, self.panel_width = self.px(200), self.px(280)
        self.main_x = self.sidebar_width
        self.main_width = width - self.sidebar_width - self.panel_width
        self.viewport_height = height - self.header_height
        self.chrome = np.empty((height, width, 3), np.uint8)
        self.draw_chrome()
        # Long enough for a few scrolls before the page bounces back.
        self.page = self.draw_page(self.viewport_height + 48 * self.line_height)
        self.scroll_step = round(self.SCROLL_LINES * self.line_height / self.SCROLL_FRAMES)
        self.query = [glyph for word in self.words(28) for glyph in [*word, -1]][:-1]
        self.dot = disk(self.px(2.6))
        arrow = [(0, 0), (0, 16), (4, 12.5), (7, 18.5), (9.5, 17.5), (6.5, 11.5), (11.5, 11.5)]
        self.pointer, self.pointer_edge = self.sprite([(self.s * x, self.s * y) for x, y in arrow])

    @property
    def s(self) -> float:
        return self.height / 720

    def px(self, length: float) -> int:
        return max(1, round(length * self.s))

    def words(self, characters: int) -> list[list[int]]:
        """Random words of 1 to 9 glyphs, about `characters` long with their spaces."""
        words, used = [], 0
        while used < characters - 2:
            length = int(min(self.rng.geometric(0.22), 9, characters - used))
            words.append(list(self.rng.integers(0, 96, length)))
            used += length + 1
        return words

    def draw_chrome(self) -> None:
        """Everything outside the scrolling page, as it looks with nothing animated."""
        c, px, w, h = self.chrome, self.px, self.width, self.height
        c[:] = WHITE
        fill(c, 0, 0, w, self.header_height, HEADER)
        fill(c, px(16), px(12), px(24), px(24), LINK)  # the logo
        x = px(56)
        for _ in range(4):
            x = self.body.write(c, x, px(18), self.words(9), HEADER_TEXT) + px(14)
        self.search = (w // 2 - px(60), px(9), px(360), px(30))
        box(c, *self.search, WHITE, BORDER)
        c[self.header_height - 1, :] = (20, 24, 33)
        avatar = disk(px(14))
        blend(c, w - px(46), px(10), avatar, (232, 140, 48))
        self.small.write(c, w - px(40), px(19), [[3, 41]], WHITE)

        fill(c, 0, self.header_height, self.sidebar_width, h, SIDEBAR)
        fill(c, self.sidebar_width - 1, self.header_height, 1, h, BORDER)
        y = self.header_height + px(20)
        for item in range(16):
            if item == 3:  # the current page
                fill(c, 0, y - px(8), self.sidebar_width - 1, px(30), (225, 236, 255))
                fill(c, 0, y - px(8), px(3), px(30), LINK)
            fill(c, px(18), y, px(14), px(14), MUTED if item != 3 else LINK)
            self.body.write(c, px(42), y, self.words(int(self.rng.integers(8, 19))), TEXT)
            y += px(36) if item % 6 != 5 else px(52)

        x0 = w - self.panel_width
        fill(c, x0, self.header_height, self.panel_width, h, PANEL)
        fill(c, x0, self.header_height, 1, h, BORDER)
        card_x, card_width = x0 + px(16), self.panel_width - px(32)
        y = self.header_height + px(16)
        box(c, card_x, y, card_width, px(112), WHITE, BORDER)
        self.body.write(c, card_x + px(14), y + px(12), self.words(16), TEXT)
        self.spinner_at = (card_x + px(14), y + px(40))
        self.small.write(c, card_x + px(52), y + px(48), self.words(22), MUTED)
        self.progress = (card_x + px(14), y + px(86), card_width - px(28), px(6))
        fill(c, *self.progress, TRACK)
        y += px(128)
        box(c, card_x, y, card_width, px(56), WHITE, BORDER)
        for button, (color, label) in enumerate(((GREEN, 7), (RED, 4))):
            bx = card_x + px(14) + button * px(116)
            fill(c, bx, y + px(12), px(104), px(32), color)
            self.body.write(c, bx + px(14), y + px(21), [self.rng.integers(0, 96, label)], WHITE)
        y += px(72)
        box(c, card_x, y, card_width, h - y - px(16), WHITE, BORDER)
        y += px(14)
        while y < h - px(40):
            self.small.write(c, card_x + px(14), y, self.words(10), MUTED)
            self.small.write(c, card_x + px(130), y, self.words(12), TEXT)
            y += px(22)

    def draw_page(self, page_height: int) -> np.ndarray:
        """The scrolling page: blocks of several kinds, one after another."""
        px, width = self.px, self.main_width
        page = np.full((page_height, width, 3), 255, np.uint8)
        left, text_width = px(32), width - px(64)
        columns = text_width // self.body.cell_width
        kinds = ["heading", "paragraph", "paragraph", "note", "paragraph", "code", "heading",
                 "paragraph", "table", "paragraph", "buttons", "chart", "paragraph"]
        y, number = px(28), 0
        while y < page_height - px(160):
            kind = kinds[number % len(kinds)]
            number += 1
            if kind == "heading":
                self.heading.write(page, left, y, self.words(int(self.rng.integers(16, 36))), TEXT)
                y += px(40)
            elif kind == "paragraph":
                for line in range(int(self.rng.integers(3, 8))):
                    last = line > 1 and self.rng.random() < 0.3
                    words = self.words(columns // 2 if last else columns)
                    links = [LINK if self.rng.random() < 0.06 else TEXT for _ in words]
                    self.body.write(page, left, y, words, TEXT, links)
                    y += self.line_height
                    if last:
                        break
                y += px(14)
            elif kind == "note":
                box(page, left, y, text_width, px(20) + 2 * self.line_height, NOTE, NOTE_BORDER)
                fill(page, left, y, px(4), px(20) + 2 * self.line_height, (255, 193, 7))
                for line in range(2):
                    self.body.write(page, left + px(16), y + px(11) + line * self.line_height,
                                    self.words(columns - 6), TEXT)
                y += px(36) + 2 * self.line_height
            elif kind == "code":
                lines = int(self.rng.integers(4, 9))
                box(page, left, y, text_width, px(20) + lines * px(18), CODE, BORDER)
                for line in range(lines):
                    indent = int(self.rng.integers(0, 4)) * 4 * self.small.cell_width
                    words = self.words(int(self.rng.integers(12, columns)))
                    colors = [CODE_COLORS[int(i)] for i in self.rng.integers(0, 4, len(words))]
                    self.small.write(page, left + px(14) + indent, y + px(11) + line * px(18),
                                     words, TEXT, colors)
                y += px(36) + lines * px(18)
            elif kind == "table":
                cell = text_width // 4
                for row in range(6):
                    if row == 0:
                        fill(page, left, y, text_width, px(30), SIDEBAR)
                    fill(page, left, y + px(30) - 1, text_width, 1, BORDER)
                    for column in range(4):
                        font = self.small if row else self.body
                        font.write(page, left + column * cell + px(10), y + px(9),
                                   self.words(cell // font.cell_width - 6), TEXT)
                    y += px(30)
                y += px(20)
            elif kind == "buttons":
                x = left
                for color in (LINK, GREEN, None):
                    label = self.words(8)
                    button_width = (sum(len(w) + 1 for w in label) + 3) * self.body.cell_width
                    if color:
                        fill(page, x, y, button_width, px(34), color)
                    else:
                        box(page, x, y, button_width, px(34), WHITE, LINK)
                    self.body.write(page, x + px(14), y + px(11), label, WHITE if color else LINK)
                    x += button_width + px(12)
                y += px(54)
            elif kind == "chart":
                chart_height = px(150)
                box(page, left, y, text_width, chart_height, WHITE, BORDER)
                bars = 12
                for bar in range(bars):
                    value = int(self.rng.integers(px(20), chart_height - px(40)))
                    bar_x = left + px(20) + bar * (text_width - px(40)) // bars
                    color = (LINK, GREEN, (253, 126, 20))[bar % 3]
                    fill(page, bar_x, y + chart_height - px(16) - value, px(22), value, color)
                y += chart_height + px(20)
        return page

    def sprite(self, polygon) -> tuple[np.ndarray, np.ndarray]:
        """The mouse pointer: the polygon's pixels (black) and a one-pixel outline (white)."""
        width = math.ceil(max(x for x, _ in polygon)) + 3
        height = math.ceil(max(y for _, y in polygon)) + 3
        y_axis, x_axis = np.mgrid[0:height, 0:width] + 0.5
        inside = np.zeros((height, width), bool)
        for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
            # Even-odd rule: flip the pixels whose rightward ray crosses this edge.
            crosses = (y1 > y_axis) != (y2 > y_axis)
            with np.errstate(divide="ignore", invalid="ignore"):
                at_x = x1 + (y_axis - y1) * (x2 - x1) / (y2 - y1)
            inside ^= crosses & (x_axis < at_x)
        grown = inside.copy()
        grown[1:] |= inside[:-1]
        grown[:-1] |= inside[1:]
        grown[:, 1:] |= inside[:, :-1]
        grown[:, :-1] |= inside[:, 1:]
        return inside, grown & ~inside

    def scroll_offset(self, index: int) -> int:
        """Page rows scrolled out at frame `index`: it bounces between the top and the end."""
        every, frames = self.SCROLL_EVERY, self.SCROLL_FRAMES
        steps = index // every * frames + min(max(index % every - every // 2 + 1, 0), frames)
        travel = self.page.shape[0] - self.viewport_height
        position = steps * self.scroll_step % (2 * travel)
        return position if position <= travel else 2 * travel - position

    def render(self, index: int) -> np.ndarray:
        px = self.px
        frame = self.chrome.copy()
        offset = self.scroll_offset(index)
        frame[self.header_height :, self.main_x : self.main_x + self.main_width] = self.page[
            offset : offset + self.viewport_height
        ]

        # The search box: a query typed one character every three frames, then a pause.
        x, y, _, box_height = self.search
        phase = index % 150
        typed = min(max(phase - 20, 0) // 3, len(self.query))
        caret_x = x + px(10)
        for glyph in self.query[:typed]:
            if glyph >= 0:  # -1 is a space
                blend(frame, caret_x, y + px(9), self.body.glyphs[glyph], TEXT)
            caret_x += self.body.cell_width
        typing = 20 <= phase < 20 + 3 * len(self.query)
        if typing or index // 15 % 2 == 0:  # a caret blinks twice a second, not while typing
            fill(frame, caret_x + 1, y + px(6), max(1, px(1.5)), box_height - px(12), TEXT)

        # The spinner: eight dots, the lit one moving on every other frame, with a fading trail.
        spin_x, spin_y = self.spinner_at
        dot = self.dot
        lit = index // 2 % 8
        for number in range(8):
            angle = number * math.pi / 4
            strength = (1.0, 0.7, 0.45, 0.3)[min((lit - number) % 8, 3)]
            dot_x = spin_x + px(13) + round(px(10) * math.sin(angle)) - dot.shape[1] // 2
            dot_y = spin_y + px(13) - round(px(10) * math.cos(angle)) - dot.shape[0] // 2
            blend(frame, dot_x, dot_y, dot * strength, LINK)

        # The indeterminate progress bar: a segment sliding through the track.
        track_x, track_y, track_width, track_height = self.progress
        segment = track_width // 3
        start = index * px(4) % (track_width + segment) - segment
        left, right = max(start, 0), min(start + segment, track_width)
        if right > left:
            fill(frame, track_x + left, track_y, right - left, track_height, LINK)

        # The pointer glides over the page, then rests for a second.
        moving = index // (3 * FPS) * 2 * FPS + min(index % (3 * FPS), 2 * FPS)
        pointer_x = self.main_x + round(self.main_width * (0.5 + 0.4 * math.sin(moving * 0.031)))
        pointer_y = self.header_height + round(
            self.viewport_height * (0.5 + 0.4 * math.sin(moving * 0.047 + 1))
        )
        height, width = self.pointer.shape
        area = frame[pointer_y : pointer_y + height, pointer_x : pointer_x + width]
        area[self.pointer_edge] = WHITE
        area[self.pointer] = (0, 0, 0)
        return frame


@dataclass(frozen=True)
class Content:
    frames: Callable  # (width, height, count) -> yuv420p av.VideoFrames
    bitrates: dict[str, int]  # target bits per second, per size
    prefix: str  # of the cached clip's file name
    version: int  # bump when this content's pictures or encoding settings change
    hold_rate: bool  # CBR (minrate = maxrate): libvpx spends the whole budget
    options: dict[str, str]  # more libvpx options


CONTENTS = {
    # What the users' agents watch: a shared browser screen. The rate is a cap, not a hold: with
    # CBR, libvpx spends the budget refining the static page after every keyframe (one a second
    # here; a live sender sends few), and frames where only a caret blinks would carry kilobytes.
    "screen": Content(
        screen_frames,
        {"720p": 1_500_000, "1080p": 2_500_000},
        "vp8_screen",
        1,
        hold_rate=False,
        # crf: a quality target under the cap. qmin and static-thresh are the values libwebrtc's
        # VP8 encoder sets for screen shares (static-thresh skips unchanged macroblocks).
        options={"crf": "20", "qmin": "12", "static-thresh": "100"},
    ),
    # The decode-bound worst case: every pixel changes in every frame.
    "motion": Content(
        motion_frames, {"720p": 2_500_000, "1080p": 5_000_000}, "vp8", 2, hold_rate=True, options={}
    ),
}


def clip_path(content: str, size: str, seconds: int) -> Path:
    (width, height), kind = SIZES[size], CONTENTS[content]
    kbps = kind.bitrates[size] // 1000
    name = f"{kind.prefix}_{width}x{height}_{FPS}fps_{kbps}k_gop{GOP}_{seconds}s_v{kind.version}"
    return CACHE / f"{name}.ivf"


def ensure_clip(content: str, size: str, seconds: int) -> tuple[Path, float | None]:
    """The cached clip, encoding it first if it is missing; and the seconds that took (None
    when it came from the cache)."""
    path = clip_path(content, size, seconds)
    if path.exists():
        return path, None
    width, height = SIZES[size]
    kind = CONTENTS[content]
    bitrate = kind.bitrates[size]
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".partial{os.getpid()}")  # a killed encode leaves no clip behind
    print(f"  encoding {path.name} (once; cached) ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        with av.open(str(partial), "w", format="ivf") as container:
            stream = container.add_stream("libvpx", rate=FPS)
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            stream.bit_rate = bitrate
            stream.gop_size = GOP
            stream.codec_context.thread_count = os.cpu_count() or 1
            stream.options = {
                # minrate = maxrate = bitrate makes libvpx hold the rate (CBR), like a live sender.
                **({"minrate": str(bitrate)} if kind.hold_rate else {}),
                "maxrate": str(bitrate),
                "bufsize": str(bitrate),
                "deadline": "realtime",
                "cpu-used": "8",
                "keyint_min": str(GOP),
                **kind.options,
            }
            for frame in kind.frames(width, height, seconds * FPS):
                container.mux(stream.encode(frame))
            container.mux(stream.encode())
        partial.rename(path)
    finally:
        partial.unlink(missing_ok=True)
    elapsed = time.perf_counter() - started
    megabits = clip_megabits_per_s(path)
    print(f"  encoded in {elapsed:.1f} s ({megabits:.2f} Mbit/s)", file=sys.stderr, flush=True)
    return path, elapsed


def clip_megabits_per_s(path: Path) -> float:
    """The clip's actual VP8 bit rate (payload only, without the IVF framing)."""
    with av.open(str(path)) as container:
        sizes = [packet.size for packet in container.demux(video=0) if packet.size]
    return sum(sizes) * 8 * FPS / len(sizes) / 1e6


def decode_cpu_ms_per_frame(path: Path) -> float:
    """CPU per frame of decoding the clip alone (FFmpeg's VP8 decoder, one thread, as ours
    runs it): no receiver can spend less than this plus its conversion."""
    with av.open(str(path)) as container:
        packets = [packet for packet in container.demux(video=0) if packet.size]
    decoder = av.CodecContext.create("vp8", "r")
    decoder.thread_count = 1
    decoder.thread_type = "NONE"
    frames = 0
    started = time.process_time()
    for packet in packets:
        frames += len(decoder.decode(packet))
    return (time.process_time() - started) * 1000 / frames


def pin_allocator() -> bool:
    """Keeps large freed blocks in the heap instead of unmapping them, in this process only.

    A frame-sized buffer (2.7 MB rgb24 at 720p, 6.2 MB at 1080p) is above glibc's initial mmap
    threshold; glibc raises the threshold as such blocks are freed and trims the heap top past
    another threshold, so whether a conversion reuses warm memory or page-faults in fresh memory
    depends on the heap's history. Fixing both thresholds makes it the same in every run, and
    for both receivers: the timings then measure the libraries' work, not the kernel's."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # from <malloc.h>
    return bool(
        libc.mallopt(m_mmap_threshold, 32 << 20)  # the largest value glibc accepts
        and libc.mallopt(m_trim_threshold, 256 << 20)
    )


# --- One receiver run -----------------------------------------------------------------------


@dataclass
class Result:
    frames_per_s: float
    cpu_ms_per_frame: float
    frames: int
    frames_missing: int  # gaps in pts during the window (-1: the frames carry no time_base)
    to_ndarray_rgb24_ms: float
    to_ndarray_rgb24_cpu_ms: float
    to_image_ms: float
    to_image_cpu_ms: float
    numpy_copy_ms: float
    # PyAV's rgb24 conversion of our received frame (to_av()), on the pixels to_ndarray converts;
    # None for aiortc, whose to_ndarray already is PyAV's.
    pyav_rgb24_same_frame_ms: float | None
    pyav_rgb24_same_frame_cpu_ms: float | None
    pyav_rgb24_same_frame_max_diff: int | None  # largest difference from our rgb24, per channel
    sender_cpu_ms_per_frame: float


class Sender:
    """The sender process and its JSON-lines signaling; always ends the process on close()."""

    def __init__(self, clip: Path, max_seconds: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(SENDER), str(clip), "--max-seconds", str(max_seconds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )

    async def receive(self, timeout: float = 30) -> dict:
        # A blocking readline in a thread: it returns at the latest when the process ends.
        reading = asyncio.to_thread(self.process.stdout.readline)
        line = await within(reading, timeout, "reply from the sender")
        if not line:
            raise RuntimeError(f"sender exited (status {self.process.poll()}) before replying")
        return json.loads(line)

    def send(self, message: dict) -> None:
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()

    async def stop(self) -> dict:
        """Asks the sender to close, returns its last report ({} if it gave none)."""
        try:
            self.send({"type": "bye"})
            while (message := await self.receive(timeout=10))["type"] != "bye":
                pass
            return message
        except (OSError, RuntimeError, ValueError):  # TimeoutError is an OSError
            return {}
        finally:
            self.close()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            try:
                pipe.close()
            except OSError:
                pass


async def within(awaitable, seconds: float, what: str):
    try:
        return await asyncio.wait_for(awaitable, seconds)
    except TimeoutError:
        raise TimeoutError(f"no {what} within {seconds:g} s") from None


def time_calls(function, calls: int) -> tuple[float, float]:
    """(median wall ms, mean CPU ms) per call. Both, because a converter may use several threads
    (PyAV 18's swscale does by default): its wall time then hides part of its cost."""
    for _ in range(3):  # warm caches and lazily created converters
        function()
    times = []
    cpu_started = time.process_time()
    for _ in range(calls):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    cpu_ms = (time.process_time() - cpu_started) / calls * 1000
    return statistics.median(times) * 1000, cpu_ms


async def receive_once(module_name: str, clip: Path, size: str, args) -> Result:
    if module_name == "aiortc":
        import aioice.ice
        from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

        # aiortc finds no address in a namespace that only has lo unless told to use 127.0.0.1.
        aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
    else:
        import webrtc
        from webrtc.aiortc_compat import (
            RTCConfiguration,
            RTCPeerConnection,
            RTCSessionDescription,
        )

        webrtc.allow_loopback()
    width, height = SIZES[size]
    loop = asyncio.get_running_loop()
    sender = Sender(clip, max_seconds=args.warmup + args.seconds + 60)
    pc = None
    try:
        offer = await sender.receive()
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))  # no STUN server to reach
        got_track = loop.create_future()

        # aiortc emits "track" inside setRemoteDescription, so the handler must exist before.
        @pc.on("track")
        def on_track(track):
            if track.kind == "video" and not got_track.done():
                got_track.set_result(track)

        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        sender.send({"type": "answer", "sdp": pc.localDescription.sdp})
        track = await within(got_track, 10, "video 'track' event after setRemoteDescription")

        async def next_frame():
            frame = await within(track.recv(), 10, "frame from track.recv()")
            frame.to_ndarray(format="rgb24")  # part of the measured cost on every frame
            return frame

        frame = await next_frame()  # the clip starts with a keyframe: no PLI needed
        if (frame.width, frame.height) != (width, height):
            raise RuntimeError(f"received {frame.width}x{frame.height}, sent {width}x{height}")
        warmup_end = time.perf_counter() + args.warmup
        while time.perf_counter() < warmup_end:
            frame = await next_frame()

        gc.collect()
        first_pts = frame.pts
        frames = 0
        cpu_started = time.process_time()
        started = now = time.perf_counter()
        while now - started < args.seconds:
            frame = await next_frame()
            frames += 1
            now = time.perf_counter()
        cpu_used = time.process_time() - cpu_started
        elapsed = now - started

        time_base = getattr(frame, "time_base", None)
        if time_base and frame.pts is not None and first_pts is not None:
            expected = round((frame.pts - first_pts) * time_base * FPS)
            missing = expected - frames
        else:
            missing = -1

        # Convert one frame in isolation, with the sender gone so nothing competes for the CPU.
        report = await sender.stop()
        image = frame.to_ndarray(format="rgb24")
        if image.shape != (height, width, 3):
            raise RuntimeError(f"to_ndarray(format='rgb24') gave shape {image.shape}")
        to_ndarray_ms, to_ndarray_cpu_ms = time_calls(
            lambda: frame.to_ndarray(format="rgb24"), args.calls
        )
        to_image_ms, to_image_cpu_ms = time_calls(frame.to_image, args.calls)
        copy_ms, _ = time_calls(image.copy, args.calls)
        pyav_ms = pyav_cpu_ms = pyav_diff = None
        if hasattr(frame, "to_av"):  # ours
            # The first call builds the PyAV frame (a copy of the planes), kept by the frame.
            reference = frame.to_av().to_ndarray(format="rgb24")
            pyav_diff = int(np.abs(reference.astype(np.int16) - image).max())
            pyav_ms, pyav_cpu_ms = time_calls(
                lambda: frame.to_av().to_ndarray(format="rgb24"), args.calls
            )
        packets_sent = report.get("packets_sent") or 0
        sender_cpu = report.get("cpu_seconds", math.nan)
        return Result(
            frames_per_s=frames / elapsed,
            cpu_ms_per_frame=cpu_used / frames * 1000,
            frames=frames,
            frames_missing=missing,
            to_ndarray_rgb24_ms=to_ndarray_ms,
            to_ndarray_rgb24_cpu_ms=to_ndarray_cpu_ms,
            to_image_ms=to_image_ms,
            to_image_cpu_ms=to_image_cpu_ms,
            numpy_copy_ms=copy_ms,
            pyav_rgb24_same_frame_ms=pyav_ms,
            pyav_rgb24_same_frame_cpu_ms=pyav_cpu_ms,
            pyav_rgb24_same_frame_max_diff=pyav_diff,
            sender_cpu_ms_per_frame=sender_cpu / packets_sent * 1000 if packets_sent else math.nan,
        )
    finally:
        sender.close()
        if pc is not None:
            await pc.close()


async def run(args) -> tuple[dict, dict, list[str]]:
    """results[content][size][receiver], clips[content][size] (what was streamed), failures."""
    results: dict[str, dict[str, dict[str, dict]]] = {}
    clips: dict[str, dict[str, dict]] = {}
    failures = []
    clip_seconds = max(20, math.ceil(args.warmup + args.seconds + 10))  # the sender never loops
    for content in args.content:
        results[content], clips[content] = {}, {}
        for size in args.sizes:
            clip, encode_seconds = ensure_clip(content, size, clip_seconds)
            clips[content][size] = {
                "file": clip.name,
                "target_mbit_per_s": CONTENTS[content].bitrates[size] / 1e6,
                "mbit_per_s": clip_megabits_per_s(clip),
                "encode_seconds": encode_seconds,  # None: taken from the cache
                "decode_cpu_ms_per_frame": decode_cpu_ms_per_frame(clip),
            }
            results[content][size] = {}
            for name in args.only or RECEIVERS:
                what = f"{name} {content} {size}"
                gc.collect()
                try:
                    result = await receive_once(RECEIVERS[name], clip, size, args)
                except Exception as error:  # noqa: BLE001  (report it, go on with the others)
                    failures.append(f"{what}: {type(error).__name__}: {error}")
                    print(f"  FAILED {what}: {type(error).__name__}: {error}", file=sys.stderr)
                    continue
                results[content][size][name] = asdict(result)
                print(f"  measured {what}", file=sys.stderr, flush=True)
    return results, clips, failures


# --- Report ---------------------------------------------------------------------------------

ROWS = [
    # label, key, lower is better, target as (minimum ratio, sizes it applies to)
    ("frames/s received", "frames_per_s", False, None),
    ("CPU per frame incl. rgb24 (ms)", "cpu_ms_per_frame", True, (3.0, ("720p", "1080p"))),
    ("to_ndarray rgb24 (median ms)", "to_ndarray_rgb24_ms", True, (1.0, ("1080p",))),
    ("  its CPU time (ms per call)", "to_ndarray_rgb24_cpu_ms", True, None),
    ("PyAV rgb24 of our same frame (med. ms)", "pyav_rgb24_same_frame_ms", True, None),
    ("  its CPU time (ms per call)", "pyav_rgb24_same_frame_cpu_ms", True, None),
    ("to_image (median ms)", "to_image_ms", True, (3.0, ("720p", "1080p"))),
    ("  its CPU time (ms per call)", "to_image_cpu_ms", True, None),
    ("numpy copy of rgb24 (ms, reference)", "numpy_copy_ms", True, None),
    ("frames missing (pts gaps)", "frames_missing", True, None),
    ("sender CPU per frame (ms, other proc)", "sender_cpu_ms_per_frame", True, None),
]
NO_RATIO = {"numpy_copy_ms", "frames_missing", "sender_cpu_ms_per_frame"}  # references, not scores
# Rows measured on our frame only, whose ratio compares with our own row on the same frame.
SAME_FRAME = {
    "pyav_rgb24_same_frame_ms": "to_ndarray_rgb24_ms",
    "pyav_rgb24_same_frame_cpu_ms": "to_ndarray_rgb24_cpu_ms",
}


def format_cell(value, key: str) -> str:
    if value is None:
        return f"{'n/a':>10}"
    if key == "frames_missing":
        return f"{value:>10}" if value >= 0 else f"{'?':>10}"
    return f"{value:>10.2f}"


def report(results: dict, clips: dict) -> None:
    print(f"{'':40}{'ours':>10}{'aiortc':>10}{'ratio':>9}   target")
    for content, by_size in results.items():
        for size, by_receiver in by_size.items():
            width, height = SIZES[size]
            clip = clips[content][size]
            print(f"{width}x{height} {FPS} fps VP8 {content} content, {clip['mbit_per_s']:.2f} "
                  f"Mbit/s (target {clip['target_mbit_per_s']:g})")
            report_rows(size, by_receiver.get("ours"), by_receiver.get("aiortc"))
            print(f"  {'decoding alone (ms CPU per frame, floor)':38}"
                  f"{clip['decode_cpu_ms_per_frame']:>10.2f}   FFmpeg VP8, one thread, no network")
    print("ratio: how many times better ours is (aiortc / ours for times, ours / aiortc for rates)")
    print("ratio*: PyAV's to_av().to_ndarray(format='rgb24') on our received frame / our to_ndarray"
          " on that frame")


def report_rows(size: str, ours: dict | None, theirs: dict | None) -> None:
    for label, key, lower_is_better, target in ROWS:
        cells = [format_cell(r[key] if r else None, key) for r in (ours, theirs)]
        if key in SAME_FRAME and theirs:
            cells[1] = f"{'-':>10}"  # aiortc's frames are PyAV's: to_ndarray above is this row
        ratio_text, target_text = "", ""
        if key in SAME_FRAME:
            if ours and ours[key] and ours[SAME_FRAME[key]] > 0:
                ratio_text = f"{ours[key] / ours[SAME_FRAME[key]]:.2f}x*"
        elif ours and theirs and key not in NO_RATIO and ours[key] > 0 and theirs[key] > 0:
            ratio = theirs[key] / ours[key] if lower_is_better else ours[key] / theirs[key]
            ratio_text = f"{ratio:.2f}x "
            if target and size in target[1]:
                met = ratio >= target[0] if target[0] > 1 else ratio > target[0]
                sign = ">=" if target[0] > 1 else ">"
                target_text = f"{sign}{target[0]:g}x {'met' if met else 'NOT MET'}"
        elif target and size in target[1]:
            target_text = f"{'>=' if target[0] > 1 else '>'}{target[0]:g}x"
        print(f"  {label:38}{''.join(cells)}{ratio_text:>10}  {target_text}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=list(RECEIVERS), action="append",
                        help="measure only this receiver (repeatable)")
    parser.add_argument("--content", nargs="+", choices=list(CONTENTS), default=list(CONTENTS),
                        help="which clips: a shared browser screen, full-frame motion")
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds received unmeasured")
    parser.add_argument("--seconds", type=float, default=8.0, help="measurement window")
    parser.add_argument("--calls", type=int, default=40, help="calls per conversion median")
    parser.add_argument("--quick", action="store_true", help="1 s warm-up, 3 s window, 15 calls")
    parser.add_argument("--malloc-default", action="store_true",
                        help="leave glibc malloc's adaptive thresholds alone (noisier)")
    parser.add_argument("--json", help="also write the results to this file")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.warmup, arguments.seconds, arguments.calls = 1.0, 3.0, 15
    pinned = not arguments.malloc_default and pin_allocator()
    outcome, streamed, problems = asyncio.run(run(arguments))
    report(outcome, streamed)
    print(f"malloc: {'large blocks kept (pinned)' if pinned else 'glibc default'}")
    if arguments.json:
        with open(arguments.json, "w") as f:
            json.dump({"results": outcome, "clips": streamed, "failures": problems,
                       "malloc_pinned": pinned}, f, indent=2)
    if problems:
        print("failed:\n  " + "\n  ".join(problems), file=sys.stderr)
        sys.exit(1)
