"""Draw charts as SVG on the server, with our own code (no JavaScript, no CDN).

Each chart carries a <title> and <desc>, and pages show the same numbers in a
table beside it, so the chart is never the only way to read the data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from kraftsamla.core.numbers import round_half_up

# Nine colours that each reach at least 3:1 contrast against white (WCAG 1.4.11)
# and stay apart for the common colour-vision deficiencies.
PALETTE = [
    "#1b5e8c",  # blue
    "#b3590d",  # orange
    "#2d7a3e",  # green
    "#a3324a",  # red
    "#6a4c93",  # purple
    "#7a5a22",  # brown
    "#c2367f",  # pink
    "#4b5a66",  # slate
    "#0f7a7a",  # teal
]


@dataclass
class Series:
    label: str
    values: Sequence[float | None]
    colour: str


def nice_max(value: float) -> float:
    """Round a maximum up to a readable axis end (1, 2, 2.5, 5 × 10^n)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    base = 10**exponent
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * base:
            return step * base
    return 10 * base


def format_number(value: float, decimals: int = 0) -> str:
    """Format with a narrow space between thousands and the language's decimal mark.

    Swedish writes 1 234,5; English 1 234.5 (SI style, which both languages accept).
    """
    text = f"{round_half_up(value, decimals):,.{decimals}f}".replace(",", "\u202f").replace(
        "-", "\u2212"
    )
    if (translation.get_language() or "sv").startswith("sv"):
        text = text.replace(".", ",")
    return text


def short_number(value: float) -> str:
    """Format a score with one decimal only when it has one (62,5 but 50)."""
    return format_number(value, 0 if float(value).is_integer() else 1)


def stacked_bars(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    unit: str,
    width: int = 720,
    height: int = 360,
    decimals: int = 0,
) -> SafeString:
    """Return an SVG stacked bar chart with axis, gridlines and a legend."""
    left, right, top, bottom = 78, 12, 16, 40
    plot_w = width - left - right
    plot_h = height - top - bottom
    totals = [sum((s.values[i] or 0) for s in series) for i in range(len(categories))]
    y_max = nice_max(max(totals, default=0))
    n = max(len(categories), 1)
    slot = plot_w / n
    bar_w = slot * 0.66
    parts: list[str] = []
    total_height = height + 24 * math.ceil(len(series) / 2)
    parts.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {total_height}" '
        f'class="chart" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'preserveAspectRatio="xMinYMin meet">'
    )
    parts.append(f'<title id="{chart_id}-title">{escape(title)}</title>')
    parts.append(f'<desc id="{chart_id}-desc">{escape(description)}</desc>')
    # Gridlines and y-axis labels.
    for i in range(5):
        value = y_max * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">'
            f"{escape(format_number(value, decimals if y_max < 10 else 0))}</text>"
        )
    parts.append(
        f'<text x="12" y="{top + plot_h / 2:.1f}" '
        f'transform="rotate(-90 12 {top + plot_h / 2:.1f})" '
        f'text-anchor="middle" class="axis-label">{escape(unit)}</text>'
    )
    for i, category in enumerate(categories):
        x = left + slot * i + (slot - bar_w) / 2
        y_cursor = top + plot_h
        for s in series:
            value = s.values[i] or 0
            if value <= 0:
                continue
            h = plot_h * value / y_max
            y_cursor -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y_cursor:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{s.colour}"><title>{escape(category)}, {escape(s.label)}: '
                f"{escape(format_number(value, decimals))} {escape(unit)}</title></rect>"
            )
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 18}" text-anchor="middle" '
            f'class="tick">{escape(category)}</text>'
        )
    parts.append(
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" '
        'class="axis"/>'
    )
    # Legend, two entries per row, so long sector names fit.
    for j, s in enumerate(series):
        col, row = j % 2, j // 2
        lx = 12 + col * ((width - 24) / 2)
        ly = height + row * 24 - 6
        parts.append(f'<rect x="{lx:.1f}" y="{ly - 11}" width="14" height="14" fill="{s.colour}"/>')
        parts.append(f'<text x="{lx + 20:.1f}" y="{ly}" class="legend">{escape(s.label)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text part above is escaped


def score_band(score: float | None) -> str:
    """Return a CSS class for a 0–100 score: heat-1 (under 25) … heat-4 (75 and over)."""
    if score is None:
        return "heat-none"
    return f"heat-{min(int(score // 25), 3) + 1}"


def score_colour(score: float | None) -> str:
    """Return a fill for a 0–100 score (sequential; dark text stays readable on each)."""
    if score is None:
        return "#ffffff"
    if score < 25:
        return "#f4c7b8"
    if score < 50:
        return "#f9e3a7"
    if score < 75:
        return "#cfe6c4"
    return "#8fc9a0"


def horizontal_bars(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    markers: Sequence[float | None] | None = None,
    marker_label: str = "",
    maximum: float = 100,
    width: int = 640,
    missing_text: str = "–",
) -> SafeString:
    """Return an SVG horizontal bar chart (0–maximum) with optional comparison markers."""
    row_h, left, right, top = 34, 190, 60, 10
    axis_y = top + row_h * len(labels)
    height = axis_y + (48 if markers is not None else 26)
    plot_w = width - left - right
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="chart" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for tick in range(0, int(maximum) + 1, int(maximum // 4) or 1):
        x = left + plot_w * tick / maximum
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{axis_y}" class="grid"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{axis_y + 16}" text-anchor="middle" class="tick">{tick}</text>'
        )
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * row_h
        parts.append(
            f'<text x="{left - 8}" y="{y + row_h / 2 + 4:.1f}" text-anchor="end" class="tick">'
            f"{escape(label)}</text>"
        )
        if value is None:
            parts.append(
                f'<text x="{left + 4}" y="{y + row_h / 2 + 4:.1f}" class="tick">'
                f"{escape(missing_text)}</text>"
            )
        else:
            w = plot_w * max(0.0, min(value, maximum)) / maximum
            parts.append(
                f'<rect x="{left}" y="{y + 6}" width="{w:.1f}" height="{row_h - 12}" '
                'fill="#1b5e8c">'
                f"<title>{escape(label)}: {short_number(value)}</title></rect>"
            )
            parts.append(
                f'<text x="{left + w + 6:.1f}" y="{y + row_h / 2 + 4:.1f}" class="tick">'
                f"{short_number(value)}</text>"
            )
        if markers is not None and markers[i] is not None:
            mx = left + plot_w * markers[i] / maximum
            parts.append(
                f'<path d="M{mx:.1f},{y + 2} l6,0 l-6,{row_h - 4} l-6,-{row_h - 4} z" '
                'fill="#b3590d">'
                f"<title>{escape(marker_label)}: {short_number(markers[i])}</title></path>"
            )
    if markers is not None:
        parts.append(
            f'<path d="M{left + 5},{height - 14} l-5,10 l-5,-10 z" fill="#b3590d"/>'
            f'<text x="{left + 12}" y="{height - 4}" class="legend">{escape(marker_label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text part above is escaped
