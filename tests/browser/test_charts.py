"""Chart text stays readable (at least 12 px as drawn) on a phone and on a desktop."""

from __future__ import annotations

import pytest

from kraftsamla.accounts.models import User
from tests.factories.capacity import FrameworkFactory, answer_all
from tests.helpers import ADMIN_M, EDITOR_M

from .helpers import DESKTOP, PHONE, login, open_molndal_assessment

pytestmark = pytest.mark.browser

SIZES = {"phone": PHONE, "desktop": DESKTOP}

# For every chart shown: its drawn width and each text's font size as drawn on screen
# (the computed size in the SVG's own units times the SVG's scale on the page).
DRAWN_TEXT = """() => [...document.querySelectorAll('svg.chart')]
    .filter(svg => svg.checkVisibility())
    .map(svg => ({
        id: svg.getAttribute('aria-labelledby'),
        width: svg.getBoundingClientRect().width,
        texts: [...svg.querySelectorAll('text')].map(t => ({
            text: t.textContent,
            px: parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a,
        })),
    }))"""


def assert_chart_text_at_least_12px(page) -> None:
    shown = page.evaluate(DRAWN_TEXT)
    assert len(shown) == 1, [chart["id"] for chart in shown]
    chart = shown[0]
    assert chart["texts"]
    small = [t for t in chart["texts"] if t["px"] < 12]
    assert not small, (chart["id"], chart["width"], small[:5])
    viewport = page.viewport_size["width"]
    assert chart["width"] <= viewport


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("query", ["", "?per=capita"])
def test_the_emissions_chart_text_is_at_least_12px(new_page, size, query):
    page = new_page(**SIZES[size])
    page.goto(f"/organisationer/molndal/{query}")
    assert_chart_text_at_least_12px(page)


@pytest.mark.parametrize("size", SIZES)
def test_the_profile_chart_text_is_at_least_12px(new_page, size):
    FrameworkFactory()
    editor = User.objects.get(email=EDITOR_M)
    assessment = open_molndal_assessment()
    answer_all(assessment, editor, {"political": 3, "human": 1, "financial": None})
    page = new_page(**SIZES[size])
    login(page, ADMIN_M)
    for path in ("resultat", "sammanfattning"):
        page.goto(f"/kapacitet/bedomning/{assessment.pk}/{path}/")
        assert_chart_text_at_least_12px(page)
