"""A line chart of values over years, drawn as SVG on the server (see core/charts.py).

Lines differ by their dash pattern and markers as well as their colour, so they can be
told apart without colour; the page shows the same numbers in a table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString

from kraftsamla.core.charts import (
    INK,
    PALETTE,
    Frame,
    format_number,
    nice_max,
    responsive,
    text_width,
)

LINE_WIDE = Frame(720, 360, 78, 20, 34, 40, font=13, ticks=4)
LINE_NARROW = Frame(360, 320, 60, 12, 30, 40, font=14, ticks=2)
LEGEND_ROW = 24


@dataclass
class Line:
    label: str
    points: Mapping[int, float]
    colour: str = PALETTE[0]
    dashed: bool = False
    markers: bool = True


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    lines: Sequence[Line],
    unit: str,
    decimals: int = 0,
) -> SafeString:
    """Return an SVG line chart over years (wide and narrow variants)."""
    drawn = [line for line in lines if line.points]
    return responsive(
        chart_id,
        lambda variant_id, narrow: _svg(
            variant_id, title, description, drawn, unit, decimals, narrow=narrow
        ),
    )


def _text(x: float, y: float, content: str, css_class: str = "tick", anchor: str = "") -> str:
    anchor_attr = f' text-anchor="{anchor}"' if anchor else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}"{anchor_attr} class="{css_class}" fill="{INK}">'
        f"{escape(content)}</text>"
    )


def _svg(chart_id, title, description, lines, unit, decimals, *, narrow: bool) -> str:
    frame = LINE_NARROW if narrow else LINE_WIDE
    height = frame.height + LEGEND_ROW * len(lines)
    years = sorted({year for line in lines for year in line.points})
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {frame.width} {height}" '
        f'class="chart" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'preserveAspectRatio="xMinYMin meet">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        f'<g font-size="{frame.font}">'
    ]
    if not years:
        parts.append("</g></svg>")
        return "".join(parts)
    values = [v for line in lines for v in line.points.values()]
    low = min(0.0, min(values))
    high = nice_max(max(values)) if max(values) > 0 else 1.0
    if low < 0:
        low = -nice_max(-low)
    first, last = years[0], years[-1]
    span = max(last - first, 1)

    def x_of(year: float) -> float:
        return frame.left + frame.plot_width * (year - first) / span

    def y_of(value: float) -> float:
        return frame.top + frame.plot_height * (1 - (value - low) / (high - low))

    for step in range(frame.ticks + 1):
        value = low + (high - low) * step / frame.ticks
        y = y_of(value)
        parts.append(
            f'<line x1="{frame.left}" x2="{frame.width - frame.right}" '
            f'y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
        )
        parts.append(
            _text(frame.left - 6, y + frame.font / 3, format_number(value, decimals), anchor="end")
        )
    parts.append(_text(4, frame.top - frame.font, unit, css_class="axis-label"))
    base = frame.top + frame.plot_height
    parts.append(
        f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{base}" y2="{base}" '
        f'class="axis" stroke="{INK}"/>'
    )
    parts += _year_ticks(years, x_of, base, frame)
    for line in lines:
        ordered = sorted(line.points.items())
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{x_of(year):.1f},{y_of(value):.1f}"
            for i, (year, value) in enumerate(ordered)
        )
        dash = ' stroke-dasharray="8 5"' if line.dashed else ""
        parts.append(
            f'<path d="{path}" fill="none" stroke="{line.colour}" stroke-width="3"{dash}/>'
        )
        if line.markers:
            for year, value in ordered:
                tooltip = f"{line.label}, {year}: {format_number(value, decimals)} {unit}"
                parts.append(
                    f'<circle cx="{x_of(year):.1f}" cy="{y_of(value):.1f}" r="4.5" '
                    f'fill="{line.colour}" stroke="#ffffff" stroke-width="1.5">'
                    f"<title>{escape(tooltip)}</title></circle>"
                )
    for index, line in enumerate(lines):
        y = frame.height + index * LEGEND_ROW - 6
        dash = ' stroke-dasharray="8 5"' if line.dashed else ""
        parts.append(
            f'<line x1="12" x2="40" y1="{y - 4}" y2="{y - 4}" stroke="{line.colour}" '
            f'stroke-width="3"{dash}/>'
        )
        if line.markers:
            parts.append(f'<circle cx="26" cy="{y - 4}" r="4.5" fill="{line.colour}"/>')
        parts.append(_text(48, y, line.label, css_class="legend"))
    parts.append("</g></svg>")
    return "".join(parts)


def _year_ticks(years: list[int], x_of, base: float, frame: Frame) -> list[str]:
    """Return tick marks for every year with a value and the labels that fit."""
    parts = []
    shown_until = -1e9
    last = years[-1]
    for year in years:
        x = x_of(year)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{base}" y2="{base + 4}" class="axis" '
            f'stroke="{INK}"/>'
        )
        width = text_width(str(year), frame.font)
        room_for_last = year == last or x_of(last) - x >= width + frame.font
        if x - width / 2 >= shown_until + frame.font * 0.6 and room_for_last:
            parts.append(_text(x, base + frame.font + 6, str(year), anchor="middle"))
            shown_until = x + width / 2
    return parts
