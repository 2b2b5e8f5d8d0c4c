"""An editor in Mölndal edits the climate profile; invalid values are explained."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.helpers import (
    EDITOR_M,
    translate,
)

from .helpers import assert_accessible, login

pytestmark = pytest.mark.browser


def test_editor_edits_climate_profile_with_error_summary(page):
    login(page, EDITOR_M)
    page.goto("/organisationer/molndal/")
    edit = page.locator("#climate-profile a.button")
    expect(edit).to_have_text(translate("Edit climate profile"))
    with page.expect_navigation():
        edit.click()
    assert page.url.endswith("/organisationer/molndal/klimatprofil/")
    year = page.locator("#id_target_year")
    expect(year).to_have_value("2030")
    assert_accessible(page, "profile-form")

    year.fill("1999")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()
    message = translate("Give a year between 2020 and 2100.")
    summary_link = summary.locator("a[href='#id_target_year']")
    expect(summary_link).to_contain_text(message)

    expect(year).to_have_attribute("aria-invalid", "true")
    described_by = (year.get_attribute("aria-describedby") or "").split()
    assert "id_target_year-errors" in described_by
    expect(page.locator("#id_target_year-errors")).to_have_text(message)
    # The other fields keep what was typed and are not marked invalid.
    expect(page.locator("#id_staff_fte")).not_to_have_attribute("aria-invalid", "true")
    expect(year).to_have_value("1999")
    assert_accessible(page, "profile-form-error")

    summary_link.click()
    expect(year).to_be_focused()

    # A missing sharing choice (radio buttons): the summary links to the first option and the
    # group's fieldset is described by its error.
    page.locator("input[name=sharing_level]").evaluate_all(
        "radios => radios.forEach(r => { r.checked = false; })"
    )
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    sharing_link = page.locator("#error-summary a[href='#id_sharing_level_0']")
    expect(sharing_link).to_have_count(1)
    fieldset = page.locator("fieldset[aria-describedby='id_sharing_level-errors']")
    expect(fieldset.locator("#id_sharing_level-errors")).to_be_visible()
    sharing_link.click()
    expect(page.locator("#id_sharing_level_0")).to_be_focused()
    page.locator("#id_sharing_level_1").check()
    year.fill("2035")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.url.endswith("/organisationer/molndal/#climate-profile")
    expect(page.locator(".messages")).to_contain_text(translate("The climate profile was saved."))
    expect(page.locator("#climate-profile")).to_contain_text("2035")
    assert_accessible(page, "profile-saved")
