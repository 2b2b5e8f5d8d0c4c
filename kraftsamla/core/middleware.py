"""Choose the interface language: Swedish unless the person picked English."""

from django.conf import settings
from django.utils import translation
from django.utils.cache import add_never_cache_headers


class SwedishFirstLocaleMiddleware:
    """Activate the language from the language cookie, else Swedish.

    Django's LocaleMiddleware would follow the browser's Accept-Language header,
    which would show most municipal staff an English page; Kraftsamla is Swedish
    first and English on request.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        response.headers.setdefault("Vary", "Cookie")
        translation.deactivate()
        return response


class PrivateNoStoreMiddleware:
    """Tell browsers and proxies not to store what a logged-in person sees.

    Pages and API answers for a logged-in person (by session or API token) may hold
    personal data, so they get `Cache-Control: no-store`; anonymous pages and the
    static files (answered by WhiteNoise before this runs) stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response
