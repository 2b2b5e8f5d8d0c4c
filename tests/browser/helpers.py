"""Helpers for the browser tests: the axe check and logging in."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from kraftsamla.organisations.demo import DEMO_PASSWORD

# Set KRAFTSAMLA_SCREENSHOT_DIR=/tmp/shots to keep a full-page screenshot of every scanned page.
SCREENSHOT_DIR = os.environ.get("KRAFTSAMLA_SCREENSHOT_DIR")
BLOCKING_IMPACTS = {"serious", "critical"}


def assert_accessible(page, label: str = "") -> None:
    """Run axe-core on the page; fail on any violation of impact serious or critical."""
    from axe_playwright_python.sync_playwright import Axe

    if SCREENSHOT_DIR:
        Path(SCREENSHOT_DIR).mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^a-z0-9]+", "-", f"{label or page.url}".lower()).strip("-")[-80:]
        page.screenshot(path=str(Path(SCREENSHOT_DIR) / f"{name}.png"), full_page=True)
    results = Axe().run(page)
    violations = results.response["violations"]
    for v in violations:
        # Shown with the output of a failing test (or with pytest -s).
        targets = [node["target"] for node in v["nodes"][:5]]
        print(f"axe {label or page.url}: {v['id']} ({v['impact']}) {v['help']} {targets}")
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    if blocking:
        lines = [f"axe found {len(blocking)} serious/critical violation(s) on {page.url}:"]
        for v in blocking:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
            for node in v["nodes"][:10]:
                lines.append(f"    target {node['target']}: {node.get('failureSummary', '')}")
        pytest.fail("\n".join(lines), pytrace=False)


def login(page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the login form: a shortcut for tests about other pages."""
    page.goto("/konto/logga-in/")
    page.locator("#id_email").fill(email)
    page.locator("#id_password").fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("header form[action$='/konto/logga-ut/']").count() == 1, "not logged in"


# The two screens every reflow and chart test uses: a phone at 390 px and a desktop.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def open_molndal_assessment():
    """Mölndal's new assessment, opened by its demo administrator with the demo editor as
    respondent (call after a framework exists)."""
    from django.contrib.auth import get_user_model

    from kraftsamla.organisations.models import Organisation
    from tests.factories.capacity import AssessmentFactory, add_and_open
    from tests.helpers import ADMIN_M, EDITOR_M

    users = get_user_model().objects
    admin, editor = users.get(email=ADMIN_M), users.get(email=EDITOR_M)
    assessment = AssessmentFactory(
        organisation=Organisation.objects.get(slug="molndal"), actor=admin
    )
    return add_and_open(assessment, admin, [editor])
