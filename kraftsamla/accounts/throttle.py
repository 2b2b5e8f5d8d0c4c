"""Limit failed logins per e-mail address and per client address."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache


def _keys(email: str, ip: str) -> list[str]:
    email_hash = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return [f"login-fail:email:{email_hash}", f"login-fail:ip:{ip}"]


def client_ip(request) -> str:
    # Behind a proxy, REMOTE_ADDR is the proxy; the proxy must set X-Real-IP.
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        return request.META.get("HTTP_X_REAL_IP") or request.META.get("REMOTE_ADDR", "")
    return request.META.get("REMOTE_ADDR", "")


# Many colleagues may share one office address, so the per-address limit is wider.
IP_LIMIT_FACTOR = 4


def is_locked(email: str, ip: str) -> bool:
    limit = settings.LOGIN_FAILURE_LIMIT
    email_key, ip_key = _keys(email, ip)
    return (cache.get(email_key) or 0) >= limit or (
        cache.get(ip_key) or 0
    ) >= limit * IP_LIMIT_FACTOR


def record_failure(email: str, ip: str) -> None:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    for key in _keys(email, ip):
        if cache.add(key, 1, window):
            continue
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, window)


def reset(email: str, ip: str) -> None:
    cache.delete(_keys(email, ip)[0])
