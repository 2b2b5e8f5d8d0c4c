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

An app may declare *narrower* scopes (`narrower_scope`) for blocks that show only part
of its data, e.g. "organisations:reference" (reference-data releases) or
"organisations:register" (every organisations write but a climate profile): a climate
profile edit then rebuilds neither the map nor the list.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True)
class NarrowerScope:
    """A part of an app's data: changed by writes of `object_types` only, or by every write
    of the app except `excluding`."""

    name: str
    app: str
    object_types: frozenset[str] = frozenset()
    excluding: frozenset[str] = frozenset()

    def changed_by(self, object_type: str) -> bool:
        if self.object_types:
            return object_type in self.object_types
        return object_type.split(".", 1)[0] == self.app and object_type not in self.excluding

    def example_object_type(self) -> str:
        """An object type whose write changes this scope (for the generated tests)."""
        return min(self.object_types) if self.object_types else f"{self.app}.anything"


NARROWER: dict[str, NarrowerScope] = {}


def narrower_scope(
    name: str, *, object_types: Iterable[str] = (), excluding: Iterable[str] = ()
) -> str:
    """Declare "<app>:<part>", changed by writes of `object_types` only, or by every write
    of the app but `excluding` (once, at import time); return its name for `depends_on`."""
    app = name.split(":", 1)[0]
    scope = NarrowerScope(name, app, frozenset(object_types), frozenset(excluding))
    if NARROWER.setdefault(name, scope) != scope:
        raise ValueError(f"{name} is declared twice with different object types.")
    return name


def scopes_for(object_type: str, organisation_id: int | None) -> list[str]:
    """Return the scopes a write to `object_type` ("app.model") for an organisation changes."""
    app = object_type.split(".", 1)[0] if object_type else "core"
    scopes = [app]
    if organisation_id is not None:
        scopes.append(f"{app}:org:{organisation_id}")
    scopes += [s.name for s in NARROWER.values() if s.changed_by(object_type or "")]
    return scopes


def bump_for_event(object_type: str, organisation_id: int | None) -> None:
    """Bump what one audited write changes (called by `audit_record`)."""
    bump(*scopes_for(object_type, organisation_id))
