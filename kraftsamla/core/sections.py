"""Sections that apps higher in the layers add to another app's object pages.

An app may not import the apps above it, so a project's page cannot ask funding for the
applications it belongs to. Instead, funding registers a section for the page
"projects.project" in its `AppConfig.ready()`; the project page asks for its sections and
includes their templates. A section's `context(request, obj)` reads its data through the
registering app's selectors, scoped by that app's policy, and returns None when it has
nothing to show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

ObjectSectionContext = Callable[[HttpRequest, Any], dict[str, Any] | None]


@dataclass(frozen=True)
class ObjectSection:
    key: str
    template: str
    context: ObjectSectionContext
    order: int


_sections: dict[str, dict[str, ObjectSection]] = {}


def register_object_section(
    *, page: str, key: str, template: str, context: ObjectSectionContext, order: int
) -> None:
    """Add (or replace) the section `key` on the object page `page`, shown by `order`."""
    _sections.setdefault(page, {})[key] = ObjectSection(key, template, context, order)


def object_sections(page: str, request: HttpRequest, obj: Any) -> list[dict[str, Any]]:
    """Return the page's sections with something to show, as {"key", "template", "data"}."""
    shown = []
    for section in sorted(_sections.get(page, {}).values(), key=lambda s: (s.order, s.key)):
        data = section.context(request, obj)
        if data:
            shown.append({"key": section.key, "template": section.template, "data": data})
    return shown
