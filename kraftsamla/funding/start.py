"""Funding's sections of the start page and of project pages (registered in FundingConfig.ready)."""

from __future__ import annotations

from django.http import HttpRequest

from kraftsamla.funding import selectors


def notices_section(request: HttpRequest) -> dict | None:
    """Calls that the person's regional bodies sent to their members, while still open."""
    notices = selectors.notices_for_person(request)
    return {"notices": notices} if notices else None


def invitations_section(request: HttpRequest) -> dict | None:
    """Invitations to join a joint application, for the organisations the person edits for."""
    invitations = selectors.invitations_for_person(request)
    return {"invitations": invitations} if invitations else None


def project_applications_section(request: HttpRequest, project) -> dict | None:
    """The joint applications the project is linked to, those the person may see."""
    applications = list(
        selectors.applications_visible(request).filter(projects=project).order_by("-created_at")
    )
    return {"applications": applications} if applications else None
