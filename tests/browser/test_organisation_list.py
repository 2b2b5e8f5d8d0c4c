"""The organisation list: search, filters, result count, paging and exports."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.helpers import (
    municipality_count,
    translate,
)

from .helpers import assert_accessible

pytestmark = pytest.mark.browser


def result_count(page) -> int:
    text = page.locator("#result-count").inner_text()
    match = re.search(r"\d+", text.replace("\u202f", "").replace("\xa0", ""))
    assert match, f"no number in the result count {text!r}"
    return int(match.group())


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_search_and_filters_narrow_the_list(page):
    page.goto("/organisationer/")
    assert_accessible(page, "list")
    total = result_count(page)
    assert total > 300  # 290 municipalities, 21 counties and the demo bodies and partners

    page.get_by_label(translate("Search by name")).fill("borg")
    page.locator("#id_county").select_option(label="Västra Götalands län")
    page.locator("#id_kind").select_option("municipality")
    with page.expect_navigation():
        page.locator("form.filter-form button[type=submit]").click()

    query = query_of(page.url)
    assert query["q"] == ["borg"]
    assert query["county"] == ["14"]
    assert query["kind"] == ["municipality"]
    # The form keeps the chosen filters.
    expect(page.locator("#id_q")).to_have_value("borg")
    expect(page.locator("#id_county")).to_have_value("14")
    expect(page.locator("#id_kind")).to_have_value("municipality")

    names = page.locator("table.data-table tbody th[scope=row] a").all_inner_texts()
    assert names == ["Göteborgs kommun", "Karlsborgs kommun", "Vänersborgs kommun"]
    assert result_count(page) == 3
    expect(page.locator("nav.pagination")).to_have_count(0)

    # The exports carry the filters, and the CSV holds the same rows.
    for fmt in ("csv", "xlsx"):
        link = page.locator(f".exports a[href$='format={fmt}']")
        href_query = query_of(link.get_attribute("href"))
        assert href_query == {**query, "format": [fmt]}
    csv_url = page.locator(".exports a[href$='format=csv']").evaluate("a => a.href")
    response = page.request.get(csv_url)
    assert response.ok and response.headers["content-type"].startswith("text/csv")
    # CSV for Swedish Excel: semicolons between the cells.
    rows = list(csv.reader(io.StringIO(response.text().lstrip("\ufeff")), delimiter=";"))
    assert sorted(r[1] for r in rows[1:]) == names
    assert_accessible(page, "list-filtered")


def test_paging_keeps_the_filters(page):
    page.goto("/organisationer/?kind=municipality")
    assert result_count(page) == municipality_count()
    pagination = page.get_by_role("navigation", name=translate("Pages"))
    expect(pagination.locator("[aria-current=page]")).to_contain_text("1")
    expect(pagination.locator("a[rel=prev]")).to_have_count(0)
    first_page = page.locator("table.data-table tbody tr").all_inner_texts()
    assert len(first_page) == 25

    with page.expect_navigation():
        pagination.locator("a[rel=next]").click()
    assert query_of(page.url) == {"kind": ["municipality"], "page": ["2"]}
    expect(page.locator("nav.pagination [aria-current=page]")).to_contain_text("2")
    second_page = page.locator("table.data-table tbody tr").all_inner_texts()
    assert len(second_page) == 25
    assert not set(first_page) & set(second_page)
    # Exports never carry the page number: they hold the whole filtered list.
    assert query_of(page.locator(".exports a[href$='format=csv']").get_attribute("href")) == {
        "kind": ["municipality"],
        "format": ["csv"],
    }
    assert_accessible(page, "list-page-2")

    with page.expect_navigation():
        page.locator("nav.pagination a[rel=prev]").click()
    assert query_of(page.url) == {"kind": ["municipality"], "page": ["1"]}
    assert page.locator("table.data-table tbody tr").all_inner_texts() == first_page
