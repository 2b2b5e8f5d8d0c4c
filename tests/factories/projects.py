"""Factories for ideas and projects, made through the project services."""

from __future__ import annotations

import factory

from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import SharingLevel
from kraftsamla.projects import services
from kraftsamla.projects.models import Project


class ProjectFactory(factory.Factory):
    """An idea written by `project_create` (status idea); `funding_sources=[...]` optional."""

    class Meta:
        model = Project

    owner = factory.SubFactory("tests.factories.organisations.OrganisationFactory")
    title = factory.Sequence(lambda n: f"Idé {n}")
    summary = "En testidé."
    sharing_level = SharingLevel.REGION

    @classmethod
    def _create(cls, model_class, *, owner, actor=SYSTEM, funding_sources=None, **data):
        unknown = set(data) - set(services.PROJECT_FIELDS)
        if unknown:
            raise TypeError(f"project_create does not take {sorted(unknown)}")
        return services.project_create(
            actor=actor, owner=owner, data=data, funding_sources=funding_sources
        )
