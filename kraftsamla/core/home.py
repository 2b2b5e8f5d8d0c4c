"""What the home page shows, contributed by the apps (core knows no domain).

An app registers a function in its `AppConfig.ready()` that returns context for
the home page template, e.g. organisations adds the platform's counts as `stats`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

HomeContext = Callable[[HttpRequest], dict[str, Any]]

_providers: list[HomeContext] = []


def register_home_context(provider: HomeContext) -> HomeContext:
    """Add a provider of home-page context (usable as a decorator)."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def home_context(request: HttpRequest) -> dict[str, Any]:
    """Return the context every registered app gives the home page."""
    context: dict[str, Any] = {}
    for provider in _providers:
        context.update(provider(request))
    return context
