"""Panels that apps above organisations add to an organisation's public page.

Core knows no domain and organisations must not import the apps above it, so an app
registers a panel in its `AppConfig.ready()` with `register_organisation_panel`: a template,
a function that reads the panel's data for (request, organisation) from the app's
selectors, scoped by its policies (None when there is nothing to show), and the data
scopes it depends on, so that the page's ETag changes when the panel's data does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from kraftsamla.core.versions import fingerprint

PanelContext = Callable[[HttpRequest, Any], dict[str, Any] | None]


@dataclass(frozen=True)
class OrganisationPanel:
    key: str
    template: str
    context: PanelContext
    depends_on: tuple[str, ...]
    order: int


_panels: dict[str, OrganisationPanel] = {}


def register_organisation_panel(
    *, key: str, template: str, context: PanelContext, depends_on: tuple[str, ...], order: int
) -> None:
    """Add (or replace) the panel `key`, shown by `order` (smallest first)."""
    _panels[key] = OrganisationPanel(key, template, context, tuple(depends_on), order)


def organisation_panels(request: HttpRequest, organisation) -> list[dict[str, Any]]:
    """Return the panels with something to show, as {"key", "template", "data"}."""
    shown = []
    for panel in sorted(_panels.values(), key=lambda p: (p.order, p.key)):
        data = panel.context(request, organisation)
        if data:
            shown.append({"key": panel.key, "template": panel.template, "data": data})
    return shown


def panels_version() -> str:
    """Return a fingerprint of the data every panel depends on (for the page's ETag)."""
    scopes = sorted({scope for panel in _panels.values() for scope in panel.depends_on})
    return fingerprint(scopes) if scopes else ""
