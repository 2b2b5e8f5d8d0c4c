"""Draw charts as SVG on the server, with our own code (no JavaScript, no CDN).

Each chart carries a <title> and <desc>, and pages show the same numbers in a
table beside it, so the chart is never the only way to read the data.

Every chart is drawn twice: a wide variant and a narrow one with fewer ticks and
a larger font for its viewBox, so that text stays at least 12 px on a phone. The
stylesheet shows one of them (`.chart-wide` / `.chart-narrow`).
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


# Text and marks are checked against the white background in tests/test_charts.py:
# text at least 4.5:1, bars and markers at least 3:1 (WCAG 1.4.3 and 1.4.11).
INK = "#1a1a1a"
BACKGROUND = "#ffffff"
BAR_COLOUR = PALETTE[0]
MARKER_COLOUR = PALETTE[1]
# A white halo keeps the marker apart from the bar it is drawn over.
MARKER_HALO = BACKGROUND
MARKER_WIDTH = 4
# An estimate of a text's width in em; digits and most letters are narrower.
CHAR_WIDTH_EM = 0.62


@dataclass(frozen=True)
class Frame:
    """The size of one chart variant in viewBox units and its font size."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    font: int
    ticks: int
    legend_columns: int = 1

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom


# Wide: shown from 48rem up (at least ~720 px for the figure, so 13 units ≥ 12 px).
# Narrow: a 360-unit viewBox in a ~358 px phone column keeps 14 units ≈ 14 px.
STACKED_WIDE = Frame(720, 380, 78, 12, 34, 40, font=13, ticks=4, legend_columns=2)
STACKED_NARROW = Frame(360, 330, 64, 8, 30, 48, font=14, ticks=2)


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


def score_band(score: float | None) -> str:
    """Return a CSS class for a 0–100 score: heat-1 (under 25) … heat-4 (75 and over)."""
    if score is None:
        return "heat-none"
    return f"heat-{min(int(score // 25), 3) + 1}"


def text_width(text: str, font: float) -> float:
    """Return an estimate of how wide `text` is drawn at `font` size."""
    return len(text) * font * CHAR_WIDTH_EM


def _svg_open(chart_id: str, title: str, description: str, frame: Frame, height: float) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {frame.width} {height:g}" '
        f'class="chart" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'preserveAspectRatio="xMinYMin meet">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        # On a group, not on <svg>: the stylesheet's font size for .chart would win there.
        f'<g font-size="{frame.font}">'
    )


SVG_CLOSE = "</g></svg>"


def _text(x: float, y: float, content: str, css_class: str = "tick", anchor: str = "") -> str:
    anchor_attr = f' text-anchor="{anchor}"' if anchor else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}"{anchor_attr} class="{css_class}" fill="{INK}">'
        f"{escape(content)}</text>"
    )


def responsive(chart_id: str, draw) -> SafeString:
    """Return the wide and the narrow variant of a chart; `draw(chart_id, narrow)` draws one."""
    wide = draw(chart_id, False)
    narrow = draw(f"{chart_id}-narrow", True)
    return mark_safe(  # noqa: S308 - both variants escape every text part
        f'<div class="chart-wide">{wide}</div><div class="chart-narrow">{narrow}</div>'
    )


# --- stacked bars on a time axis ---------------------------------------------------------


def stacked_bars(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    unit: str,
    positions: Sequence[float] | None = None,
    decimals: int = 0,
) -> SafeString:
    """Return an SVG stacked bar chart with axis, gridlines and a legend (wide and narrow).

    `positions` (e.g. the years) place each bar in proportion to its value, so a
    time axis keeps its gaps; without them the bars are spaced evenly.
    """
    chart = _StackedChart(
        title=title,
        description=description,
        categories=list(categories),
        positions=list(positions) if positions is not None else list(range(len(categories))),
        series=list(series),
        unit=unit,
        decimals=decimals,
    )
    return responsive(chart_id, lambda variant_id, narrow: chart.svg(variant_id, narrow=narrow))


@dataclass
class _StackedChart:
    """What a stacked bar chart shows; `svg` draws one variant of it."""

    title: str
    description: str
    categories: list[str]
    positions: list[float]
    series: list[Series]
    unit: str
    decimals: int

    def svg(self, chart_id: str, *, narrow: bool) -> str:
        frame = STACKED_NARROW if narrow else STACKED_WIDE
        totals = [sum((s.values[i] or 0) for s in self.series) for i in range(len(self.categories))]
        y_max = nice_max(max(totals, default=0))
        legend_rows = math.ceil(len(self.series) / frame.legend_columns)
        height = frame.height + 24 * legend_rows
        slot, x_of = _time_scale(self.positions, frame)
        centres = [x_of(position) for position in self.positions]
        parts = [_svg_open(chart_id, self.title, self.description, frame, height)]
        parts += _value_axis(y_max, self.unit, frame)
        for index, (category, centre) in enumerate(zip(self.categories, centres, strict=True)):
            segments = [(s, s.values[index]) for s in self.series]
            parts += self.stack(category, segments, centre, slot * 0.7, y_max, frame)
        base = frame.top + frame.plot_height
        parts.append(
            f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{base}" y2="{base}" '
            f'class="axis" stroke="{INK}"/>'
        )
        parts += _category_ticks(self.categories, centres, frame)
        parts += _legend(self.series, frame)
        parts.append(SVG_CLOSE)
        return "".join(parts)

    def stack(self, category, segments, x_centre, bar_width, y_max, frame) -> list[str]:
        """Return one bar's segments, bottom up, each with its value as a tooltip."""
        parts = []
        y_cursor = frame.top + frame.plot_height
        x = x_centre - bar_width / 2
        for s, value in segments:
            if not value or value <= 0:
                continue
            height = frame.plot_height * value / y_max
            y_cursor -= height
            tooltip = f"{category}, {s.label}: {format_number(value, self.decimals)} {self.unit}"
            parts.append(
                f'<rect x="{x:.1f}" y="{y_cursor:.1f}" width="{bar_width:.1f}" '
                f'height="{height:.1f}" fill="{s.colour}"><title>{escape(tooltip)}</title></rect>'
            )
        return parts


def _time_scale(positions: Sequence[float], frame: Frame):
    """Return (slot width, position → bar centre x); one slot per unit of position."""
    first, last = (min(positions), max(positions)) if positions else (0, 0)
    slot = frame.plot_width / (last - first + 1)

    def x_of(position: float) -> float:
        return frame.left + slot * (position - first + 0.5)

    return slot, x_of


def _value_axis(y_max: float, unit: str, frame: Frame) -> list[str]:
    """Return the gridlines, their labels and the unit above the axis."""
    parts = []
    for step in range(frame.ticks + 1):
        value = y_max * step / frame.ticks
        y = frame.top + frame.plot_height * (1 - step / frame.ticks)
        parts.append(
            f'<line x1="{frame.left}" x2="{frame.width - frame.right}" '
            f'y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
        )
        label = format_number(value, _decimals_needed(value))
        parts.append(_text(frame.left - 6, y + frame.font / 3, label, anchor="end"))
    parts.append(_text(4, frame.top - frame.font, unit, css_class="axis-label"))
    return parts


def _decimals_needed(value: float) -> int:
    """Return how many decimals (at most two) show a tick value exactly: 2,5 but 10."""
    text = f"{value:.2f}".rstrip("0")
    return len(text.split(".")[1])


def _category_ticks(categories, centres: list[float], frame: Frame) -> list[str]:
    """Return a tick mark under every bar and the labels that fit without overlapping.

    The first and the last label are always shown; others are left out where they
    would touch their neighbour (the table beside the chart has every value).
    """
    base = frame.top + frame.plot_height
    parts = [
        f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{base}" y2="{base + 4}" class="axis" stroke="{INK}"/>'
        for x in centres
    ]
    widths = [text_width(category, frame.font) for category in categories]
    # Under its bar, but the outermost labels stay inside the drawing.
    label_x = [
        min(max(x, width / 2 + 2), frame.width - width / 2 - 2)
        for x, width in zip(centres, widths, strict=True)
    ]

    def fits(i: int, j: int) -> bool:
        return abs(label_x[i] - label_x[j]) >= (widths[i] + widths[j]) / 2 + frame.font * 0.6

    shown: list[int] = []
    for index in range(len(categories)):
        if not shown or fits(shown[-1], index):
            shown.append(index)
    last = len(categories) - 1
    if shown and shown[-1] != last:
        while shown and not fits(shown[-1], last):
            shown.pop()
        shown.append(last)
    for index in shown:
        parts.append(
            _text(label_x[index], base + frame.font + 6, categories[index], anchor="middle")
        )
    return parts


def _legend(series: Sequence[Series], frame: Frame) -> list[str]:
    """Return the legend under the chart, `frame.legend_columns` entries per row."""
    parts = []
    column_width = (frame.width - 24) / frame.legend_columns
    for index, s in enumerate(series):
        column, row = index % frame.legend_columns, index // frame.legend_columns
        x = 12 + column * column_width
        y = frame.height + row * 24 - 6
        parts.append(f'<rect x="{x:.1f}" y="{y - 11}" width="14" height="14" fill="{s.colour}"/>')
        parts.append(_text(x + 20, y, s.label, css_class="legend"))
    return parts


# --- horizontal bars with comparison markers ---------------------------------------------

HBARS_WIDE = Frame(640, 0, 190, 60, 10, 0, font=13, ticks=4)
HBARS_NARROW = Frame(340, 0, 8, 44, 10, 0, font=14, ticks=2)
HBARS_ROW = 34  # wide: label left of the bar
HBARS_NARROW_ROW = 50  # narrow: label above the bar


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
    missing_text: str = "–",
) -> SafeString:
    """Return an SVG horizontal bar chart (0–maximum) with optional comparison markers.

    A value's label sits right of its bar, or right of the marker where the two
    would overlap, so the marker never hides a number.
    """
    rows = list(zip(labels, values, markers or [None] * len(labels), strict=True))

    def draw(variant_id: str, narrow: bool) -> str:
        chart = _HorizontalChart(narrow, maximum, with_markers=markers is not None)
        return chart.svg(variant_id, title, description, rows, marker_label, missing_text)

    return responsive(chart_id, draw)


class _HorizontalChart:
    """One variant (wide or narrow) of a horizontal bar chart."""

    def __init__(self, narrow: bool, maximum: float, *, with_markers: bool):
        self.narrow = narrow
        self.frame = HBARS_NARROW if narrow else HBARS_WIDE
        self.row_height = HBARS_NARROW_ROW if narrow else HBARS_ROW
        self.maximum = maximum
        self.with_markers = with_markers

    def x_of(self, value: float) -> float:
        share = max(0.0, min(value, self.maximum)) / self.maximum
        return self.frame.left + self.frame.plot_width * share

    def bar_top(self, index: int) -> float:
        top = self.frame.top + index * self.row_height
        return top + (self.frame.font + 6 if self.narrow else 6)

    @property
    def bar_height(self) -> float:
        return self.row_height - (self.frame.font + 12 if self.narrow else 12)

    def svg(self, chart_id, title, description, rows, marker_label, missing_text) -> str:
        axis_y = self.frame.top + self.row_height * len(rows)
        height = axis_y + self.frame.font + (40 if self.with_markers else 14)
        parts = [_svg_open(chart_id, title, description, self.frame, height)]
        parts += self.grid(axis_y)
        for index, (label, value, marker) in enumerate(rows):
            parts += self.row(index, label, value, marker, marker_label, missing_text)
        if self.with_markers:
            parts += self.marker_legend(height, marker_label)
        parts.append(SVG_CLOSE)
        return "".join(parts)

    def grid(self, axis_y: float) -> list[str]:
        parts = []
        for step in range(self.frame.ticks + 1):
            tick = self.maximum * step / self.frame.ticks
            x = self.x_of(tick)
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{self.frame.top}" y2="{axis_y}" '
                'class="grid"/>'
            )
            parts.append(
                _text(x, axis_y + self.frame.font + 4, short_number(tick), anchor="middle")
            )
        return parts

    def row(self, index, label, value, marker, marker_label, missing_text) -> list[str]:
        bar_top = self.bar_top(index)
        middle = bar_top + self.bar_height / 2 + self.frame.font / 3
        if self.narrow:
            parts = [_text(self.frame.left, bar_top - 5, label)]
        else:
            parts = [_text(self.frame.left - 8, middle, label, anchor="end")]
        marker_span = None
        if marker is not None:
            marker_x = self.x_of(marker)
            marker_span = (marker_x - MARKER_WIDTH / 2 - 1, marker_x + MARKER_WIDTH / 2 + 1)
        if value is None:
            text, bar_end = missing_text, self.frame.left
        else:
            text, bar_end = short_number(value), self.x_of(value)
            parts.append(
                f'<rect x="{self.frame.left}" y="{bar_top:.1f}" '
                f'width="{bar_end - self.frame.left:.1f}" height="{self.bar_height:.1f}" '
                f'fill="{BAR_COLOUR}"><title>{escape(label)}: {text}</title></rect>'
            )
        label_x = _label_start(bar_end + 6, text_width(text, self.frame.font), marker_span)
        parts.append(_text(label_x, middle, text, css_class="tick value"))
        if marker is not None:
            parts.append(self.marker(marker, bar_top, marker_label))
        return parts

    def marker(self, value: float, bar_top: float, marker_label: str) -> str:
        x = self.x_of(value) - MARKER_WIDTH / 2
        return (
            f'<rect x="{x:.1f}" y="{bar_top - 4:.1f}" width="{MARKER_WIDTH}" '
            f'height="{self.bar_height + 8:.1f}" fill="{MARKER_COLOUR}" stroke="{MARKER_HALO}" '
            f'stroke-width="2" class="marker"><title>{escape(marker_label)}: '
            f"{short_number(value)}</title></rect>"
        )

    def marker_legend(self, height: float, marker_label: str) -> list[str]:
        x, y = self.frame.left, height - 12
        return [
            f'<rect x="{x}" y="{y - self.frame.font:.1f}" width="{MARKER_WIDTH}" '
            f'height="{self.frame.font + 4}" fill="{MARKER_COLOUR}" class="marker"/>',
            _text(x + 10, y, marker_label, css_class="legend"),
        ]


def _label_start(preferred: float, width: float, marker_span: tuple[float, float] | None) -> float:
    """Return where a value label starts: at `preferred`, or past the marker if they overlap."""
    if marker_span is None:
        return preferred
    left, right = marker_span
    if preferred + width < left or preferred > right:
        return preferred
    return max(preferred, right + 4)


# --- a scatter of points in four quadrants (e.g. impact × effort) --------------------------

QUADRANT_WIDE = Frame(640, 440, 64, 16, 16, 56, font=13, ticks=4)
QUADRANT_NARROW = Frame(360, 400, 48, 10, 14, 56, font=14, ticks=2)
POINT_RADIUS = 12


@dataclass(frozen=True)
class Point:
    """One point: x and y on the chart's scale, a short mark drawn in it, and a tooltip."""

    x: float
    y: float
    mark: str
    label: str


def quadrant_scatter(
    *,
    chart_id: str,
    title: str,
    description: str,
    points: Sequence[Point],
    x_label: str,
    y_label: str,
    quadrants: tuple[str, str, str, str],
    maximum: float = 4,
    middle: float | None = None,
) -> SafeString:
    """Return an SVG scatter chart (0–maximum on both axes) split into four quadrants.

    `quadrants` names them: top left, top right, bottom left, bottom right. Each point
    carries its `mark` (e.g. its rank, so the table beside the chart tells which it is,
    never the colour alone) and a tooltip; points at the same place are fanned out.
    """
    middle = maximum / 2 if middle is None else middle

    def draw(variant_id: str, narrow: bool) -> str:
        frame = QUADRANT_NARROW if narrow else QUADRANT_WIDE
        return _quadrant_svg(
            variant_id,
            frame,
            title,
            description,
            points,
            x_label,
            y_label,
            quadrants,
            maximum,
            middle,
        )

    return responsive(chart_id, draw)


def _quadrant_svg(
    chart_id, frame, title, description, points, x_label, y_label, quadrants, maximum, middle
) -> str:
    def x_of(value: float) -> float:
        return frame.left + frame.plot_width * max(0.0, min(value, maximum)) / maximum

    def y_of(value: float) -> float:
        return frame.top + frame.plot_height * (1 - max(0.0, min(value, maximum)) / maximum)

    bottom = frame.top + frame.plot_height
    right = frame.left + frame.plot_width
    parts = [_svg_open(chart_id, title, description, frame, frame.height)]
    for step in range(frame.ticks + 1):
        value = maximum * step / frame.ticks
        x, y = x_of(value), y_of(value)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{frame.top}" y2="{bottom}" class="grid"/>'
        )
        parts.append(
            f'<line x1="{frame.left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
        )
        parts.append(_text(x, bottom + frame.font + 4, short_number(value), anchor="middle"))
        parts.append(_text(frame.left - 6, y + frame.font / 3, short_number(value), anchor="end"))
    mx, my = x_of(middle), y_of(middle)
    parts.append(
        f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{frame.top}" y2="{bottom}" class="axis" '
        f'stroke="{INK}" stroke-dasharray="4 3"/>'
    )
    parts.append(
        f'<line x1="{frame.left}" x2="{right}" y1="{my:.1f}" y2="{my:.1f}" class="axis" '
        f'stroke="{INK}" stroke-dasharray="4 3"/>'
    )
    top_left, top_right, bottom_left, bottom_right = quadrants
    pad = 6
    parts.append(_text(frame.left + pad, frame.top + frame.font + pad, top_left, "legend"))
    parts.append(
        _text(right - pad, frame.top + frame.font + pad, top_right, "legend", anchor="end")
    )
    parts.append(_text(frame.left + pad, bottom - pad, bottom_left, "legend"))
    parts.append(_text(right - pad, bottom - pad, bottom_right, "legend", anchor="end"))
    parts.append(
        _text(frame.left + frame.plot_width / 2, frame.height - 8, x_label, "legend", "middle")
    )
    # The y axis label, turned to read upwards.
    parts.append(
        f'<text x="0" y="0" transform="translate({frame.font:.1f} '
        f'{frame.top + frame.plot_height / 2:.1f}) rotate(-90)" text-anchor="middle" '
        f'class="legend" fill="{INK}">{escape(y_label)}</text>'
    )
    seen: dict[tuple[float, float], int] = {}
    for point in points:
        place = (round(point.x, 2), round(point.y, 2))
        nth = seen.get(place, 0)
        seen[place] = nth + 1
        # Fan out points at the same place on a small circle, so none hides another.
        angle = nth * 2.4
        spread = 0 if nth == 0 else POINT_RADIUS * 1.6 * math.sqrt(nth)
        cx = x_of(point.x) + spread * math.cos(angle)
        cy = y_of(point.y) + spread * math.sin(angle)
        parts.append(
            f'<g class="point"><circle cx="{cx:.1f}" cy="{cy:.1f}" r="{POINT_RADIUS}" '
            f'fill="{BACKGROUND}" stroke="{BAR_COLOUR}" stroke-width="2"/>'
            f'<text x="{cx:.1f}" y="{cy + frame.font / 3:.1f}" text-anchor="middle" '
            f'font-size="{frame.font - 1}" fill="{INK}">{escape(point.mark)}</text>'
            f"<title>{escape(point.label)}</title></g>"
        )
    parts.append(SVG_CLOSE)
    return "".join(parts)
