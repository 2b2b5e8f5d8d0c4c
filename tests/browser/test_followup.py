"""Follow-up in the browser: the organisation's indicators, an indicator's chart page, an
emission target, a commitment page, the promise menu, the import preview and a body's
capacity follow-up, scanned with axe-core on a phone and a desktop, without sideways
scrolling of the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.helpers import COORDINATOR, EDITOR_M, STAFF

from .helpers import DESKTOP, PHONE, assert_accessible, login
from .test_reflow import clipped_regions, page_overflow

pytestmark = pytest.mark.browser


def _paths() -> list[tuple[str, str]]:
    from kraftsamla.followup.models import (
        Commitment,
        EmissionTarget,
        IndicatorDefinition,
        PromiseMenu,
    )

    emissions = IndicatorDefinition.objects.get(kolada_kpi="N00401")
    target = EmissionTarget.objects.filter(organisation__slug="linkoping", is_demo=True).first()
    contract = Commitment.objects.get(organisation__slug="linkoping", kind="climate_contract")
    menu = PromiseMenu.objects.filter(is_demo=True).first()
    return [
        ("organisation", "/uppfoljning/linkoping/"),
        ("indicator", f"/uppfoljning/linkoping/indikatorer/{emissions.pk}/"),
        ("emission-target", f"/uppfoljning/linkoping/utslappsmal/{target.pk}/"),
        ("commitments", "/uppfoljning/linkoping/ataganden/"),
        ("commitment", f"/uppfoljning/linkoping/ataganden/{contract.pk}/"),
        ("menu", f"/uppfoljning/loftesmenyer/{menu.pk}/"),
    ]


def _check(page, label: str, path: str, problems: list[str]) -> None:
    response = page.goto(path)
    assert response.status == 200, path
    sizes = page_overflow(page)
    if sizes["html"] > sizes["viewport"]:
        problems.append(f"{path}: {sizes}")
    if clipped_regions(page):
        problems.append(f"{path}: unnamed scroll regions {clipped_regions(page)}")
    assert_accessible(page, label)


@pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["390px", "1280px"])
def test_followup_pages_are_accessible_and_fit_the_screen(new_page, screen):
    page = new_page(**screen)
    width = screen["viewport"]["width"]
    login(page, COORDINATOR)  # the body's people also see the menu's roll-up
    problems: list[str] = []
    for label, path in _paths():
        _check(page, f"followup-{label}-{width}", path, problems)
    assert not problems, "\n".join(problems)


def test_the_import_preview_is_accessible(new_page, tmp_path):
    page = new_page(**DESKTOP)
    login(page, EDITOR_M)
    page.goto("/uppfoljning/importera/")
    assert_accessible(page, "followup-import")
    upload = tmp_path / "varden.csv"
    upload.write_bytes("Titel\n\nKommun;År;Värde\nMölndal;2020;1,5\nAle;2020;2\n".encode("cp1252"))
    page.locator("#id_file").set_input_files(str(upload))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "/uppfoljning/importera/" in page.url and page.url.rstrip("/").count("/") >= 5
    page.locator("#id_indicator").select_option(index=1)
    page.locator("button[value=preview]").click()
    page.wait_for_load_state()
    assert_accessible(page, "followup-import-preview")
    # Ale is not the editor's organisation: its row is listed as bad.
    assert page.locator("#problems-caption").count() == 1


def test_emission_figures_are_previewed_with_their_sectors_on_a_phone(new_page, tmp_path):
    page = new_page(**PHONE)
    login(page, EDITOR_M)
    page.goto("/uppfoljning/importera/")
    upload = tmp_path / "utslapp.csv"
    upload.write_bytes(
        (
            "Nationella emissionsdatabasen\n\n"
            "Län;Kommun;Huvudsektor;2015;2020;2022\n"
            "Västra Götalands län;Mölndal;Alla;250 000;210 000;200 000\n"
            "Västra Götalands län;Mölndal;Transporter;120 000;100 000;95 000\n"
            "Västra Götalands län;Mölndal;Flyg;1;2;3\n"
        ).encode("cp1252")
    )
    page.locator("#id_file").set_input_files(str(upload))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    # The sector column is recognised: the file is read as emission figures at once.
    expect(page.locator("input[name=kind][value=emissions]")).to_be_checked()
    # Only the fields for emission figures show; choosing values brings the indicator back.
    expect(page.locator("#id_indicator")).to_be_hidden()
    expect(page.locator("#id_sector_column")).to_be_visible()
    page.locator("input[name=kind][value=values]").check()
    expect(page.locator("#id_indicator")).to_be_visible()
    expect(page.locator("#id_sector_column")).to_be_hidden()
    page.locator("input[name=kind][value=emissions]").check()
    expect(page.locator("#preview-caption")).to_have_count(1)
    expect(page.locator("main table").filter(has_text="Transporter").first).to_be_visible()
    # "Flyg" is not a sector: its row is named as bad, and nothing is imported.
    expect(page.locator("#problems-caption")).to_have_count(1)
    expect(page.locator("main").get_by_text("Flyg", exact=False).first).to_be_visible()
    sizes = page_overflow(page)
    assert sizes["html"] <= sizes["viewport"], sizes
    assert_accessible(page, "followup-import-emissions")


def test_the_annual_report_is_accessible_and_prints_on_a4(new_page):
    from .test_reflow import _print_problems

    page = new_page(**DESKTOP)
    path = "/uppfoljning/linkoping/arsrapport/2025/"
    response = page.goto(path)
    assert response.status == 200
    assert_accessible(page, "followup-annual-report")
    page.emulate_media(media="print")
    # Each commitment starts a new sheet.
    first = page.locator("section.report-page").first
    assert first.evaluate("el => getComputedStyle(el).breakBefore") == "page"
    page.emulate_media(media="screen")
    problems = _print_problems(page, path)
    assert not problems, "\n".join(problems)


def test_a_rounds_task_list_is_accessible(new_page):
    from kraftsamla.followup.models import FollowupRound

    round_ = FollowupRound.objects.get(organisation__slug="linkoping", is_demo=True)
    report = round_.reports.filter(entries__action__isnull=False).first()
    page = new_page(**PHONE)
    login(page, STAFF)  # staff see the form to report, as the unit's people do
    problems: list[str] = []
    _check(page, "followup-round-390", f"/uppfoljning/omgangar/{round_.pk}/", problems)
    _check(page, "followup-report-390", f"/uppfoljning/rapporter/{report.pk}/", problems)
    assert page.locator("fieldset.report-entry").count() >= 1
    # Sent empty of a status: the error is tied to its field and the page stays accessible.
    page.locator("fieldset.report-entry select").first.select_option(index=0)
    page.locator("fieldset.report-entry input[type=number]").first.fill("140")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator("[aria-describedby$='-errors']").count() >= 1
    assert_accessible(page, "followup-report-errors-390")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["390px", "1280px"])
def test_the_bodys_capacity_follow_up_is_accessible_and_fits_the_screen(new_page, screen):
    page = new_page(**screen)
    login(page, COORDINATOR)
    width = screen["viewport"]["width"]
    path = "/uppfoljning/goteborgsregionen/kapacitet/"
    problems: list[str] = []
    _check(page, f"followup-capacity-{width}", path, problems)
    assert not problems, "\n".join(problems)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    table = page.locator("main table")
    # The demo members' assessments shared with Göteborgsregionen, per capital.
    expect(table.locator("th[scope=rowgroup]", has_text="Mölndal")).to_have_count(1)
    expect(table.locator("th[scope=row]", has_text="Politiskt kapital").first).to_be_visible()
    expect(page.get_by_role("link", name="CSV för Excel")).to_have_attribute("href", "?format=csv")
    expect(page.get_by_role("link", name="Excel (XLSX)")).to_have_attribute("href", "?format=xlsx")
    # The links download with the page's login.
    assert page.request.get(f"{path}?format=xlsx").body()[:2] == b"PK"
