"""Server-drawn charts: a time axis to scale, labels the marker never covers, contrast."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kraftsamla.core import charts

SVG = "{http://www.w3.org/2000/svg}"
SITE_CSS = Path(charts.__file__).resolve().parent.parent / "static/kraftsamla/site.css"
YEARS = [1990, 2000, 2005, 2010, 2015, 2020, 2021, 2022, 2023, 2024]
# The chart column on a 390 px phone (the page keeps 1rem padding on each side).
PHONE_COLUMN = 358


def variants(html: str) -> dict[str, ET.Element]:
    """Return {"wide": svg, "narrow": svg} from a chart's HTML."""
    found = re.findall(r'<div class="chart-(wide|narrow)">(<svg.*?</svg>)</div>', str(html), re.S)
    assert [name for name, _svg in found] == ["wide", "narrow"]
    return {name: ET.fromstring(svg) for name, svg in found}


def emissions_chart() -> str:
    series = [
        charts.Series(label=f"Sector {n}", values=[100 + n * 10 + y % 7 for y in YEARS], colour=c)
        for n, c in enumerate(charts.PALETTE)
    ]
    return charts.stacked_bars(
        chart_id="test-chart",
        title="Emissions",
        description="Test",
        categories=[str(y) for y in YEARS],
        positions=YEARS,
        series=series,
        unit="tonnes CO₂e",
    )


def profile_chart(values, markers) -> str:
    return charts.horizontal_bars(
        chart_id="profile",
        title="Profile",
        description="Test",
        labels=[f"Capital {n}" for n in range(len(values))],
        values=values,
        markers=markers,
        marker_label="Peer median",
        missing_text="no answers",
    )


def font_size(svg: ET.Element) -> float:
    return float(svg.find(f"{SVG}g").get("font-size"))


def view_width(svg: ET.Element) -> float:
    return float(svg.get("viewBox").split()[2])


# --- the time axis -----------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["wide", "narrow"])
def test_the_time_axis_is_proportional_to_time(variant):
    svg = variants(emissions_chart())[variant]
    centres = {}
    for rect in svg.iter(f"{SVG}rect"):
        title = rect.find(f"{SVG}title")
        if title is not None:
            year = int(title.text.split(",")[0])
            centres[year] = float(rect.get("x")) + float(rect.get("width")) / 2
    assert set(centres) == set(YEARS)
    per_year = (centres[2024] - centres[1990]) / (2024 - 1990)
    for year in YEARS:
        assert centres[year] - centres[1990] == pytest.approx(per_year * (year - 1990), abs=0.2)
    # Ten years between 1990 and 2000 take ten times the room of 2020–2021.
    assert centres[2000] - centres[1990] == pytest.approx(
        10 * (centres[2021] - centres[2020]), 0.05
    )


@pytest.mark.parametrize("variant", ["wide", "narrow"])
def test_year_labels_stand_at_their_year_and_never_overlap(variant):
    svg = variants(emissions_chart())[variant]
    font = font_size(svg)
    labels = [
        (float(t.get("x")), t.text)
        for t in svg.iter(f"{SVG}text")
        if t.text and t.text.isdigit() and len(t.text) == 4 and t.get("text-anchor") == "middle"
    ]
    texts = [text for _x, text in labels]
    assert texts[0] == "1990" and texts[-1] == "2024"
    assert "2000" in texts
    for (x1, t1), (x2, t2) in zip(labels, labels[1:], strict=False):
        assert x2 - x1 >= (charts.text_width(t1, font) + charts.text_width(t2, font)) / 2


# --- the median marker and the value labels ----------------------------------------------


def spans(svg: ET.Element):
    """Yield (value label x range, marker x range) per row of a horizontal bar chart."""
    font = font_size(svg)
    labels = [t for t in svg.iter(f"{SVG}text") if "value" in (t.get("class") or "").split()]
    markers = [
        r
        for r in svg.iter(f"{SVG}rect")
        if r.get("class") == "marker" and r.find(f"{SVG}title") is not None
    ]
    assert len(labels) == len(markers)
    for label, marker in zip(labels, markers, strict=True):
        start = float(label.get("x"))
        halo = float(marker.get("stroke-width")) / 2
        marker_x = float(marker.get("x"))
        yield (
            (start, start + charts.text_width(label.text, font)),
            (marker_x - halo, marker_x + float(marker.get("width")) + halo),
        )


@pytest.mark.parametrize("variant", ["wide", "narrow"])
@pytest.mark.parametrize(
    ("values", "markers"),
    [
        ([50, 62.5, 40, 75, 10, 100, None], [52, 60, 55, 74, 12, 96, 3]),
        ([0, 25, 50, 75, 100, 33.3, 12.5], [1, 27, 51, 76, 99, 34, 14]),
    ],
)
def test_the_median_marker_never_covers_a_value_label(variant, values, markers):
    svg = variants(profile_chart(values, markers))[variant]
    for (label_left, label_right), (marker_left, marker_right) in spans(svg):
        assert label_right < marker_left or label_left > marker_right
        assert label_right <= view_width(svg)


def test_a_label_stays_next_to_its_bar_when_the_marker_is_elsewhere():
    svg = variants(profile_chart([80], [20]))["wide"]
    bar = next(r for r in svg.iter(f"{SVG}rect") if r.get("fill") == charts.BAR_COLOUR)
    label = next(t for t in svg.iter(f"{SVG}text") if t.get("class") == "tick value")
    bar_end = float(bar.get("x")) + float(bar.get("width"))
    assert float(label.get("x")) == pytest.approx(bar_end + 6)


# --- narrow screens ------------------------------------------------------------------------


@pytest.mark.parametrize("html", [emissions_chart(), profile_chart([50, 60], [55, 65])])
def test_the_narrow_variant_keeps_text_at_12_px_in_a_phone_column(html):
    svg = variants(html)["narrow"]
    assert font_size(svg) * PHONE_COLUMN / view_width(svg) >= 12
    wide = variants(html)["wide"]
    # The wide variant is shown from 48rem (768 px, a column of at least 720 px).
    assert font_size(wide) * 720 / view_width(wide) >= 12


def test_each_variant_has_its_own_title_ids():
    svgs = variants(emissions_chart())
    assert svgs["wide"].get("aria-labelledby") == "test-chart-title test-chart-desc"
    assert svgs["narrow"].get("aria-labelledby") == "test-chart-narrow-title test-chart-narrow-desc"


# --- contrast ------------------------------------------------------------------------------


def luminance(colour: str) -> float:
    """Return the WCAG relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    red, green, blue = linear
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_luminance_helper_matches_known_ratios():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize(
    "html",
    [emissions_chart(), profile_chart([50, None, 90], [52, 40, 20])],
    ids=["stacked", "bars"],
)
def test_chart_text_and_marks_contrast_with_the_background(html):
    for svg in variants(html).values():
        texts = list(svg.iter(f"{SVG}text"))
        assert texts
        for text in texts:
            assert contrast(text.get("fill"), charts.BACKGROUND) >= 4.5, text.text
        for rect in svg.iter(f"{SVG}rect"):
            assert contrast(rect.get("fill"), charts.BACKGROUND) >= 3, rect.get("fill")


def test_the_marker_stands_out_from_the_bar_it_is_drawn_over():
    # The marker's halo separates it from the bar; both borders reach 3:1.
    assert contrast(charts.MARKER_HALO, charts.BAR_COLOUR) >= 3
    assert contrast(charts.MARKER_COLOUR, charts.MARKER_HALO) >= 3


def test_every_palette_colour_reaches_3_to_1_on_white():
    for colour in charts.PALETTE:
        assert contrast(colour, charts.BACKGROUND) >= 3, colour


def test_the_stylesheet_draws_chart_text_in_the_same_ink():
    css = SITE_CSS.read_text(encoding="utf-8")
    ink = re.search(r"--ink:\s*(#[0-9a-fA-F]{6})", css).group(1)
    assert ink.lower() == charts.INK
    assert re.search(
        r"\.chart \.tick, \.chart \.legend, \.chart \.axis-label \{ fill: var\(--ink\)", css
    )


def test_value_ticks_keep_their_decimals():
    chart = charts.stacked_bars(
        chart_id="per-capita",
        title="Per inhabitant",
        description="Test",
        categories=["2023", "2024"],
        positions=[2023, 2024],
        series=[charts.Series(label="All", values=[7.1, 6.9], colour=charts.PALETTE[0])],
        unit="tonnes",
        decimals=2,
    )
    ticks = [
        t.text for t in variants(chart)["wide"].iter(f"{SVG}text") if t.get("text-anchor") == "end"
    ]
    assert ticks == [
        charts.format_number(v, d) for v, d in ((0, 0), (2.5, 1), (5, 0), (7.5, 1), (10, 0))
    ]
