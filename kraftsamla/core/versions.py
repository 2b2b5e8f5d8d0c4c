"""Data versions: what a cached page depends on, and how every write invalidates it.

Every write goes through a service and is audited, so `audit_record` calls
`bump_for_event`, which, when the transaction commits, gives each affected
*scope* a new version:

- the app's scope, e.g. "support" (any support write changes it), and
- the organisation's scope, e.g. "support:org:42", when the write belongs to one.

A page names the scopes it depends on (`depends_on=("capacity", "organisations")`).
Its cache key and ETag include their current versions, so after any write the next
request builds afresh: no time-based expiry is needed for correctness. Versions are
random tokens, not counters, so an evicted or flushed version can never come back
with a value that matches an old cache entry.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence

from django.core.cache import cache
from django.db import transaction

_PREFIX = "kraftsamla:dv:"
# Versions live until replaced; the cache's own eviction is safe (see the module doc).
_FOREVER = None


def _key(scope: str) -> str:
    return f"{_PREFIX}{scope}"


def _new_token() -> str:
    return secrets.token_hex(8)


def versions_of(scopes: Sequence[str]) -> dict[str, str]:
    """Return the current version of each scope, creating missing ones (one cache round trip)."""
    keys = {_key(scope): scope for scope in scopes}
    found = cache.get_many(list(keys))
    missing = {key: _new_token() for key in keys if key not in found}
    for key, token in missing.items():
        # add() keeps a version another process created in the meantime.
        if not cache.add(key, token, _FOREVER):
            token = cache.get(key) or token
        found[key] = token
    return {keys[key]: value for key, value in found.items()}


def fingerprint(scopes: Sequence[str], *parts: object) -> str:
    """Return a short hash of the scopes' versions and any other parts of a cache key."""
    versions = versions_of(scopes)
    material = "|".join([*(f"{s}={versions[s]}" for s in scopes), *map(str, parts)])
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def bump(*scopes: str) -> None:
    """Give the scopes new versions when the current transaction commits."""
    if not scopes:
        return
    tokens = {_key(scope): _new_token() for scope in scopes}
    transaction.on_commit(lambda: cache.set_many(tokens, _FOREVER))


def scopes_for(object_type: str, organisation_id: int | None) -> list[str]:
    """Return the scopes a write to `object_type` ("app.model") for an organisation changes."""
    app = object_type.split(".", 1)[0] if object_type else "core"
    scopes = [app]
    if organisation_id is not None:
        scopes.append(f"{app}:org:{organisation_id}")
    return scopes


def bump_for_event(object_type: str, organisation_id: int | None) -> None:
    """Bump what one audited write changes (called by `audit_record`)."""
    bump(*scopes_for(object_type, organisation_id))


def organisation_scopes(app: str, organisation_ids: Iterable[int]) -> list[str]:
    """Return the per-organisation scopes of an app, for pages about given organisations."""
    return [f"{app}:org:{pk}" for pk in sorted(set(organisation_ids))]
