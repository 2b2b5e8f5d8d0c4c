"""Site-wide pages: home, health check, error pages, language switch."""

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults
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


API_PREFIX = "/api/"


def _api_error(request, status: int, code: str, message: str) -> JsonResponse | None:
    """The API's error shape for a request under /api/ (see core/api.py), else None."""
    if not request.path.startswith(API_PREFIX):
        return None
    return JsonResponse({"error": {"code": code, "message": str(message)}}, status=status)


@checks(PUBLIC)
def error_400(request, exception=None):
    message = _("The request could not be read.")
    return _api_error(request, 400, "bad_request", message) or defaults.bad_request(
        request, exception
    )


@checks(PUBLIC)
def error_403(request, exception=None):
    message = _("You do not have access to this page")
    return _api_error(request, 403, "permission_denied", message) or render(
        request, "403.html", status=403
    )


@checks(PUBLIC)
def error_404(request, exception=None):
    message = _("Page not found")
    return _api_error(request, 404, "not_found", message) or render(request, "404.html", status=404)


@checks(PUBLIC)
def error_500(request):
    message = _("Something went wrong")
    return _api_error(request, 500, "server_error", message) or render(
        request, "500.html", status=500
    )
