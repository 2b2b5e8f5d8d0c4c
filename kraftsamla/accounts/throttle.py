"""Limit password guessing (per account and client, and per client) and password resets.

Every attempt is counted BEFORE the password is checked, with the cache's atomic
`add` + `incr`: thirty parallel wrong passwords cannot all be evaluated, because
each request takes its own number from the counter and only the first `limit`
are let through. `add` and `incr` are atomic in Redis (production, see
DJANGO_CACHE_URL) and in the local-memory cache (tests); the database cache's
`incr` is a read-then-write, so it is only good enough for the single-process demo.

A lock is per (account, client): an attacker's failures lock the attacker's
client out of that account, never the account's owner on another client. A client
that fails on many accounts is locked out as a whole (with a wider limit, since
colleagues share an office address).
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

# Many colleagues may share one office address, so the per-address limit is wider.
IP_LIMIT_FACTOR = 4


def client_ip(request) -> str:
    # Behind a proxy, REMOTE_ADDR is the proxy; the proxy must set X-Real-IP.
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        return request.META.get("HTTP_X_REAL_IP") or request.META.get("REMOTE_ADDR", "")
    return request.META.get("REMOTE_ADDR", "")


def _email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def _count(key: str, window: int) -> int:
    """Add one to `key` atomically and return the new count (the window starts at 1)."""
    if cache.add(key, 1, window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, window)
        return 1


def _uncount(key: str) -> None:
    with contextlib.suppress(ValueError):  # the window has already passed
        cache.decr(key)


@dataclass(frozen=True)
class LoginAttempt:
    """One counted login attempt; a wrong password leaves the counts as they are."""

    pair_key: str
    ip_key: str
    allowed: bool

    def succeeded(self) -> None:
        """The right password: this client starts afresh for this account."""
        cache.delete(self.pair_key)
        _uncount(self.ip_key)


def login_attempt(email: str, ip: str) -> LoginAttempt:
    """Count an attempt for (account, client) and for the client; say if it may be checked."""
    limit = settings.LOGIN_FAILURE_LIMIT
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    pair_key = f"login:pair:{_email_hash(email)}:{ip}"
    ip_key = f"login:ip:{ip}"
    pair_count = _count(pair_key, window)
    ip_count = _count(ip_key, window)
    allowed = pair_count <= limit and ip_count <= limit * IP_LIMIT_FACTOR
    return LoginAttempt(pair_key=pair_key, ip_key=ip_key, allowed=allowed)


def password_reset_allowed(email: str, ip: str) -> bool:
    """Count a password-reset request per address and per client; say if it may go out."""
    window = settings.PASSWORD_RESET_WINDOW_SECONDS
    limit = settings.PASSWORD_RESET_LIMIT
    email_count = _count(f"reset:email:{_email_hash(email)}", window)
    ip_count = _count(f"reset:ip:{ip}", window)
    return email_count <= limit and ip_count <= limit * IP_LIMIT_FACTOR
