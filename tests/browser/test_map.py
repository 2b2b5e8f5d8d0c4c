"""The municipality map: each area is a link, and a plain list holds the same links."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .helpers import assert_accessible

pytestmark = pytest.mark.browser


def test_clicking_a_municipality_opens_its_page(page):
    page.goto("/organisationer/karta/")
    svg = page.locator("svg.map")
    expect(svg).to_be_visible()
    assert svg.locator("a").count() == 290
    assert_accessible(page, "map")

    with page.expect_navigation():
        svg.locator("a[href$='/organisationer/molndal/'] path").click()
    assert page.url.endswith("/organisationer/molndal/")
    expect(page.locator("h1")).to_contain_text("Mölndal")


def test_map_links_work_with_the_keyboard_and_the_list_alternative(page):
    page.goto("/organisationer/karta/?metric=emissions")
    link = page.locator("svg.map a[href$='/organisationer/kiruna/']")
    expect(link).to_have_attribute("aria-label", __import__("re").compile(r"^Kiruna"))
    link.focus()
    expect(link).to_be_focused()
    legend = page.locator(".legend-box")
    expect(legend.locator("li")).to_have_count(5)
    assert_accessible(page, "map-emissions")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/organisationer/kiruna/")

    page.go_back()
    details = page.locator("section details")
    expect(details).not_to_have_attribute("open", "")
    summary = details.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(details).to_have_attribute("open", "")
    items = details.locator("ul li a")
    expect(items).to_have_count(290)
    molndal = details.get_by_role("link", name="Mölndal", exact=True)
    expect(molndal).to_be_visible()
    with page.expect_navigation():
        molndal.click()
    assert page.url.endswith("/organisationer/molndal/")
