import pytest

from kraftsamla.organisations.models import Emission, Organisation, OrganisationKind


@pytest.mark.django_db
def test_reference_data_is_loaded_for_the_suite():
    assert Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY).count() == 290
    assert Organisation.objects.filter(kind=OrganisationKind.COUNTY).count() == 21
    assert Emission.objects.count() == 26100


@pytest.mark.django_db
def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
