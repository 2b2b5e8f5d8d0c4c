"""The skip link comes first and moves focus to the main content."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .helpers import assert_accessible

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", ["/", "/organisationer/"])
def test_skip_link_is_first_and_moves_focus_to_main(page, path):
    page.goto(path)
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_have_attribute("href", "#main")
    # Visible while focused, inside the viewport.
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0 and box["width"] > 20
    assert_accessible(page, f"skip-link-{path}")
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    assert page.url.endswith("#main")
    # The next Tab continues inside main, not in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")
