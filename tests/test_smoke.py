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
