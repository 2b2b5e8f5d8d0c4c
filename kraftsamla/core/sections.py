"""Sections that apps higher in the layers add to another app's object pages.

An app may not import the apps above it, so a project's page cannot ask funding for the
applications it belongs to. Instead, funding registers a section for the page
"projects.project" in its `AppConfig.ready()`; the project page asks for its sections and
includes their templates. A section's `context(request, obj)` reads its data through the
registering app's selectors, scoped by that app's policy, and returns None when it has
nothing to show. A page that answers conditional GETs puts `sections_version(page)` into
its ETag, so that a change of the data its sections depend on (`depends_on`, data scopes
as in `core/versions.py`) changes the ETag too.

Pages: "core.start" (the personal start page, `core/start.py`), "projects.project" (funding:
a project's joint applications) and
"organisations.organisation" (follow-up: published commitments on the public page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from kraftsamla.core.versions import fingerprint

ObjectSectionContext = Callable[[HttpRequest, Any], dict[str, Any] | None]


@dataclass(frozen=True)
class ObjectSection:
    key: str
    template: str
    context: ObjectSectionContext
    order: int
    depends_on: tuple[str, ...] = ()


_sections: dict[str, dict[str, ObjectSection]] = {}


def register_object_section(
    *,
    page: str,
    key: str,
    template: str,
    context: ObjectSectionContext,
    order: int,
    depends_on: tuple[str, ...] = (),
) -> None:
    """Add (or replace) the section `key` on the object page `page`, shown by `order`."""
    section = ObjectSection(key, template, context, order, tuple(depends_on))
    _sections.setdefault(page, {})[key] = section


def object_sections(page: str, request: HttpRequest, obj: Any) -> list[dict[str, Any]]:
    """Return the page's sections with something to show, as {"key", "template", "data"}."""
    shown = []
    for section in sorted(_sections.get(page, {}).values(), key=lambda s: (s.order, s.key)):
        data = section.context(request, obj)
        if data:
            shown.append({"key": section.key, "template": section.template, "data": data})
    return shown


def sections_version(page: str) -> str:
    """Return a fingerprint of the data the page's sections depend on (for its ETag)."""
    scopes = sorted({scope for s in _sections.get(page, {}).values() for scope in s.depends_on})
    return fingerprint(scopes) if scopes else ""
