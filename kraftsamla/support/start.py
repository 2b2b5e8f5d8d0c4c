"""Support's sections of the personal start page (registered in SupportConfig.ready)."""

from __future__ import annotations

from django.http import HttpRequest

from kraftsamla.support import selectors


def offers_section(request: HttpRequest) -> dict | None:
    """New recommended offers for the person's organisations."""
    recommended = selectors.offers_recommended_for_person(request)
    return {"organisations": recommended} if recommended else None


def enrolments_section(request: HttpRequest) -> dict | None:
    """What the person has enrolled in."""
    enrolments = selectors.enrolments_of_person(request)
    return {"enrolments": enrolments} if enrolments else None


def gaps_section(request: HttpRequest) -> dict | None:
    """For coordinators: the gaps in their bodies' coverage grids."""
    gaps = selectors.bodies_gaps(request)
    return {"bodies": gaps} if gaps else None
