"""Mölndal's page: the emissions chart and table, in total and per inhabitant."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.helpers import (
    translate,
)

from .helpers import assert_accessible

pytestmark = pytest.mark.browser


def number(text: str) -> float:
    return float(text.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", "."))


def axis_max(chart) -> float:
    """The highest value on the chart's y axis (the first five tick labels)."""
    return max(number(x) for x in chart.locator("text.tick").all_text_contents()[:5])


def test_molndal_shows_chart_and_table_and_switches_to_per_inhabitant(page):
    page.goto("/organisationer/molndal/")
    expect(page.locator("h1")).to_contain_text("Mölndal")

    chart = page.get_by_role("img", name=re.compile(translate("Emissions by sector")))
    expect(chart).to_have_count(1)
    assert chart.evaluate("el => el.tagName.toLowerCase()") == "svg"
    # The accessible name comes from the SVG's <title> and <desc>.
    name = chart.evaluate(
        "el => el.getAttribute('aria-labelledby').split(' ')"
        ".map(id => document.getElementById(id).textContent).join(' ')"
    )
    assert "Mölndal" in name and len(name) > 60
    expect(chart.locator("rect").first).to_be_visible()

    table = page.locator("#emissions-table")
    expect(table.locator("caption")).to_be_visible()
    total_row = table.locator("tfoot tr").first
    expect(total_row.locator("th[scope=row]")).to_have_text(translate("Total"))
    years = table.locator("thead th.num").all_inner_texts()
    assert years[0] == "1990" and len(years) >= 5
    totals = total_row.locator("td").all_inner_texts()
    assert len(totals) == len(years)
    assert number(totals[0]) > 100_000  # Mölndal emitted well over 100 000 tonnes in 1990
    assert axis_max(chart) >= number(max(totals, key=number))
    assert_accessible(page, "molndal")

    with page.expect_navigation():
        page.get_by_role("link", name=translate("Show per inhabitant")).click()
    assert "per=capita" in page.url
    per_capita_chart = page.get_by_role("img", name=re.compile(translate("per inhabitant")))
    expect(per_capita_chart).to_have_count(1)
    # The axis now counts a few tonnes per person, not hundreds of thousands.
    assert 0 < axis_max(per_capita_chart) < 100
    expect(page.get_by_role("link", name=translate("Show total emissions"))).to_be_visible()
    assert_accessible(page, "molndal-per-capita")

    with page.expect_navigation():
        page.get_by_role("link", name=translate("Show total emissions")).click()
    assert "per=capita" not in page.url
    expect(page.get_by_role("link", name=translate("Show per inhabitant"))).to_be_visible()
