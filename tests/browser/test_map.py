"""The municipality map: each area is a link, and a plain list holds the same links."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.helpers import municipality_count, translate

from .helpers import assert_accessible

pytestmark = pytest.mark.browser


def css_rgb(hex_colour: str) -> str:
    """#2c6ea3 -> rgb(44, 110, 163), as getComputedStyle reports it."""
    value = hex_colour.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(value[i : i + 2], 16) for i in (0, 2, 4)))


def test_clicking_a_municipality_opens_its_page(page):
    page.goto("/organisationer/karta/")
    svg = page.locator("svg.map")
    expect(svg).to_be_visible()
    expect(svg.locator("a")).to_have_count(municipality_count())
    assert_accessible(page, "map")

    with page.expect_navigation():
        svg.locator("a[href$='/organisationer/molndal/'] path").click()
    assert page.url.endswith("/organisationer/molndal/")
    expect(page.locator("h1")).to_contain_text("Mölndal")


def test_emission_colours_keyboard_and_the_list_alternative(page):
    page.goto("/organisationer/karta/?metric=emissions")
    expect(page.locator(".legend-box li")).to_have_count(5)
    # Each area shows its emission class's colour (the stylesheet must not paint over it).
    fills = page.locator("svg.map path[fill]").evaluate_all(
        "paths => paths.map(p => [p.getAttribute('fill'), getComputedStyle(p).fill])"
    )
    assert len(fills) == municipality_count()
    assert all(css_rgb(attr) == computed for attr, computed in fills), fills[:3]
    assert len({attr for attr, _ in fills}) >= 4
    link = page.locator("svg.map a[href$='/organisationer/kiruna/']")
    expect(link).to_have_attribute("aria-label", re.compile(r"^Kiruna.*\d"))
    assert_accessible(page, "map-emissions")

    # An area is a link that works with the keyboard.
    link.focus()
    expect(link).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/organisationer/kiruna/")

    # The list below the map holds the same links, always shown, with a link to it at the top.
    page.go_back()
    page.get_by_role("link", name=translate("Go to the list of municipalities")).click()
    expect(page.locator("#map-list-heading")).to_be_focused()
    items = page.locator("section.map-list ul li a")
    expect(items).to_have_count(municipality_count())
    molndal = items.get_by_text("Mölndal", exact=True)
    expect(molndal).to_be_visible()
    with page.expect_navigation():
        molndal.click()
    assert page.url.endswith("/organisationer/molndal/")


def test_search_marks_and_focuses_the_municipality(page):
    """WCAG 2.5.8: most areas are smaller than 24 px, so the search reaches any of them."""
    page.goto("/organisationer/karta/")
    search = page.get_by_role("combobox", name=translate("Find a municipality"))
    # The names to choose from come with the field (a datalist).
    assert page.locator("datalist#municipality-names option").count() == municipality_count()
    search.fill("Mölndal")
    with page.expect_navigation():
        search.press("Enter")
    link = page.locator("svg.map a[href$='/organisationer/molndal/']")
    expect(link).to_have_class("is-match")
    expect(link).to_be_focused()
    expect(page.locator("section.map-list ul li a")).to_have_count(1)
    assert_accessible(page, "map-search")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/organisationer/molndal/")


def test_zoom_to_a_county(page):
    page.goto("/organisationer/karta/")
    page.get_by_label(translate("Zoom to a county")).select_option(label="Hallands län")
    with page.expect_navigation():
        page.get_by_role("button", name=translate("Show on the map")).click()
    assert "county=13" in page.url
    links = page.locator("svg.map a")
    expect(links).to_have_count(municipality_count(county__code="13"))
    # Zoomed in, the county's smallest municipality is at least 24 px in both directions.
    smallest = min(
        (box["width"], box["height"])
        for box in (path.bounding_box() for path in links.locator("path").all())
    )
    assert min(smallest) >= 24, smallest
    assert_accessible(page, "map-county")
