"""The personal start page of a logged-in person, built from sections the apps contribute.

Core knows no domain: each app registers its sections in its `AppConfig.ready()` with
`register_start_section`. A section is a template and a function that reads the section's
data for the request from the app's selectors, scoped by the policy, or returns None when
the section has nothing to show. The page lists the sections by `order`, so what a person
is asked to do (answering) comes first and is reached with few key presses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from kraftsamla.core.sections import object_sections, register_object_section

SectionContext = Callable[[HttpRequest], dict[str, Any] | None]

# The start page is an object page without an object (see core/sections.py).
START_PAGE = "core.start"


def register_start_section(*, key: str, template: str, context: SectionContext, order: int) -> None:
    """Add (or replace) the start-page section `key`, shown by `order` (smallest first)."""
    register_object_section(
        page=START_PAGE,
        key=key,
        template=template,
        context=lambda request, _obj: context(request),
        order=order,
    )


def start_sections(request: HttpRequest) -> list[dict[str, Any]]:
    """Return the sections with something to show, as {"key", "template", "data"}."""
    return object_sections(START_PAGE, request, None)
