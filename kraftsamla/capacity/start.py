"""Capacity's sections of the personal start page (registered in CapacityConfig.ready)."""

from __future__ import annotations

from django.http import HttpRequest

from kraftsamla.capacity import selectors


def answers_section(request: HttpRequest) -> dict | None:
    """The open assessments waiting for the person's answers, with a link to the next one."""
    progress = selectors.assessments_to_answer(request)
    return {"assessments": progress} if progress else None


def follow_up_section(request: HttpRequest) -> dict | None:
    """For coordinators: the members that have not published the current round's assessment."""
    bodies = selectors.bodies_follow_up(request)
    return {"bodies": bodies} if bodies else None
