"""The personal start page of a logged-in person, built from sections the apps contribute.

Core knows no domain: each app registers its sections in its `AppConfig.ready()` with
`register_start_section`. A section is a template and a function that reads the section's
data for the request from the app's selectors, scoped by the policy, or returns None when
the section has nothing to show. The page lists the sections by `order`, so what a person
is asked to do (answering) comes first and is reached with few key presses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

SectionContext = Callable[[HttpRequest], dict[str, Any] | None]


@dataclass(frozen=True)
class StartSection:
    key: str
    template: str
    context: SectionContext
    order: int


_sections: dict[str, StartSection] = {}


def register_start_section(*, key: str, template: str, context: SectionContext, order: int) -> None:
    """Add (or replace) the start-page section `key`, shown by `order` (smallest first)."""
    _sections[key] = StartSection(key=key, template=template, context=context, order=order)


def start_sections(request: HttpRequest) -> list[dict[str, Any]]:
    """Return the sections with something to show, as {"key", "template", "data"}."""
    shown = []
    for section in sorted(_sections.values(), key=lambda s: (s.order, s.key)):
        data = section.context(request)
        if data:
            shown.append({"key": section.key, "template": section.template, "data": data})
    return shown
