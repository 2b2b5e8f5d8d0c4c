import pytest
from kraftsamla.organisations.models import Membership, Organisation
from kraftsamla.capacity.models import Assessment, AssessmentResult, Framework
from kraftsamla.accounts.models import User, OrganisationRole

pytestmark = pytest.mark.django_db

def test_explore(molndal, ale, gr):
    for o in (molndal, ale):
        print(o, o.population, o.population_class, list(Membership.objects.filter(member=o).values_list("body__slug", "body__kind", "role", "end_date")))
    print(list(Membership.objects.filter(body=gr).values_list("member__name", "role")))
    print(list(Assessment.objects.filter(organisation=molndal).values_list("year", "status", "sharing_level", "framework__version")))
    print(list(Framework.objects.values_list("version", "is_current", "building_steps")))
    for e in ["admin.molndal@demo.kraftsamla.se","redaktor.molndal@demo.kraftsamla.se","lasare.molndal@demo.kraftsamla.se","samordnare@demo.kraftsamla.se","strateg.ale@demo.kraftsamla.se","personal@demo.kraftsamla.se", "partner@demo.kraftsamla.se"]:
        u = User.objects.get(email=e)
        print(e, u.is_staff, u.language, list(OrganisationRole.objects.filter(user=u).values_list("organisation__slug","role")))
    print(list(OrganisationRole.objects.filter(organisation=molndal).values_list("user__email","role")))
    from django.utils import translation
    print(translation.get_language())
