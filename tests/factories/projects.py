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


PHASES = ["prepare", "start", "run", "close", "follow_up"]


def template_data(version: str = "test-1", steps: int = 5, **changes) -> dict:
    """A valid project template file's structure: two roles and `steps` steps spread over
    the phases in order; `changes` replace top-level keys."""
    data = {
        "version": version,
        "published": True,
        "title": {"sv": f"Testmall {version}", "en": f"Test template {version}"},
        "introduction": {"sv": "Inledning.", "en": "Introduction."},
        "source": "Testkälla",
        "roles": [
            {
                "key": "owner",
                "name": {"sv": "Ägare", "en": "Owner"},
                "description": {"sv": "Äger.", "en": "Owns."},
            },
            {
                "key": "lead",
                "name": {"sv": "Ledare", "en": "Lead"},
                "description": {"sv": "Leder.", "en": "Leads."},
            },
        ],
        "steps": [
            {
                "key": f"step-{number}",
                "phase": PHASES[number * len(PHASES) // steps],
                "role": "owner" if number % 2 else "lead",
                "involves": ["owner"],
                "title": {"sv": f"Steg {number}", "en": f"Step {number}"},
                "guidance": {"sv": f"Gör steg {number}.", "en": f"Do step {number}."},
            }
            for number in range(steps)
        ],
    }
    data.update(changes)
    return data


def template_import(version: str = "test-1", steps: int = 5, **changes):
    """A template version imported by `project_template_import` as the system."""
    template, _created = services.project_template_import(
        actor=SYSTEM, data=template_data(version, steps, **changes)
    )
    return template
