"""Cache expensive page blocks and answer conditional GETs, keyed by data versions.

A key is made of the block's name, the versions of the scopes it depends on
(see `core/versions.py`), the language and the viewer's *sharing scope*: what
decides which private data they may see (staff; or their roles and the
organisations their bodies coordinate). Two people with the same scope see the
same block, so they may share an entry; nothing user-specific (names, messages,
CSRF tokens) may go into a cached block.

Pages that use these declare their dependencies where they call them, e.g.

    html = cached_block(request, "capacity.heatmap", depends_on=HEATMAP_DEPENDS_ON,
                        parts=(body.pk, year), build=lambda: render_heatmap(...))

and a test walks the declarations to prove that every service feeding a page
changes what it shows at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from kraftsamla.core.access import access_of
from kraftsamla.core.versions import fingerprint

_PREFIX = "kraftsamla:block:"
# Entries are correct for as long as they live (the key changes with the data); the
# timeout only returns memory from blocks nobody asks for any more.
BLOCK_TIMEOUT = getattr(settings, "KRAFTSAMLA_BLOCK_TIMEOUT", 24 * 3600)


def viewer_scope(who) -> str:
    """Return a key for what decides which shared data `who` may see."""
    access = access_of(who)
    if access.is_staff:
        return "staff"
    if not access.is_authenticated:
        return "anonymous"
    material = repr((sorted(access.roles.items()), sorted(access.coordinated_ids)))
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def block_key(request, name: str, depends_on: Sequence[str], parts: Sequence = ()) -> str:
    """Return the cache key of a block for this viewer, language and data versions."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    return _PREFIX + name + ":" + fingerprint(depends_on, language, viewer_scope(request), *parts)


def cached_block(
    request: HttpRequest,
    name: str,
    *,
    depends_on: Sequence[str],
    build: Callable[[], str],
    parts: Sequence = (),
) -> SafeString:
    """Return the block's HTML from the cache, building and storing it when missing.

    Call only after the permission check: the cache never decides who may see what.
    """
    key = block_key(request, name, depends_on, parts)
    html = cache.get(key)
    if html is None:
        html = str(build())
        cache.set(key, html, BLOCK_TIMEOUT)
    return mark_safe(html)  # noqa: S308 - built by our own templates/renderers


def _has_pending_messages(request: HttpRequest) -> bool:
    storage = messages.get_messages(request)
    pending = bool(list(storage))
    storage.used = False  # keep them for the page that shows them
    return pending


def not_modified(
    request: HttpRequest, name: str, *, depends_on: Sequence[str], parts: Sequence = ()
) -> tuple[str, HttpResponse | None]:
    """Return the page's ETag, and a 304 response when the client already has it.

    Call after the permission check, so that someone who lost access gets a 404
    rather than a 304. Set the returned ETag on the full response (`with_etag`).
    """
    etag = '"' + block_key(request, name, depends_on, (*parts, request.get_full_path()))[-32:] + '"'
    if request.method not in ("GET", "HEAD") or _has_pending_messages(request):
        return etag, None
    sent = [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]
    if etag in sent or f"W/{etag}" in sent:
        response = HttpResponseNotModified()
        response["ETag"] = etag
        return etag, response
    return etag, None


def with_etag(response: HttpResponse, etag: str) -> HttpResponse:
    """Set the ETag and ask browsers to revalidate, since the page may hold private data."""
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response
