"""Swedish by default; the language button switches to English and back."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .helpers import assert_accessible

pytestmark = pytest.mark.browser


def test_swedish_by_default_and_switch_to_english_and_back(page):
    # The browser asks for English first; Kraftsamla still starts in Swedish.
    page.set_extra_http_headers({"Accept-Language": "en-GB,en;q=0.9"})
    page.goto("/organisationer/molndal/")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "sv")
    english = page.locator("header form.lang-form button[value=en]")
    expect(english).to_have_text("English")
    expect(english).to_have_attribute("lang", "en")
    assert_accessible(page, "lang-sv")

    with page.expect_navigation():
        english.click()
    # The switch stays on the same page.
    assert page.url.endswith("/organisationer/molndal/")
    expect(html).to_have_attribute("lang", "en")
    expect(page.locator("#emissions-heading")).to_have_text("Greenhouse-gas emissions by sector")
    expect(page.get_by_role("link", name="Skip to main content")).to_have_count(1)
    swedish = page.locator("header form.lang-form button[value=sv]")
    expect(swedish).to_have_text("Svenska")
    expect(swedish).to_have_attribute("lang", "sv")
    assert_accessible(page, "lang-en")

    # The choice is remembered on the next page.
    page.goto("/organisationer/")
    expect(html).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Organisations")

    with page.expect_navigation():
        page.locator("header form.lang-form button[value=sv]").click()
    assert page.url.endswith("/organisationer/")
    expect(html).to_have_attribute("lang", "sv")
    expect(page.locator("header form.lang-form button[value=en]")).to_be_visible()
