"""Factories for people and their roles."""

from __future__ import annotations

import factory

from kraftsamla.accounts import services
from kraftsamla.accounts.models import User
from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import Role

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    """A person who can log in with PASSWORD.

    `UserFactory(organisation=org, role=Role.EDITOR)` also gives them a role,
    through the same service an administrator uses.
    """

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@test.example")
    full_name = factory.Sequence(lambda n: f"Test Person {n}")
    password = PASSWORD

    @classmethod
    def _create(cls, model_class, *args, organisation=None, role=Role.VIEWER, **kwargs):
        user = model_class.objects.create_user(*args, **kwargs)
        if organisation is not None:
            services.organisation_role_set(
                actor=SYSTEM, organisation=organisation, user=user, role=role
            )
        return user


class StaffFactory(UserFactory):
    is_staff = True
