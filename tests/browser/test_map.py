"""The municipality map: each area is a link, and a plain list holds the same links."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.helpers import municipality_count

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

    # The list below the map holds the same links.
    page.go_back()
    details = page.locator("section details")
    expect(details).not_to_have_attribute("open", "")
    details.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(details).to_have_attribute("open", "")
    expect(details.locator("ul li a")).to_have_count(municipality_count())
    molndal = details.get_by_role("link", name="Mölndal", exact=True)
    expect(molndal).to_be_visible()
    with page.expect_navigation():
        molndal.click()
    assert page.url.endswith("/organisationer/molndal/")
