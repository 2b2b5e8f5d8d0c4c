"""Site-wide pages: home, health check, error pages, language switch."""

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from kraftsamla.core.access import PUBLIC, checks
from kraftsamla.core.home import home_context
from kraftsamla.core.start import start_sections


@checks(PUBLIC)
def home(request):
    """The platform's front page; a logged-in person gets their personal start page here.

    The start page's sections come from the apps (core/start.py) and each reads only what
    the policy lets the person see, so the page itself declares nothing private.
    """
    if request.user.is_authenticated:
        return render(request, "core/start.html", {"sections": start_sections(request)})
    return render(request, "core/home.html", home_context(request))


@checks(PUBLIC)
@never_cache
def healthz(request):
    """Answer whether the app and its database work (for load balancers and monitoring)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": "error"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@checks(PUBLIC)
def accessibility(request):
    return render(request, "core/accessibility.html")


@checks(PUBLIC)
def error_403(request, exception=None):
    return render(request, "403.html", status=403)


@checks(PUBLIC)
def error_404(request, exception=None):
    return render(request, "404.html", status=404)


@checks(PUBLIC)
def error_500(request):
    return render(request, "500.html", status=500)
