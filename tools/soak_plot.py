"""The plot of a soak run (tools/soak.py): stacked panels of its samples over time, drawn
with Pillow, which the package already uses, so the tools need no plotting library."""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH = 1400
PANEL_HEIGHT = 180
PANEL_GAP = 52
TOP = 92
BOTTOM = 64
LEFT = 118
RIGHT = 28

INK = (30, 30, 30)
GRID = (222, 222, 222)
WARMUP = (242, 242, 242)
BLUE, ORANGE, GREEN, PURPLE, RED = (31, 100, 180), (230, 120, 20), (40, 150, 60), (130, 70, 170), (200, 30, 30)

# (title, unit on the y axis, starts at zero, [(sample field, legend, colour)]). A series
# whose field a run did not record is left out, and so is a panel with none left.
PANELS = [
    ("Resident memory (VmRSS)", "MB", False, [("rss_mb", "RSS", BLUE)]),
    ("glibc malloc (Python's small objects are not in it)", "MB", True,
     [("malloc_in_use_mb", "in use", GREEN), ("malloc_free_mb", "freed, not yet returned", ORANGE)]),
    ("Threads and open descriptors", "count", False,
     [("threads", "threads", PURPLE), ("fds", "open fds", ORANGE)]),
    ("Process CPU, all threads", "% of one core", True, [("cpu_pct", "CPU", RED)]),
    ("Media received", "frames/s", True,
     [("video_fps", "video frames", BLUE), ("audio_fps", "audio frames (20 ms)", GREEN)]),
    ("Data channel messages received", "messages/s", True,
     [("messages_ab_per_s", "offerer -> answerer", BLUE),
      ("messages_ba_per_s", "answerer -> offerer", ORANGE)]),
    ("Event loop lag, worst in each interval", "ms", True,
     [("loop_lag_max_ms", "lateness of a 100 ms timer", PURPLE)]),
]


def _font(size: int, bold: bool = False):
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    try:
        return ImageFont.truetype(f"/usr/share/fonts/truetype/dejavu/{name}", size)
    except OSError:
        try:
            return ImageFont.load_default(size)  # Pillow 10.1 and later
        except TypeError:
            return ImageFont.load_default()


def nice_ticks(low: float, high: float, target: int = 5, whole: bool = False) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten apart) covering low..high;
    `whole`: whole numbers only, for counts."""
    span = high - low
    raw = span / target
    magnitude = 10 ** math.floor(math.log10(raw))
    multiples = (1, 2, 5, 10) if whole else (1, 2, 2.5, 5, 10)
    step = next(m * magnitude for m in multiples if m * magnitude >= raw)
    if whole:
        step = max(1.0, step)
    first = math.floor(low / step + 1e-9) * step
    count = math.ceil((high - first) / step - 1e-9)
    return [first + i * step for i in range(count + 1)]


def _label(value: float, ticks: list[float]) -> str:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    if step >= 1 and all(float(t).is_integer() for t in ticks):
        return f"{value:.0f}"
    decimals = max(1, math.ceil(-math.log10(step) + 1e-9))
    return f"{value:.{decimals}f}"


def _value_range(values: list[float], from_zero: bool) -> tuple[float, float]:
    low, high = min(values), max(values)
    if from_zero:
        low = min(0.0, low)
    if high - low < 1e-9:  # a flat line: show it in the middle of a small range
        pad = max(1.0, abs(high) * 0.05)
        low, high = (0.0 if from_zero and low >= 0 else low - pad), high + pad
    else:
        pad = (high - low) * 0.08
        low, high = (low if from_zero else low - pad), high + pad
    return low, high


def _dashed(draw, start, end, colour, width=2, dash=10, gap=6) -> None:
    (x0, y0), (x1, y1) = start, end
    length = math.hypot(x1 - x0, y1 - y0)
    position = 0.0
    while position < length:
        stop = min(position + dash, length)
        draw.line([(x0 + (x1 - x0) * position / length, y0 + (y1 - y0) * position / length),
                   (x0 + (x1 - x0) * stop / length, y0 + (y1 - y0) * stop / length)],
                  fill=colour, width=width)
        position = stop + gap


def _vertical_text(image, text: str, font, centre: tuple[int, int]) -> None:
    box = font.getbbox(text)
    label = Image.new("RGBA", (box[2] + 4, box[3] + 4), (255, 255, 255, 0))
    ImageDraw.Draw(label).text((2, 0), text, font=font, fill=INK)
    label = label.rotate(90, expand=True)
    image.paste(label, (centre[0] - label.width // 2, centre[1] - label.height // 2), label)


def draw_soak_plot(samples: list[dict], fit: dict, path: Path, title: str,
                   problems: list[str]) -> None:
    """Writes the PNG. `fit`: judge()'s figures (warm-up and the RSS line), may be empty."""
    panels = [(title, unit, from_zero, recorded)
              for title, unit, from_zero, series in PANELS
              if (recorded := [entry for entry in series
                               if all(sample.get(entry[0], "") != "" for sample in samples)])]
    height = TOP + len(panels) * PANEL_HEIGHT + (len(panels) - 1) * PANEL_GAP + BOTTOM
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    title_font, font, small = _font(20, bold=True), _font(15), _font(13)
    draw.text((LEFT, 14), title, font=title_font, fill=INK)
    if problems:
        verdict, colour = f"FAILED: {problems[0]}" + (f" (+{len(problems) - 1} more)"
                                                      if len(problems) > 1 else ""), RED
    else:
        slope, limit = fit.get("rss_slope_mb_per_h"), fit.get("rss_limit_mb_per_h")
        verdict = "PASSED"
        if slope is not None:
            verdict += f": RSS {slope:+.1f} MB/h after the warm-up"
            if limit is not None:
                verdict += f" (limit {limit:g} MB/h)"
                if slope > limit:  # passed only because the rise is small in absolute terms
                    rise = fit["rss_fit"][1] - fit["rss_fit"][0]
                    verdict += (f", a rise of {rise:.1f} MB over the fitted window, within the "
                                f"{fit['rss_noise_mb']:g} MB allowed for allocator noise")
        colour = GREEN
    draw.text((LEFT, 44), verdict, font=font, fill=colour)

    in_minutes = samples[-1]["t_s"] >= 600
    scale = 60.0 if in_minutes else 1.0
    times = [sample["t_s"] / scale for sample in samples]
    x_ticks = nice_ticks(0.0, times[-1], 10)
    x_max = x_ticks[-1]
    plot_right = WIDTH - RIGHT

    def x_of(t: float) -> float:
        return LEFT + (plot_right - LEFT) * t / x_max

    warmup_end = fit.get("fit_from_s")
    for index, (panel_title, unit, from_zero, series) in enumerate(panels):
        top = TOP + index * (PANEL_HEIGHT + PANEL_GAP)
        bottom = top + PANEL_HEIGHT
        values = [float(sample[name]) for name, _, _ in series for sample in samples]
        if panel_title.startswith("Resident") and fit.get("rss_fit"):
            values += fit["rss_fit"]
        low, high = _value_range(values, from_zero)
        y_ticks = nice_ticks(low, high, 4, whole=unit == "count")
        low, high = y_ticks[0], y_ticks[-1]

        def y_of(value: float) -> float:
            return bottom - (bottom - top) * (value - low) / (high - low)

        if warmup_end:
            draw.rectangle([LEFT, top, x_of(warmup_end / scale), bottom], fill=WARMUP)
            if index == 0:
                draw.text((LEFT + 6, top + 4), "warm-up", font=small, fill=(120, 120, 120))
        for tick in y_ticks:
            y = y_of(tick)
            draw.line([(LEFT, y), (plot_right, y)], fill=GRID)
            text = _label(tick, y_ticks)
            draw.text((LEFT - 8 - draw.textlength(text, font=small), y - 8), text,
                      font=small, fill=INK)
        for tick in x_ticks:
            x = x_of(tick)
            draw.line([(x, top), (x, bottom)], fill=GRID)
            draw.line([(x, bottom), (x, bottom + 5)], fill=INK)
            text = _label(tick, x_ticks)
            draw.text((x - draw.textlength(text, font=small) / 2, bottom + 7), text,
                      font=small, fill=INK)
        draw.rectangle([LEFT, top, plot_right, bottom], outline=INK)
        draw.text((LEFT, top - 22), panel_title, font=font, fill=INK)
        _vertical_text(image, unit, small, (LEFT - 84, (top + bottom) // 2))

        legend = []
        for order, (name, text, colour) in enumerate(series):
            points = [(x_of(t), y_of(float(sample[name]))) for t, sample in zip(times, samples)]
            # A second series often lies on the first (messages both ways): thinner, on top,
            # with square markers, so both stay visible.
            width, radius = (3, 3) if order == 0 else (1, 3)
            if len(points) > 1:
                draw.line(points, fill=colour, width=width, joint="curve")
            for x, y in points:
                if order == 0:
                    draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colour)
                else:
                    draw.rectangle([x - radius, y - radius, x + radius, y + radius],
                                   outline=colour, width=2)
            legend.append((text, colour, False))
        if panel_title.startswith("Resident") and fit.get("rss_fit"):
            start = (x_of(fit["fit_from_s"] / scale), y_of(fit["rss_fit"][0]))
            end = (x_of(fit["fit_to_s"] / scale), y_of(fit["rss_fit"][1]))
            _dashed(draw, start, end, INK)
            legend.append((f"least-squares fit after the warm-up: "
                           f"{fit['rss_slope_mb_per_h']:+.1f} MB/h", INK, True))
        _legend(draw, legend, small, plot_right, top - 20)

    axis = "time since media started (minutes)" if in_minutes else \
        "time since media started (seconds)"
    draw.text(((LEFT + plot_right - draw.textlength(axis, font=font)) / 2, height - 30), axis,
              font=font, fill=INK)
    image.save(path)


def _legend(draw, entries, font, right: float, top: float) -> None:
    """One row above the panel, ending at `right`: a legend inside would hide the lines."""
    widths = [draw.textlength(text, font=font) + 36 for text, _, _ in entries]
    left = right - sum(widths) - 18 * (len(entries) - 1)
    y = top + 9
    for (text, colour, dashed), width in zip(entries, widths):
        if dashed:
            _dashed(draw, (left, y), (left + 26, y), colour, dash=6, gap=4)
        else:
            draw.line([(left, y), (left + 26, y)], fill=colour, width=3)
        draw.text((left + 32, y - 8), text, font=font, fill=INK)
        left += width + 18
