"""Reflow (WCAG 1.4.10) and print: every main page fits a phone and a desktop screen without
sideways scrolling of the page, wide tables scroll in their own region, and the printable
pages fit A4 with all their columns.
"""

from __future__ import annotations

import re

import pytest

from kraftsamla.capacity.models import Assessment, Status
from kraftsamla.support.models import Offer
from tests.helpers import ADMIN_M, COORDINATOR, translate

from .helpers import DESKTOP, PHONE, login
from .test_support import support_data  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


def _molndal_assessment(**filters) -> Assessment:
    return (
        Assessment.objects.filter(organisation__slug="molndal", **filters).order_by("-year").first()
    )


def _pages_of(user: str | None) -> list[str]:
    """The main pages `user` (None: a visitor) can see, with the demo data."""
    if user is None:
        return [
            "/",
            "/organisationer/",
            "/organisationer/molndal/",
            "/organisationer/karta/",
            "/kapacitet/",
            "/kapacitet/ramverk/",
        ]
    if user == ADMIN_M:
        open_one = _molndal_assessment(status=Status.OPEN)
        published = _molndal_assessment(status=Status.PUBLISHED)
        return [
            f"/kapacitet/bedomning/{open_one.pk}/",
            f"/kapacitet/bedomning/{open_one.pk}/svara/political/",
            f"/kapacitet/bedomning/{published.pk}/resultat/",
            f"/kapacitet/bedomning/{published.pk}/sammanfattning/",
            "/stod/organisation/molndal/",
            "/organisationer/molndal/logg/",
            "/organisationer/molndal/personer/",
            "/konto/",
        ]
    offer = Offer.objects.filter(provider__slug="goteborgsregionen").order_by("pk").first()
    return [
        "/kapacitet/region/goteborgsregionen/",
        "/stod/goteborgsregionen/erbjudanden/",
        f"/stod/erbjudande/{offer.pk}/",
        "/stod/goteborgsregionen/tackning/",
        "/stod/goteborgsregionen/uppfoljning/",
    ]


def page_overflow(page) -> dict:
    """How wide the document is next to the viewport, and which elements stick out."""
    return page.evaluate(
        """() => ({
            viewport: window.innerWidth,
            html: document.documentElement.scrollWidth,
            tooWide: [...document.querySelectorAll('main *')]
                .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1
                    && !el.closest('.table-scroll'))
                .slice(0, 5).map(el => el.outerHTML.slice(0, 120)),
        })"""
    )


def clipped_regions(page) -> list[str]:
    """Scroll regions whose table does not fit: they must be focusable and named."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.table-scroll')]
            .filter(box => box.scrollWidth > box.clientWidth + 1)
            .filter(box => !(box.getAttribute('role') === 'region' && box.tabIndex === 0
                && (box.getAttribute('aria-label') || box.getAttribute('aria-labelledby'))))
            .map(box => box.outerHTML.slice(0, 120))"""
    )


@pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["390px", "1280px"])
@pytest.mark.parametrize("user", [None, ADMIN_M, COORDINATOR], ids=["visitor", "member", "coord"])
def test_no_page_scrolls_sideways(support_data, new_page, screen, user):  # noqa: F811
    page = new_page(**screen)
    if user:
        login(page, user)
    problems = []
    for path in _pages_of(user):
        response = page.goto(path)
        assert response.status == 200, path
        sizes = page_overflow(page)
        if sizes["html"] > sizes["viewport"]:
            problems.append(f"{path}: {sizes}")
        bad_regions = clipped_regions(page)
        if bad_regions:
            problems.append(f"{path}: unnamed scroll regions {bad_regions}")
    assert not problems, "\n".join(problems)


def test_desktop_tables_show_every_column(support_data, new_page):  # noqa: F811
    """At 1280 px the heatmap, the results table and the audit log fit without scrolling."""
    page = new_page(**DESKTOP)
    published = _molndal_assessment(status=Status.PUBLISHED)
    login(page, COORDINATOR)
    paths = ["/kapacitet/region/goteborgsregionen/"]
    problems = []
    for path in paths:
        page.goto(path)
        problems += [f"{path}: {box}" for box in _scrolling_boxes(page)]
    page.context.clear_cookies()
    login(page, ADMIN_M)
    for path in [f"/kapacitet/bedomning/{published.pk}/resultat/", "/organisationer/molndal/logg/"]:
        page.goto(path)
        problems += [f"{path}: {box}" for box in _scrolling_boxes(page)]
    assert not problems, "\n".join(problems)


def _scrolling_boxes(page) -> list[str]:
    return page.evaluate(
        """() => [...document.querySelectorAll('.table-scroll')]
            .filter(box => box.scrollWidth > box.clientWidth + 1)
            .map(box => `${box.id || box.getAttribute('aria-labelledby')}`
                + ` (${box.scrollWidth} > ${box.clientWidth})`)"""
    )


# A4 is 210 mm wide; with the print stylesheet's 12 mm margins 186 mm are printable
# (CSS px: 96 per inch).
A4_PORTRAIT_CONTENT_PX = round((210 - 2 * 12) / 25.4 * 96)
A4_LANDSCAPE_CONTENT_PX = round((297 - 2 * 12) / 25.4 * 96)


def _print_problems(page, path: str) -> list[str]:
    """Lay the page out as printed on A4 and list the tables and charts wider than the
    printable width: A4 portrait, or landscape inside an element that declares it."""
    page.goto(path)
    page.emulate_media(media="print")
    for region in page.locator(".print-landscape").all():
        # print.css: .print-landscape { page: wide } and @page wide { size: A4 landscape }.
        assert region.evaluate("el => getComputedStyle(el).page") == "wide"
    too_wide = []
    for landscape, width in [(False, A4_PORTRAIT_CONTENT_PX), (True, A4_LANDSCAPE_CONTENT_PX)]:
        page.set_viewport_size({"width": width, "height": 1100})
        too_wide += page.evaluate(
            """([landscape, width]) => [...document.querySelectorAll('main table, main svg')]
                .filter(el => !!el.closest('.print-landscape') === landscape)
                .filter(el => el.getBoundingClientRect().right > width + 1
                    || el.scrollWidth > width + 1)
                .map(el => `${el.tagName} ${el.id} ${Math.round(el.getBoundingClientRect().right)}`
                    + ` > ${width}`)""",
            [landscape, width],
        )
    # Headless Chromium prints the same layout to a PDF, on A4 sheets (portrait, or
    # landscape where the page declares it: 595 × 842 points either way round).
    pdf = page.pdf(prefer_css_page_size=True)
    assert pdf[:4] == b"%PDF"
    sheets = {
        tuple(sorted(round(float(side)) for side in box))
        for box in re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    }
    assert sheets == {(595, 842)}, f"{path}: sheets {sheets}"
    page.emulate_media(media="screen")
    page.set_viewport_size(DESKTOP["viewport"])
    return [f"{path}: {item}" for item in too_wide]


def test_printable_pages_fit_a4(support_data, new_page):  # noqa: F811
    page = new_page(**DESKTOP)
    published = _molndal_assessment(status=Status.PUBLISHED)
    login(page, ADMIN_M)
    problems = []
    for path in [
        f"/kapacitet/bedomning/{published.pk}/sammanfattning/",
        f"/kapacitet/bedomning/{published.pk}/resultat/",
        "/organisationer/molndal/",
    ]:
        problems += _print_problems(page, path)
    # The one-page summary keeps its peer-median column on paper.
    page.goto(f"/kapacitet/bedomning/{published.pk}/sammanfattning/")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_PORTRAIT_CONTENT_PX, "height": 1100})
    median = page.locator("#profile-table thead th").last
    assert median.inner_text() == translate("Peer median")
    box = median.bounding_box()
    assert box["width"] > 0 and box["x"] + box["width"] <= A4_PORTRAIT_CONTENT_PX + 1
    page.set_viewport_size(DESKTOP["viewport"])
    page.emulate_media(media="screen")
    page.context.clear_cookies()
    login(page, COORDINATOR)
    for path in ["/kapacitet/region/goteborgsregionen/", "/stod/goteborgsregionen/tackning/"]:
        problems += _print_problems(page, path)
    assert not problems, "\n".join(problems)
