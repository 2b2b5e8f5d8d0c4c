"""Hardening: admin login, parallel guessing, resets, caching, deploy checks, API errors."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client

from kraftsamla.accounts import throttle
from tests.factories.accounts import PASSWORD, StaffFactory, UserFactory
from tests.helpers import COORDINATOR, demo_user, token_client

pytestmark = pytest.mark.django_db

PROJECT_DIR = Path(__file__).resolve().parent.parent
LOGIN = "/konto/logga-in/"
PASSWORD_RESET = "/konto/losenord/aterstall/"
REDIS_URL = os.environ.get("KRAFTSAMLA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


# --- The admin's login goes through the app's login and its rate limit ---------------------


def test_admin_login_sends_to_the_apps_login_page(client):
    response = client.get("/admin/login/?next=/admin/capacity/")
    assert response.status_code == 302
    assert response["Location"] == "/konto/logga-in/?next=/admin/capacity/"
    response = client.get("/admin/")
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"].startswith("/konto/logga-in/?next=")


def test_admin_login_form_cannot_be_used_to_guess_passwords(client):
    staff = StaffFactory(password=PASSWORD)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": staff.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/logga-in/")
    assert SESSION_KEY not in client.session


def test_staff_reach_the_admin_after_the_apps_login(client):
    staff = StaffFactory(password=PASSWORD)
    response = client.post(
        f"{LOGIN}?next=/admin/", {"email": staff.email, "password": PASSWORD, "next": "/admin/"}
    )
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


# --- Parallel guessing is counted before the password is checked ----------------------------


def _parallel_attempts(count: int) -> int:
    """Start `count` login attempts for one (account, client) at once; how many may go on?"""
    barrier = threading.Barrier(count)
    allowed = []

    def attempt():
        barrier.wait()
        allowed.append(throttle.login_attempt("victim@test.example", "10.9.9.9").allowed)

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(allowed)


def _beyond_the_account_limit_within_the_clients() -> int:
    # More attempts than the per-client limit would also trip that limit for some
    # threads (each takes its two numbers in its own order), so fewer than the
    # account limit could go on and the count would depend on scheduling.
    return settings.LOGIN_FAILURE_LIMIT * throttle.IP_LIMIT_FACTOR


def test_parallel_attempts_are_limited_in_local_memory():
    count = _beyond_the_account_limit_within_the_clients()
    assert _parallel_attempts(count) == settings.LOGIN_FAILURE_LIMIT


@pytest.fixture
def redis_cache(settings):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"No Redis at {REDIS_URL}")
    settings.CACHES = {
        "default": {
            # Django's RedisCache, clearing only its own prefix (other runs share the DB).
            "BACKEND": "tests.redis_cache.PrefixedRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"kraftsamla-test-{secrets.token_hex(4)}",
        }
    }
    from django.core.cache import cache

    yield cache
    cache.clear()


def test_parallel_attempts_are_limited_in_redis(redis_cache):
    count = _beyond_the_account_limit_within_the_clients()
    assert _parallel_attempts(count) == settings.LOGIN_FAILURE_LIMIT


def test_attempts_waiting_for_their_answer_count_against_the_limit():
    # Requests that arrive together each take a number before the password check.
    user = UserFactory(password=PASSWORD)
    responses = []
    for _ in range(settings.LOGIN_FAILURE_LIMIT + 3):
        responses.append(throttle.login_attempt(user.email, "127.0.0.1"))
    # None of them has been answered yet, so no failure was "recorded" afterwards:
    assert sum(attempt.allowed for attempt in responses) == settings.LOGIN_FAILURE_LIMIT
    response = Client().post(LOGIN, {"email": user.email, "password": PASSWORD})
    assert response.status_code == 429


def test_the_right_password_frees_the_client_for_the_account(client):
    user = UserFactory(password=PASSWORD)
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        client.post(LOGIN, {"email": user.email, "password": "wrong-password"})
    assert client.post(LOGIN, {"email": user.email, "password": PASSWORD}).status_code == 302
    client.logout()
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        client.post(LOGIN, {"email": user.email, "password": "wrong-password"})
    assert client.post(LOGIN, {"email": user.email, "password": PASSWORD}).status_code == 302


# --- Password reset is rate-limited too ---------------------------------------------------


def test_password_reset_is_limited_per_address(client):
    user = UserFactory(password=PASSWORD)
    limit = settings.PASSWORD_RESET_LIMIT
    for _ in range(limit):
        response = client.post(PASSWORD_RESET, {"email": user.email})
        assert response.status_code == 302
    assert len(mail.outbox) == limit
    other_client = Client(REMOTE_ADDR="10.0.0.7")
    response = other_client.post(PASSWORD_RESET, {"email": user.email})
    assert response.status_code == 429
    assert response.context["form"].non_field_errors()
    assert len(mail.outbox) == limit


def test_password_reset_is_limited_per_client(client):
    limit = settings.PASSWORD_RESET_LIMIT * throttle.IP_LIMIT_FACTOR
    for number in range(limit):
        response = client.post(PASSWORD_RESET, {"email": f"someone{number}@test.example"})
        assert response.status_code == 302
    response = client.post(PASSWORD_RESET, {"email": "one-more@test.example"})
    assert response.status_code == 429
    # Someone elsewhere can still ask for a link.
    user = UserFactory(password=PASSWORD)
    response = Client(REMOTE_ADDR="10.0.0.8").post(PASSWORD_RESET, {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1


# --- Logged-in answers are not stored by browsers or proxies ------------------------------


def test_logged_in_pages_are_not_stored(client, admin_m):
    client.force_login(admin_m)
    for url in ("/", "/konto/", "/organisationer/molndal/", "/kapacitet/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url


def test_api_answers_for_a_token_are_not_stored(admin_m):
    response = token_client(admin_m).get("/api/v1/me/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_anonymous_pages_stay_cacheable(client):
    response = client.get("/organisationer/")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_password_change_still_revokes_the_api_token(client):
    user = UserFactory(password=PASSWORD)
    api = token_client(user)
    assert api.get("/api/v1/me/").status_code == 200
    client.force_login(user)
    new_password = "a-new-and-long-secret-42"
    response = client.post(
        "/konto/losenord/byt/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    assert api.get("/api/v1/me/").status_code == 401


# --- check --deploy behind a proxy ---------------------------------------------------------


def test_check_deploy_is_clean_with_production_settings():
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_DEBUG": "0",
        "DJANGO_BEHIND_PROXY": "1",
        "DJANGO_HSTS_SECONDS": "31536000",
        "DJANGO_SSL_REDIRECT": "1",
        "DJANGO_ALLOWED_HOSTS": "kraftsamla.example.se",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output and "ERRORS" not in output, output


# --- API errors are always JSON ------------------------------------------------------------


def assert_json_error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    error = response.json()["error"]
    assert error["code"] and error["message"]
    return error


@pytest.mark.parametrize("year", ["10000", "²", "99999999999999999999999999", "1e3", "-5"])
def test_coverage_api_rejects_a_bad_year_with_a_field_error(year):
    api = token_client(demo_user(COORDINATOR))
    response = api.get("/api/v1/support/bodies/goteborgsregionen/coverage/", {"year": year})
    error = assert_json_error(response, 400)
    assert "year" in error["fields"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/no-such-endpoint/",
        "/api/v1/organisations/%C3%A5%C3%A4%C3%B6/",
        "/api/v1/organisations/no-such-organisation/",
        "/api/v1/capacity/assessments/99999999999/",
        "/api/v1/capacity/frameworks/no-such-version/",
    ],
)
def test_api_404_is_json(client, path):
    assert_json_error(client.get(path), 404)


def test_api_405_is_json(client):
    assert_json_error(client.post("/api/v1/organisations/"), 405)


def test_api_malformed_json_is_a_json_400(admin_m):
    assessment = admin_m.organisation_roles.first().organisation.assessments.first()
    response = token_client(admin_m).put(
        f"/api/v1/capacity/assessments/{assessment.pk}/answers/",
        "{not json",
        content_type="application/json",
    )
    assert_json_error(response, 400)


def test_api_oversized_body_is_a_json_413(admin_m, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    assessment = admin_m.organisation_roles.first().organisation.assessments.first()
    response = token_client(admin_m).put(
        f"/api/v1/capacity/assessments/{assessment.pk}/answers/",
        '{"statement": "political-1", "evidence": "' + "x" * 5000 + '"}',
        content_type="application/json",
    )
    assert_json_error(response, 413)


def test_api_server_error_is_json(monkeypatch):
    from kraftsamla.capacity import api as capacity_api

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(capacity_api.FrameworkList, "get_queryset", broken)
    response = Client(raise_request_exception=False).get("/api/v1/capacity/frameworks/")
    error = assert_json_error(response, 500)
    assert "boom" not in error["message"]


def test_pages_keep_their_html_error_pages(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
