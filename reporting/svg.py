"""Charts as inline SVG strings: the report must open offline, print, and need no script or library.

Every chart carries its figures as text (values on bars, cells and points), so it reads without colour and
is announced by a screen reader through its <title>.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

BRAND = "#0b4f6c"
ACCENT = "#e08a00"
GOOD = "#2e7d32"
GRID = "#e4ebef"
INK = "#1d2a31"
MUTED = "#5a6b75"
FONT = "font-family:system-ui,-apple-system,'Segoe UI',sans-serif"
Format = Callable[[float], str]


def count(value: float) -> str:
    return f"{value:,.0f}"


def percent(value: float) -> str:
    return f"{value:.0%}"


def _svg(name: str, title: str, width: int, height: int, body: str) -> str:
    label = f"{name}-title"
    return (
        f'<svg data-chart="{name}" role="img" aria-labelledby="{label}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" style="{FONT};max-width:100%;height:auto" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="{label}">{escape(title)}</title>{body}</svg>'
    )


def _text(
    x: float, y: float, text: str, *, size: int = 12, anchor: str = "start", fill: str = INK, **extra: str
) -> str:
    attributes = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in extra.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"{attributes}>'
        f"{escape(text)}</text>"
    )


def _clip(label: str, chars: int) -> str:
    return label if len(label) <= chars else label[: chars - 1] + "…"


def axis_step(top_value: float) -> float:
    """A round step (1, 2 or 5 x 10^k, at least 1) that puts `top_value` within four steps."""
    if top_value <= 4:
        return 1.0
    power = 10 ** math.floor(math.log10(top_value / 4))
    return float(next(k * power for k in (1, 2, 5, 10) if k * power * 4 >= top_value))


def hbars(
    name: str,
    title: str,
    rows: Sequence[tuple[str, float]],
    fmt: Format = count,
    top: float | None = None,
    color: str = BRAND,
    width: int = 560,
) -> str:
    """One horizontal bar per row, longest scale = `top` (default: the largest value)."""
    label_w, bar_h, gap = 220, 18, 9
    height = len(rows) * (bar_h + gap) + gap
    scale = (width - label_w - 60) / (top or max((v for _, v in rows), default=0) or 1)
    parts = []
    for i, (label, value) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        parts.append(_text(label_w - 8, y + 13, _clip(label, 33), anchor="end"))
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{max(1.0, value * scale):.1f}" height="{bar_h}" rx="3" '
            f'fill="{color}"/>'
        )
        parts.append(_text(label_w + value * scale + 6, y + 13, fmt(value), fill=MUTED))
    return _svg(name, title, width, height, "".join(parts))


def _y_axis(top: float, left: int, right: int, y0: float, plot_h: float, fmt: Format) -> str:
    parts = []
    for i in range(5):
        value = top * i / 4
        y = y0 - plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(_text(left - 6, y + 4, fmt(value), size=11, anchor="end", fill=MUTED))
    return "".join(parts)


def _label_width(label: str) -> float:
    return 6.5 * max(len(line) for line in label.split("\n"))  # px at 11 px type


def _x_labels(labels: Sequence[str], xs: Sequence[float], y: float) -> str:
    """Labels under the columns (a newline starts a second line), thinned so that they never overlap."""
    slot = xs[1] - xs[0] if len(xs) > 1 else 100.0
    every = max(1, math.ceil((max(map(_label_width, labels), default=0) + 6) / slot))
    parts = []
    for i, (label, x) in enumerate(zip(labels, xs, strict=True)):
        if i % every == 0:
            lines = "".join(
                f'<tspan x="{x:.1f}" dy="{0 if n == 0 else 13}">{escape(line)}</tspan>'
                for n, line in enumerate(label.split("\n"))
            )
            parts.append(f'<text y="{y:.1f}" font-size="11" text-anchor="middle" fill="{MUTED}">{lines}</text>')
    return "".join(parts)


def _bottom(labels: Sequence[str], height: int) -> int:
    """Where the plot ends: room under it for one or two lines of labels."""
    return height - (38 if any("\n" in label for label in labels) else 26)


def columns(
    name: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    fmt: Format = count,
    colors: Sequence[str] | None = None,
    width: int = 560,
    height: int = 230,
) -> str:
    """Vertical columns over categories (time buckets, scores), each with its value above it."""
    left, right, top_pad, bottom = 48, width - 10, 16, _bottom(labels, height)
    top = 4 * axis_step(max(values, default=0))
    slot = (right - left) / max(1, len(values))
    bar_w = max(2.0, min(46.0, slot * 0.7))
    parts = [_y_axis(top, left, right, bottom, bottom - top_pad, count if fmt is count else fmt)]
    xs = [left + slot * (i + 0.5) for i in range(len(values))]
    for i, (x, value) in enumerate(zip(xs, values, strict=True)):
        h = (bottom - top_pad) * value / top
        fill = colors[i % len(colors)] if colors else BRAND
        parts.append(
            f'<rect x="{x - bar_w / 2:.1f}" y="{bottom - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
            f'rx="2" fill="{fill}"><title>{escape(labels[i])}: {escape(fmt(value))}</title></rect>'
        )
        if len(values) <= 16 and value:
            parts.append(_text(x, bottom - h - 4, fmt(value), size=11, anchor="middle"))
    parts.append(_x_labels(labels, xs, bottom + 16))
    return _svg(name, title, width, height, "".join(parts))


def _polyline(name: str, color: str, points: Sequence[tuple[float, float, float, str]]) -> str:
    """One series: (x, y, value, bucket label) points joined, each with its value on hover."""
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}"><title>{escape(name)}, {escape(label)}: '
        f"{percent(v)}</title></circle>"
        for x, y, v, label in points
    )
    return f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2.5"/>{dots}'


def lines(
    name: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float | None]]],
    width: int = 560,
    height: int = 230,
) -> str:
    """Shares (0-1) over time, one line per (name, colour, values); a gap where a bucket has no value."""
    left, right, top_pad, bottom = 48, width - 10, 30, _bottom(labels, height)
    slot = (right - left) / max(1, len(labels))
    xs = [left + slot * (i + 0.5) for i in range(len(labels))]
    parts = [_y_axis(1.0, left, right, bottom, bottom - top_pad, percent)]
    legend_x = float(left)
    for series_name, color, values in series:
        points = [
            (x, bottom - (bottom - top_pad) * v, v, label.replace("\n", " "))
            for x, v, label in zip(xs, values, labels, strict=True)
            if v is not None
        ]
        parts.append(_polyline(series_name, color, points))
        parts.append(f'<rect x="{legend_x:.1f}" y="6" width="16" height="4" rx="2" fill="{color}"/>')
        parts.append(_text(legend_x + 22, 12, series_name, size=12))
        legend_x += 40 + 7 * len(series_name)
    parts.append(_x_labels(labels, xs, bottom + 16))
    return _svg(name, title, width, height, "".join(parts))


def _shade(share: float) -> str:
    """White to the brand colour by share (0-1)."""
    low, high = (255, 255, 255), (11, 79, 108)
    return "#" + "".join(f"{round(a + (b - a) * share):02x}" for a, b in zip(low, high, strict=True))


def heatmap(
    name: str,
    title: str,
    rows: Sequence[str],
    cols: Sequence[str],
    counts: dict[tuple[str, str], int],
    row_title: str,
    col_title: str,
) -> str:
    """A grid of counts (rows x columns); cells where the row and column agree are outlined in green."""
    label_w, head_h, cell = 200, 120, 42
    width, height = label_w + cell * len(cols) + 60, head_h + cell * len(rows) + 30
    top = max(counts.values(), default=0) or 1
    parts = [
        _text(label_w + cell * len(cols) / 2, 14, col_title, size=12, anchor="middle", fill=MUTED, font_weight="600"),
        _text(8, head_h + cell * len(rows) + 22, f"Rows: {row_title}", size=12, fill=MUTED, font_weight="600"),
    ]
    for j, col in enumerate(cols):
        x = label_w + cell * j + cell / 2
        parts.append(_text(x, head_h - 8, _clip(col, 22), size=11, transform=f"rotate(-45 {x:.1f} {head_h - 8})"))
    for i, row in enumerate(rows):
        y = head_h + cell * i
        parts.append(_text(label_w - 8, y + cell / 2 + 4, _clip(row, 28), anchor="end"))
        for j, col in enumerate(cols):
            n = counts.get((row, col), 0)
            share = n / top
            outline = f' stroke="{GOOD}" stroke-width="3"' if row == col else f' stroke="{GRID}"'
            parts.append(
                f'<rect x="{label_w + cell * j + 1}" y="{y + 1}" width="{cell - 2}" height="{cell - 2}" '
                f'fill="{_shade(share * 0.9)}"{outline}><title>{escape(row)} → {escape(col)}: {n}</title></rect>'
            )
            if n:
                ink = "#fff" if share > 0.5 else INK
                parts.append(_text(label_w + cell * j + cell / 2, y + cell / 2 + 4, str(n), anchor="middle", fill=ink))
    return _svg(name, title, width, height, "".join(parts))


def stacked(
    name: str,
    title: str,
    rows: Sequence[tuple[str, Sequence[float]]],
    parts: Sequence[tuple[str, str]],
    width: int = 560,
) -> str:
    """One bar per row split into parts (name, colour), each segment labelled with its count."""
    label_w, bar_h, gap, legend_h = 120, 22, 10, 26
    total_max = max((sum(values) for _, values in rows), default=0) or 1
    scale = (width - label_w - 60) / total_max
    out = []
    for k, (part_name, color) in enumerate(parts):
        out.append(f'<rect x="{label_w + k * 150}" y="4" width="12" height="12" rx="2" fill="{color}"/>')
        out.append(_text(label_w + k * 150 + 18, 14, part_name))
    for i, (label, values) in enumerate(rows):
        y, x = legend_h + gap + i * (bar_h + gap), float(label_w)
        out.append(_text(label_w - 8, y + 15, label, anchor="end"))
        for value, (part_name, color) in zip(values, parts, strict=True):
            if value:
                out.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{value * scale:.1f}" height="{bar_h}" fill="{color}">'
                    f"<title>{escape(label)}, {escape(part_name)}: {count(value)}</title></rect>"
                )
                if value * scale > 24:
                    out.append(_text(x + value * scale / 2, y + 15, count(value), anchor="middle", fill="#fff"))
            x += value * scale
        out.append(_text(x + 6, y + 15, count(sum(values)), fill=MUTED))
    height = legend_h + gap + len(rows) * (bar_h + gap)
    return _svg(name, title, width, height, "".join(out))
