"""Cache expensive page blocks and answer conditional GETs, keyed by data versions.

A key is made of the block's name, the versions of the scopes it depends on
(see `core/versions.py`), the language and the viewer's *sharing scope*: what
decides which private data they may see (staff; or their roles and the
organisations their bodies coordinate). Two people with the same scope see the
same block, so they may share an entry; nothing user-specific (names, messages,
CSRF tokens) may go into a cached block.

A page declares once, at module level, which data scopes it depends on:

    HEATMAP = declare("capacity.heatmap", depends_on=("capacity", "organisations"))

and then, after its permission check,

    etag, response = not_modified(request, HEATMAP, parts=(body.pk,))
    html = cached_block(request, HEATMAP, parts=(body.pk, year), build=render_heatmap)

A scope is an app label (any audited write in that app changes it) or
"<app>:org:<id>" (writes for one organisation). `tests/test_versions.py` walks
the declarations to prove that a write in each scope changes what the page shows.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from kraftsamla.core.access import access_of
from kraftsamla.core.versions import fingerprint

_PREFIX = "kraftsamla:block:"
# Entries are correct for as long as they live (the key changes with the data); the
# timeout only returns memory from blocks nobody asks for any more.
BLOCK_TIMEOUT = getattr(settings, "KRAFTSAMLA_BLOCK_TIMEOUT", 24 * 3600)


@dataclass(frozen=True)
class CachedPage:
    """A cached page or block and the data scopes its content depends on."""

    name: str
    depends_on: tuple[str, ...]


DECLARED: dict[str, CachedPage] = {}


def declare(name: str, *, depends_on: Sequence[str]) -> CachedPage:
    """Declare a cached page or block and what it depends on (once, at import time)."""
    page = CachedPage(name, tuple(depends_on))
    if DECLARED.setdefault(name, page) != page:
        raise ValueError(f"{name} is declared twice with different dependencies.")
    return page


def viewer_scope(who) -> str:
    """Return a key for what decides which shared data `who` may see."""
    access = access_of(who)
    if access.is_staff:
        return "staff"
    if not access.is_authenticated:
        return "anonymous"
    material = repr((sorted(access.roles.items()), sorted(access.coordinated_ids)))
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def block_key(request, page: CachedPage, parts: Sequence = ()) -> str:
    """Return the cache key of a block for this viewer, language and data versions."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    # Which memberships are in force, and so what a body's pages count, changes with the
    # date without any write: the date is part of every key.
    today = timezone.localdate().isoformat()
    material = fingerprint(page.depends_on, language, today, viewer_scope(request), *parts)
    return f"{_PREFIX}{page.name}:{material}"


def cached_block(
    request: HttpRequest,
    page: CachedPage,
    *,
    build: Callable[[], str],
    parts: Sequence = (),
) -> SafeString:
    """Return the block's HTML from the cache, building and storing it when missing.

    Call only after the permission check: the cache never decides who may see what.
    """
    key = block_key(request, page, parts)
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


def _browser_part(request: HttpRequest) -> str:
    """What ties a full page to one browser: the user (the header shows their name) and
    the CSRF cookie (the page's forms carry tokens for it, and it changes at login)."""
    user_id = getattr(getattr(request, "user", None), "pk", None)
    csrf_cookie = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
    return hashlib.sha256(f"{user_id}|{csrf_cookie}".encode()).hexdigest()[:16]


def not_modified(
    request: HttpRequest, page: CachedPage, *, parts: Sequence = ()
) -> tuple[str, HttpResponse | None]:
    """Return the page's ETag, and a 304 response when the client already has it.

    Call after the permission check, so that someone who lost access gets a 404
    rather than a 304. Set the returned ETag on the full response (`with_etag`).
    """
    key_parts = (*parts, request.get_full_path(), _browser_part(request))
    etag = '"' + block_key(request, page, key_parts)[-32:] + '"'
    if request.method not in ("GET", "HEAD") or _has_pending_messages(request):
        return etag, None
    sent = [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]
    if etag in sent or f"W/{etag}" in sent:
        response = HttpResponseNotModified()
        response["ETag"] = etag
        return etag, response
    return etag, None


def cached_value(request, page: CachedPage, *, build: Callable[[], object], parts: Sequence = ()):
    """Return a picklable value (e.g. JSON data or a ranking) cached like `cached_block`."""
    key = block_key(request, page, (*parts, "value"))
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, BLOCK_TIMEOUT)
    return value


# The last few large values, kept unpickled in this process (see `cached_object`).
KEPT_MAX = 4
_kept: OrderedDict[str, object] = OrderedDict()
_kept_lock = threading.Lock()


def cached_object(request, page: CachedPage, *, build: Callable[[], object], parts: Sequence = ()):
    """Return a large value as `cached_value` does, and keep the last KEPT_MAX in this process.

    For values that take long to unpickle, such as a similarity index of 20,000 ideas (about
    a second): the key holds the data versions and the viewer's sharing scope, so a kept
    value is exactly as current as the shared cache's, and it is never changed in place.
    """
    key = block_key(request, page, (*parts, "value"))
    value = _kept_get(key)
    if value is not None:
        return value
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, BLOCK_TIMEOUT)
    with _kept_lock:
        _kept_put(key, value)
    return value


def _kept_get(key: str) -> object | None:
    with _kept_lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    return None


def _kept_put(key: str, value: object) -> None:
    """Keep `value` in this process (call with `_kept_lock` held)."""
    _kept[key] = value
    _kept.move_to_end(key)
    while len(_kept) > KEPT_MAX:
        _kept.popitem(last=False)


# Per (block, viewer's scope, parts): the last value this process built or read, served by
# `cached_object_or_previous` while a newer one is built; a few only (each may be large).
PREVIOUS_MAX = 8
_previous: OrderedDict[tuple, object] = OrderedDict()
# Slots being built in the background in this process: one build per slot at a time (when
# the data changed again meanwhile, a later request starts the next one).
_building: set[tuple] = set()


def _keep(key: str, value: object, slot: tuple) -> None:
    with _kept_lock:
        _kept_put(key, value)
        _previous[slot] = value
        _previous.move_to_end(slot)
        while len(_previous) > PREVIOUS_MAX:
            _previous.popitem(last=False)


def in_background(work: Callable[[], None]) -> None:
    """Run `work` in a daemon thread of this process (tests replace it to run it in place)."""

    def run() -> None:
        from django.db import connections

        try:
            work()
        finally:
            # The thread's own database connections (never a request's): closed here, not
            # in `work`, so that work run in place keeps its caller's connection.
            connections.close_all()

    threading.Thread(target=run, daemon=True, name="kraftsamla-rebuild").start()


def cached_object_or_previous(
    request, page: CachedPage, *, build: Callable[[], object], parts: Sequence = ()
):
    """Return a large value as `cached_object` does, but after a change of its data, when
    this process has the viewer's previous value, return that at once and build the new
    one in the background (one build at a time per value), so no request waits for it.

    Only for values whose every use checks what it names against the database and the
    viewer's rights (a previous value may then miss a new row or name one that is hidden
    now, which that check drops; it never shows what the viewer may not see). A process
    without a previous value builds in the request, as `cached_object` does; so does every
    process with KRAFTSAMLA_STALE_WHILE_REBUILD off.
    """
    key = block_key(request, page, (*parts, "value"))
    slot = (page.name, viewer_scope(request), *map(str, parts))
    value = _kept_get(key)
    if value is not None:
        return value
    value = cache.get(key)
    if value is not None:
        _keep(key, value, slot)
        return value
    stale_allowed = getattr(settings, "KRAFTSAMLA_STALE_WHILE_REBUILD", True)
    with _kept_lock:
        previous = _previous.get(slot) if stale_allowed else None
        start = previous is not None and slot not in _building
        if start:
            _building.add(slot)
    if previous is None:
        value = build()
        cache.set(key, value, BLOCK_TIMEOUT)
        _keep(key, value, slot)
        return value
    if start:

        def rebuild() -> None:
            try:
                fresh = build()
                cache.set(key, fresh, BLOCK_TIMEOUT)
                _keep(key, fresh, slot)
            finally:
                with _kept_lock:
                    _building.discard(slot)

        in_background(rebuild)
    return previous


def cached_under_versions(
    name: str,
    scopes: Sequence[str],
    *,
    build: Callable[[], object],
    parts: Sequence = (),
    timeout: int | None = BLOCK_TIMEOUT,
):
    """Return a picklable value cached under the scopes' data versions and `parts` only
    (not the viewer's scope or language): for data that is the same for everyone."""
    key = f"kraftsamla:value:{name}:{fingerprint(scopes, *parts)}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout)
    return value


def cached_incremental(
    who,
    page: CachedPage,
    *,
    markers: Mapping[Hashable, object],
    build: Callable[[list], Mapping[Hashable, object]],
    parts: Sequence = (),
) -> dict[Hashable, object]:
    """Return a value per item, kept in one cache entry per viewer scope, language, date and
    `parts`, and rebuild only the items whose marker changed since they were cached.

    A marker says which state an item's data is in, e.g. the id of the last audited write
    of an organisation: after one member's write, `build([that member])` runs, not a build
    of all of them. One entry, whatever the number of items, so that a cache with few
    entries (the database cache) does not evict half of them.
    """
    key = block_key(who, page, (*parts, "items"))
    stored = cache.get(key) or {}
    result: dict[Hashable, object] = {}
    missing = []
    for item, marker in markers.items():
        entry = stored.get(item)
        if entry is not None and entry[0] == marker:
            result[item] = entry[1]
        else:
            missing.append(item)
    if missing:
        built = build(missing)
        result.update({item: built[item] for item in missing})
        cache.set(key, {item: (markers[item], result[item]) for item in markers}, BLOCK_TIMEOUT)
    return result


def with_etag(response: HttpResponse, etag: str) -> HttpResponse:
    """Set the ETag and ask browsers to revalidate, since the page may hold private data."""
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response
