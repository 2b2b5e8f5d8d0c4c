"""Logging in with the keyboard only, and a wrong password."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from kraftsamla.organisations.demo import DEMO_PASSWORD
from tests.helpers import (
    ADMIN_M,
    translate,
)

from .helpers import assert_accessible

pytestmark = pytest.mark.browser


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_login_with_the_keyboard_only(page):
    page.goto("/")
    # Reach the header's log-in link with Tab alone, then follow it with Enter.
    login_link = page.locator("header a[href^='/konto/logga-in/']")
    for _ in range(15):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches(\"header a[href^='/konto/logga-in/']\")"):
            break
    else:
        pytest.fail("the log-in link cannot be reached with Tab")
    expect(login_link).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == "/konto/logga-in/"
    assert_accessible(page, "login")
    # The e-mail field has focus on arrival; Tab moves to the password; Enter submits.
    assert focused_id(page) == "id_email"
    page.keyboard.type(ADMIN_M)
    page.keyboard.press("Tab")
    assert focused_id(page) == "id_password"
    page.keyboard.type(DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == "/"
    header = page.locator("header")
    expect(header.get_by_role("link", name="Anna")).to_have_attribute("href", "/konto/")
    expect(header.get_by_role("button", name=translate("Log out"))).to_be_visible()
    expect(header.get_by_role("link", name=translate("Log in"))).to_have_count(0)
    assert_accessible(page, "home-logged-in")


def test_wrong_password_and_missing_password_show_errors(page):
    page.goto("/konto/logga-in/")
    page.keyboard.type(ADMIN_M)
    page.keyboard.press("Tab")
    page.keyboard.type("not-the-password")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    summary = page.locator("#error-summary")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_contain_text(translate("The e-mail address or the password is wrong."))
    # site.js moves focus to the summary so that it is read first.
    expect(summary).to_be_focused()
    # The e-mail address is kept; the password is not.
    expect(page.locator("#id_email")).to_have_value(ADMIN_M)
    expect(page.locator("#id_password")).to_have_value("")
    assert_accessible(page, "login-wrong-password")

    # Without a password, the error sits at the field and is tied to it.
    page.locator("#id_password").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    password = page.locator("#id_password")
    expect(password).to_have_attribute("aria-invalid", "true")
    described_by = password.get_attribute("aria-describedby") or ""
    assert "id_password-errors" in described_by.split()
    expect(page.locator("#id_password-errors")).to_have_text(translate("This field is required."))
    expect(page.locator("#id_email")).not_to_have_attribute("aria-invalid", "true")
    summary_link = page.locator("#error-summary a[href='#id_password']")
    expect(summary_link).to_be_visible()
    summary_link.click()
    expect(password).to_be_focused()
    assert_accessible(page, "login-missing-password")
