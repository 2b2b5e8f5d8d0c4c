import pytest
from kraftsamla.organisations import services
from kraftsamla.organisations.models import Membership, Organisation
@pytest.mark.django_db
def test_dup(staff, gr):
    orust = Organisation.objects.get(slug="orust")
    services.membership_create(actor=staff, member=orust, body=gr, role="member")
    services.membership_create(actor=staff, member=orust, body=gr, role="member")
    print("COUNT", Membership.objects.filter(member=orust, body=gr).count())
