"""Create the demo people listed in organisations/demo.py, with their roles."""

from __future__ import annotations

from django.db import transaction

from kraftsamla.accounts.models import OrganisationRole, User
from kraftsamla.organisations.demo import DEMO_PASSWORD, DEMO_USERS
from kraftsamla.organisations.models import Organisation


@transaction.atomic
def load_demo() -> str:
    """Create or refresh the demo accounts and roles; return the demo logins to print."""
    for demo_user in DEMO_USERS:
        user = User.objects.filter(email=demo_user.email).first()
        if user is None:
            user = User.objects.create_user(
                email=demo_user.email,
                password=DEMO_PASSWORD,
                full_name=demo_user.name,
                is_demo=True,
            )
        user.is_staff = demo_user.staff
        user.save(update_fields=["is_staff"])
        if demo_user.org_slug:
            OrganisationRole.objects.update_or_create(
                user=user,
                organisation=Organisation.objects.get(slug=demo_user.org_slug),
                defaults={"role": demo_user.role},
            )
    logins = "\n".join(f"  {u.email:<40} {u.description}" for u in DEMO_USERS)
    return f"Demo logins (password for all: {DEMO_PASSWORD}):\n{logins}"
