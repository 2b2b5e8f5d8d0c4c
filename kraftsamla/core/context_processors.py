"""Add site-wide values to every template."""

from django.conf import settings


def site(request):
    return {
        "SITE_NAME": "Kraftsamla",
        "DEBUG": settings.DEBUG,
    }
