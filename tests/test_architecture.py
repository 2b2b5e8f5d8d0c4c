"""The shape of the code: imports point one way, one membership rule, every URL asks a policy."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver

from kraftsamla.core import access
from kraftsamla.core.access import PUBLIC, checks
from tests.factories.accounts import UserFactory

PACKAGE = Path(__file__).resolve().parent.parent / "kraftsamla"

# Each app may import only the apps before it; config assembles everything.
LAYERS = [
    "core",
    "organisations",
    "accounts",
    "capacity",
    "support",
    "projects",
    "funding",
    "twinning",
    "followup",
    "api",
]
UNRESTRICTED = {"config"}


def _app_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "kraftsamla" else None


def _imports(tree: ast.AST, module: str) -> list[tuple[int, str]]:
    """Return (line, imported module) for every import, absolute or relative."""
    found = []
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                name = f"{base}.{node.module}" if node.module else base
            else:
                name = node.module or ""
            if name == "kraftsamla" or (node.level and not node.module):
                # `from kraftsamla import capacity` and `from . import views` name modules.
                found += [(node.lineno, f"{name}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, name))
    return found


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        yield path, ".".join(relative.parts).removesuffix(".__init__")


def upward_imports() -> list[str]:
    problems = []
    for path, module in _modules():
        app = _app_of(module)
        if app not in LAYERS:
            continue
        allowed = set(LAYERS[: LAYERS.index(app) + 1])
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, imported in _imports(tree, module):
            target = _app_of(imported)
            if target is None or target in UNRESTRICTED and app in UNRESTRICTED:
                continue
            if target not in allowed:
                problems.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {imported}")
    return problems


def test_apps_import_only_the_apps_below_them():
    assert upward_imports() == []


def test_the_import_check_sees_a_violation():
    """The checker itself finds an upward import (so the test above can fail)."""
    tree = ast.parse("from kraftsamla.capacity.models import Assessment\nfrom . import views\n")
    found = _imports(tree, "kraftsamla.organisations.selectors")
    assert (1, "kraftsamla.capacity.models") in found
    assert (2, "kraftsamla.organisations.views") in found


# --- One membership rule -------------------------------------------------------------------

RAW_MEMBERSHIP_DATES = re.compile(r"\b(memberships|member_links)__\w*?(start_date|end_date)\b")


def test_no_raw_membership_date_lookups_outside_organisations():
    """Use Membership.objects.current()/coordinating()/in_force() instead."""
    problems = []
    for path, module in _modules():
        if _app_of(module) == "organisations":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if RAW_MEMBERSHIP_DATES.search(line):
                problems.append(f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}")
    assert problems == []


# --- Every URL declares the rules it asks ----------------------------------------------------

SKIPPED_PREFIXES = ("admin/", "static/", "media/")


def _patterns(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith(SKIPPED_PREFIXES):
                continue
            yield from _patterns(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def _declared(callback) -> bool:
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is not None and getattr(view_class, "access_rules", None):
        return True
    return bool(getattr(callback, "access_rules", None))


def undeclared_views() -> list[str]:
    return [
        f"{route} -> {callback.__module__}.{getattr(callback, '__qualname__', callback)}"
        for route, callback in _patterns(get_resolver())
        if not route.startswith(SKIPPED_PREFIXES) and not _declared(callback)
    ]


def test_every_view_declares_its_access_rules():
    assert undeclared_views() == []


def _declared_rules(callback) -> tuple[str, ...]:
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    return tuple(getattr(view_class, "access_rules", ()) or getattr(callback, "access_rules", ()))


def test_every_declared_rule_is_a_registered_policy_rule():
    known = access.registered_rules() | {access.PUBLIC}
    unknown = [
        f"{route}: {rule}"
        for route, callback in _patterns(get_resolver())
        if not route.startswith(SKIPPED_PREFIXES)
        for rule in _declared_rules(callback)
        if rule not in known
    ]
    assert unknown == []


def _throwaway_view(rules, *, asks: bool):
    @checks(*rules)
    def view(request):
        if asks:
            access.allows(request, "support.offer.manage", None)
        return HttpResponse("ok")

    return view


def _request_of(user):
    request = RequestFactory().get("/throwaway/")
    request.user = user
    request.access = access.Access(user)
    return request


@pytest.mark.django_db
def test_strict_mode_fails_a_view_that_never_asks_its_declared_rule(settings):
    settings.KRAFTSAMLA_STRICT_ACCESS = True
    view = _throwaway_view(("support.offer.manage",), asks=False)
    with pytest.raises(AssertionError, match="declared .*support.offer.manage.* but asked none"):
        view(_request_of(UserFactory()))


@pytest.mark.django_db
def test_strict_mode_passes_a_view_that_asks_or_is_public(settings):
    settings.KRAFTSAMLA_STRICT_ACCESS = True
    request = _request_of(UserFactory())
    assert _throwaway_view(("support.offer.manage",), asks=True)(request).status_code == 200
    assert _throwaway_view((PUBLIC,), asks=False)(_request_of(AnonymousUser())).status_code == 200


def _throwaway_api_view(*, asks: bool):
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class ThrowawayApi(APIView):
        access_rules = ("support.offer.manage",)
        permission_classes = []

        def get(self, request):
            if asks:
                access.allows(request, "support.offer.manage", None)
            return Response({"ok": True})

    return ThrowawayApi.as_view()


def _through_access_middleware(view, user):
    """Call `view` as the middleware stack would: process_view, then the response."""
    middleware = access.AccessMiddleware(lambda request: view(request))
    request = RequestFactory().get("/api/v1/throwaway/")
    request.user = user
    request._dont_enforce_csrf_checks = True

    def get_response(request):
        middleware.process_view(request, view, (), {})
        return view(request)

    middleware.get_response = get_response
    return middleware(request)


@pytest.mark.django_db
def test_strict_mode_fails_an_api_view_that_never_asks_its_declared_rule(settings):
    settings.KRAFTSAMLA_STRICT_ACCESS = True
    with pytest.raises(AssertionError, match="ThrowawayApi declared .*but asked none"):
        _through_access_middleware(_throwaway_api_view(asks=False), UserFactory())
    response = _through_access_middleware(_throwaway_api_view(asks=True), UserFactory())
    assert response.status_code == 200
