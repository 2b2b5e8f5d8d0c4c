from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import include, path, reverse
from django.views.i18n import JavaScriptCatalog, set_language

from kraftsamla.core import views as core_views
from kraftsamla.core.access import PUBLIC, checks

handler400 = "kraftsamla.core.views.error_400"
handler403 = "kraftsamla.core.views.error_403"
handler404 = "kraftsamla.core.views.error_404"
handler500 = "kraftsamla.core.views.error_500"


def admin_login(request, extra_context=None):
    """Staff log in to the admin through the app's login page and its rate limit."""
    return redirect_to_login(
        request.GET.get("next") or reverse("admin:index"), reverse("accounts:login")
    )


admin.site.login = admin_login

urlpatterns = [
    path("", include("kraftsamla.core.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/setlang/", checks(PUBLIC)(set_language), name="set_language"),
    path("i18n/js/", checks(PUBLIC)(JavaScriptCatalog.as_view()), name="javascript-catalog"),
    path("", include("kraftsamla.accounts.urls")),
    path("organisationer/", include("kraftsamla.organisations.urls")),
    path("kapacitet/", include("kraftsamla.capacity.urls")),
    path("stod/", include("kraftsamla.support.urls")),
    path("projekt/", include("kraftsamla.projects.urls")),
    path("finansiering/", include("kraftsamla.funding.urls")),
    path("tvillingstader/", include("kraftsamla.twinning.urls")),
    path("uppfoljning/", include("kraftsamla.followup.urls")),
    path("api/v1/", include("kraftsamla.api.urls")),
    path("admin/", admin.site.urls),
]
