"""Phone-sized screens: no sideways scrolling of the page body."""

from __future__ import annotations

import pytest

from .helpers import PHONE, assert_accessible

pytestmark = pytest.mark.browser


def horizontal_overflow(page) -> dict:
    return page.evaluate(
        """() => ({
            viewport: document.documentElement.clientWidth,
            html: document.documentElement.scrollWidth,
            body: document.body.scrollWidth,
            tooWide: [...document.querySelectorAll('body *')]
                .filter(el => !el.closest('.table-scroll')
                    && el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                .slice(0, 5).map(el => el.outerHTML.slice(0, 120)),
        })"""
    )


@pytest.mark.parametrize(
    "path", ["/organisationer/", "/organisationer/molndal/", "/organisationer/karta/"]
)
def test_phone_viewport_has_no_horizontal_scrolling(new_page, path):
    page = new_page(**PHONE)
    page.goto(path)
    sizes = horizontal_overflow(page)
    assert sizes["html"] <= sizes["viewport"], sizes
    assert sizes["body"] <= sizes["viewport"], sizes
    assert_accessible(page, f"phone-{path}")
