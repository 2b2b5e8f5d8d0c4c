import pytest

from kraftsamla.organisations.models import Organisation, OrganisationKind


@pytest.mark.django_db
def test_reference_data_is_loaded_for_the_suite():
    """The session loaded the shipped release (its figures: tests/test_reference_data.py)."""
    municipalities = Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY)
    assert municipalities.exists()
    assert Organisation.objects.filter(kind=OrganisationKind.COUNTY).exists()
    assert not municipalities.filter(emissions__isnull=True).exists()


@pytest.mark.django_db
def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_page_titles_hold_no_markup():
    """A title block with markup shows tags in the browser's tab and to screen readers."""
    import re
    from pathlib import Path

    templates = Path(__file__).resolve().parent.parent / "kraftsamla" / "templates"
    title = re.compile(r"{% block title %}(.*?){% endblock %}", re.S)
    with_markup = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        for block in title.findall(path.read_text(encoding="utf-8"))
        if "<" in block
    ]
    assert with_markup == []
