"""Expose the WSGI application for gunicorn and similar servers."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kraftsamla.config.settings")
application = get_wsgi_application()
