#!/usr/bin/env python3
"""Measure Kraftsamla's main pages against a trivial view, in one process and one run.

    .venv/bin/python bench/bench_pages.py [--runs N] [--warmup N] [--database-url URL]

Creates a throw-away database (a temporary SQLite file by default, never db.sqlite3),
migrates it, loads the reference data (all 290 municipalities with their emissions
and boundaries) and the demo data, then times each page through the whole middleware
stack with django.test.Client and prints median/min/max server time, query count,
response size and the ratio of each median to the trivial view's median. Finally it
checks that query counts do not grow: detail pages with few and many memberships, and
the list pages before and after adding 500 organisations.

See bench/README.md for what the figures mean and what they leave out.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import types
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent

TRIVIAL = "/bench-trivial/"
PAGES = [
    ("trivial view (baseline)", TRIVIAL),
    ("organisation list, page 1", "/organisationer/"),
    ("list: municipalities in county 14", "/organisationer/?kind=municipality&county=14"),
    ("municipality page (Mölndal, chart)", "/organisationer/molndal/"),
    ("municipality map", "/organisationer/karta/"),
    ("API list, page_size=100", "/api/v1/organisations/?page_size=100"),
    ("API detail (Mölndal)", "/api/v1/organisations/molndal/"),
]
# Pages whose query count must not depend on how many organisations exist.
SCALING_PAGES = [
    ("organisation list, page 1", "/organisationer/"),
    ("API list, page_size=100", "/api/v1/organisations/?page_size=100"),
]
EXTRA_ORGANISATIONS = 500
# Detail pages of organisations of the same kind with few and many memberships: within
# a group the query count must not depend on the number of links (no N+1). None of these
# has a climate profile, which would add its own constant queries.
LINKED_GROUPS = [
    ("bodies", ["goteborgsregionen", "viable-cities-klimatneutrala-stader-2030"]),
    ("municipalities", ["kiruna", "goteborg"]),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed runs per page (default 30)")
    parser.add_argument(
        "--warmup", type=int, default=5, help="untimed warm-up runs per page (default 5)"
    )
    parser.add_argument(
        "--database-url",
        help=(
            "run on this PostgreSQL database instead of a temporary SQLite file, e.g. "
            "postgres://postgres@127.0.0.1:5432/kraftsamla_bench. The database is DROPPED "
            "and re-created, so its name must contain 'bench'."
        ),
    )
    parser.add_argument(
        "--cache-url",
        help=(
            "use this cache (e.g. redis://127.0.0.1:6379/14) as production does, with "
            "cached_db sessions; default: local memory in the process"
        ),
    )
    parser.add_argument(
        "--logged-in-email",
        default="admin.molndal@demo.kraftsamla.se",
        help="demo user whose logged-in query counts are printed",
    )
    parser.add_argument(
        "--keep-database",
        action="store_true",
        help="do not drop the PostgreSQL database (or delete the SQLite file) at the end",
    )
    parser.add_argument(
        "--login",
        metavar="EMAIL",
        help="measure as this demo user (e.g. admin.molndal@demo.kraftsamla.se), not anonymous",
    )
    args = parser.parse_args()
    if args.runs < 1 or args.warmup < 0:
        parser.error("--runs must be at least 1 and --warmup at least 0")
    return args


# --- database set-up, before Django is imported -------------------------------------------


def _postgres_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not name:
        sys.exit("--database-url needs a database name, e.g. …/kraftsamla_bench")
    if "bench" not in name:
        sys.exit(
            f"Refusing to drop and re-create database {name!r}: the benchmark only uses "
            "databases whose name contains 'bench'."
        )
    return name


def _postgres_admin(url: str, statements: list[str]) -> None:
    """Run statements on the server's maintenance database (autocommit)."""
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    with psycopg.connect(
        dbname="postgres",
        user=cfg.get("USER") or None,
        password=cfg.get("PASSWORD") or None,
        host=cfg.get("HOST") or None,
        port=cfg.get("PORT") or None,
        autocommit=True,
    ) as conn:
        for statement in statements:
            conn.execute(statement)


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def configure_environment(args: argparse.Namespace, workdir: Path) -> str:
    """Set the environment the settings module reads; return a description of the database."""
    if args.database_url:
        if not args.database_url.startswith(("postgres://", "postgresql://")):
            sys.exit("--database-url must be a postgres:// URL (SQLite is the default).")
        name = _postgres_name(args.database_url)
        quoted = _quote_ident(name)
        _postgres_admin(
            args.database_url,
            [f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)", f"CREATE DATABASE {quoted}"],
        )
        os.environ["DATABASE_URL"] = args.database_url
        described = f"PostgreSQL, fresh database {name!r}"
    else:
        db_file = workdir / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{db_file}"
        described = f"SQLite, temporary file {db_file}"
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "kraftsamla.config.settings",
            "DJANGO_DEBUG": "0",
            "KRAFTSAMLA_ALLOW_INSECURE_KEY": "1",
            # Plain static storage: {% static %} needs no collectstatic manifest.
            "KRAFTSAMLA_PLAIN_STATIC": "1",
            # An empty static root keeps WhiteNoise from warning about a missing directory.
            "DJANGO_STATIC_ROOT": str(workdir / "static"),
            "DJANGO_CACHE_BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "DJANGO_CACHE_URL": getattr(args, "cache_url", None) or "",
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "DJANGO_LOG_LEVEL": "WARNING",
        }
    )
    (workdir / "static").mkdir(exist_ok=True)
    return described


# --- measuring ------------------------------------------------------------------------------


def install_bench_urlconf() -> str:
    """Register a URLconf with the project's URLs plus a trivial view; return its name."""
    from django.http import HttpResponse
    from django.urls import path

    from kraftsamla.config import urls as project_urls

    module = types.ModuleType("bench_urls")
    # The project's patterns are spliced in (not include()d), so every page resolves
    # exactly as in production; the trivial view only adds one pattern in front.
    module.urlpatterns = [
        path("bench-trivial/", lambda request: HttpResponse("ok")),
        *project_urls.urlpatterns,
    ]
    for name in ("handler403", "handler404", "handler500"):
        setattr(module, name, getattr(project_urls, name))
    sys.modules[module.__name__] = module
    return module.__name__


class Result:
    def __init__(self, label: str, url: str):
        self.label = label
        self.url = url
        self.times_ms: list[float] = []
        self.queries = 0
        self.bytes = 0
        self.status = 0

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)


def fetch(client, url: str, headers: dict | None = None, expected=(200,)):
    response = client.get(url, headers=headers or {})
    if response.status_code not in expected:
        raise SystemExit(f"GET {url} answered {response.status_code}, expected {expected}")
    return response


def count_queries(
    client, url: str, headers: dict | None = None, expected=(200,)
) -> tuple[int, int]:
    """Return (queries, response bytes) for one request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = fetch(client, url, headers, expected)
    return len(ctx.captured_queries), len(response.content)


def measure(
    client, pages, runs: int, warmup: int, *, before_each=None, conditional: bool = False
) -> list[Result]:
    """Time every page `runs` times, round-robin, so drift in the machine hits all alike.

    `before_each()` runs untimed before every request (e.g. a data-version bump, for the
    first view after a change). With `conditional`, requests send the page's last ETag
    (If-None-Match), as a browser revalidating; pages without an ETag answer 200.
    """
    results = [Result(label, url) for label, url in pages]
    expected = (200, 304) if conditional else (200,)
    headers: dict[str, dict] = {}
    for r in results:
        for _ in range(warmup):
            response = fetch(client, r.url)
        etag = response.get("ETag") if conditional else None
        headers[r.url] = {"if-none-match": etag} if etag else {}
        if conditional and not etag:
            r.label += " (no ETag)"
        # Counting queries forces Django's debug cursor, so it is a separate, untimed request.
        if before_each:
            before_each()
        r.queries, r.bytes = count_queries(client, r.url, headers[r.url], expected)
    gc.collect()
    clock = time.perf_counter
    for _ in range(runs):
        for r in results:
            if before_each:
                before_each()
            start = clock()
            response = client.get(r.url, headers=headers[r.url])
            elapsed = clock() - start
            if response.status_code not in expected:
                raise SystemExit(f"GET {r.url} answered {response.status_code}")
            r.times_ms.append(elapsed * 1000)
    return results


def bump_organisations() -> None:
    """Change the organisation register as a membership write does (the frequent change:
    every scope such a write changes gets a new version; outside a transaction the bump
    applies at once)."""
    from kraftsamla.core.versions import bump, scopes_for

    bump(*scopes_for("organisations.membership", None))


def bump_reference_release() -> None:
    """Change everything a reference-data release changes (the rare, yearly change)."""
    from kraftsamla.core.versions import bump, scopes_for
    from kraftsamla.organisations.scopes import REFERENCE_DATA_TYPE

    bump(*scopes_for(REFERENCE_DATA_TYPE, None))


def measure_modes(client, pages, runs: int, warmup: int) -> None:
    """Print the repeat view (warm cache), the revalidation (304) and the first view after
    a change (a version bump before each request), each with its own trivial baseline."""
    modes = [
        ("Repeat view, warm cache (goal: public pages ≤ 5×)", {}),
        ("Repeat view with If-None-Match (304 where the page has an ETag)", {"conditional": True}),
        (
            "First view after a change: the organisation register changed (as by a "
            "membership write) before each request (goal: list, municipality page, map "
            "≤ 20×; API detail ≤ 8× and ≤ 2 queries)",
            {"before_each": bump_organisations},
        ),
        (
            "First view after a reference-data release (load_reference_data, yearly): "
            "every organisations block built afresh (no goal; for comparison)",
            {"before_each": bump_reference_release},
        ),
    ]
    for title, options in modes:
        print()
        print(title)
        results = measure(client, pages, runs, warmup, **options)
        print_table(results, results[0].median)


def print_logged_in_queries(urlconf: str, email: str) -> None:
    """Print what a logged-in request adds, with the session in the database and cached."""
    from django.test import Client
    from django.test.utils import override_settings

    from kraftsamla.accounts.models import User

    user = User.objects.get(email=email)
    print(f"Queries of a logged-in request ({email}), by session engine:")
    for engine in ("db", "cached_db"):
        with override_settings(
            ROOT_URLCONF=urlconf, SESSION_ENGINE=f"django.contrib.sessions.backends.{engine}"
        ):
            client = Client()
            client.force_login(user)
            counts = []
            for url in (TRIVIAL, "/organisationer/", "/api/v1/organisations/molndal/"):
                fetch(client, url)
                counts.append(f"{url} {count_queries(client, url)[0]}")
            print(f"  {engine:<10} " + "; ".join(counts))


def print_table(results: list[Result], baseline: float) -> None:
    headers = ["page", "url", "median ms", "min ms", "max ms", "queries", "bytes", "× trivial"]
    rows = [
        [
            r.label,
            r.url,
            f"{r.median:.2f}",
            f"{min(r.times_ms):.2f}",
            f"{max(r.times_ms):.2f}",
            str(r.queries),
            f"{r.bytes:,}",
            f"{r.median / baseline:.1f}",
        ]
        for r in results
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    left = {0, 1}

    def line(cells):
        return "  ".join(
            c.ljust(w) if i in left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))


def print_detail_scaling(client, groups) -> None:
    """Print the detail pages' query counts next to each organisation's number of links."""
    from kraftsamla.organisations import selectors

    print("Query count of the detail pages (first view after a change) by number of links:")
    for group, slugs in groups:
        counts = {"HTML page": set(), "API": set()}
        for slug in slugs:
            org = selectors.organisation_get(slug=slug)
            links = sum(len(v) for v in selectors.memberships_of(org).values())
            # First views after a change: the live path, not the cached blocks.
            bump_organisations()
            page = count_queries(client, f"/organisationer/{slug}/")[0]
            bump_organisations()
            api = count_queries(client, f"/api/v1/organisations/{slug}/")[0]
            counts["HTML page"].add(page)
            counts["API"].add(api)
            print(f"  {slug:<42} {links:>3} links: HTML page {page:>3} queries, API {api:>3}")
        verdicts = [
            f"{name} {'GROWS with the links (N+1)' if len(found) > 1 else 'same'}"
            for name, found in counts.items()
        ]
        print(f"  -> {group}: " + "; ".join(verdicts))


@contextmanager
def timed(label: str):
    start = time.perf_counter()
    yield
    print(f"{label}: {time.perf_counter() - start:.2f} s")


# --- the run --------------------------------------------------------------------------------


def run_bench(parse_args_fn, run_fn) -> None:
    """Set up the environment and database, call run_fn(args, described), then clean up."""
    args = parse_args_fn()
    sys.path.insert(0, str(ROOT))
    workdir = Path(tempfile.mkdtemp(prefix="kraftsamla-bench-"))
    described = None
    try:
        described = configure_environment(args, workdir)
        run_fn(args, described)
    finally:
        if "django.db" in sys.modules:
            from django.conf import settings

            if settings.configured:
                from django.db import connections

                connections.close_all()
        if args.keep_database and described:
            print(f"\nKept the database ({os.environ['DATABASE_URL']}).")
        else:
            if args.database_url and described:
                name = _quote_ident(_postgres_name(args.database_url))
                _postgres_admin(args.database_url, [f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"])
            shutil.rmtree(workdir, ignore_errors=True)


def start_run(title: str, described: str) -> None:
    """Print the machine and database, and migrate the fresh database (after django.setup())."""
    import django
    from django.core.management import call_command
    from django.db import connection

    print(title)
    print(
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"
    )
    print(f"Database: {described}")
    from django.conf import settings

    print(f"Cache: {settings.CACHES['default']['BACKEND']}; sessions: {settings.SESSION_ENGINE}")
    if hasattr(os, "getloadavg"):
        print("Load average before the run: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    with timed("migrate"):
        call_command("migrate", interactive=False, verbosity=0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            cursor.execute("SHOW autovacuum")
            print(f"PostgreSQL server {version}, autovacuum {cursor.fetchone()[0]}")
    else:
        import sqlite3

        print(f"SQLite {sqlite3.sqlite_version}")


def show_queries(client, url: str) -> None:
    """Print every SQL query one GET of `url` runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fetch(client, url)
    print(f"\n{len(ctx.captured_queries)} queries for GET {url}:")
    for i, q in enumerate(ctx.captured_queries, 1):
        sql = " ".join(q["sql"].split())
        if len(sql) > 220:
            sql = sql[:150] + " … " + sql[-60:]
        print(f"  {i:>2}. {sql}")


def main() -> None:
    run_bench(parse_args, run)


def run(args: argparse.Namespace, described: str) -> None:
    import django

    django.setup()

    from django.db.models import Count
    from django.test import Client
    from django.test.utils import override_settings

    from kraftsamla.accounts.models import User
    from kraftsamla.core.demo import demo_data_load
    from kraftsamla.organisations.models import (
        Boundary,
        DataRelease,
        Emission,
        FARegion,
        Membership,
        Organisation,
        OrganisationKind,
    )
    from kraftsamla.organisations.reference import reference_data_load

    start_run("Kraftsamla page benchmark", described)

    print()
    start = time.perf_counter()
    summary = reference_data_load()
    print(f"Reference data loaded in {time.perf_counter() - start:.2f} s: {summary}")
    with timed("Demo data loaded in"):
        demo_data_load(skip=("capacity", "support"))
    kinds = dict(Organisation.objects.values_list("kind").annotate(n=Count("id")))
    print(
        "Rows: "
        f"{kinds.get(OrganisationKind.MUNICIPALITY, 0)} municipalities, "
        f"{kinds.get(OrganisationKind.COUNTY, 0)} counties, "
        f"{Organisation.objects.count()} organisations in all, "
        f"{Emission.objects.count():,} emission rows "
        f"({Emission.objects.values('municipality').distinct().count()} municipalities, "
        f"{Emission.objects.values('year').distinct().count()} years), "
        f"{Boundary.objects.count()} boundaries, {FARegion.objects.count()} FA regions, "
        f"{Membership.objects.count()} memberships, {DataRelease.objects.count()} data releases, "
        f"{User.objects.count()} users"
    )

    urlconf = install_bench_urlconf()
    client = Client()
    who = "anonymous"
    if args.login:
        user = User.objects.filter(email=args.login).first()
        if user is None:
            sys.exit(f"No user {args.login!r}; see the demo logins in README.md.")
        client.force_login(user)
        who = args.login

    with override_settings(ROOT_URLCONF=urlconf):
        print()
        print(
            f"Server time per request: django.test.Client through the full middleware stack, "
            f"{who}, {args.warmup} warm-up + {args.runs} timed runs per page, round-robin."
        )
        print()
        measure_modes(client, PAGES, args.runs, args.warmup)

        print()
        print_logged_in_queries(urlconf, args.logged_in_email)

        print()
        print_detail_scaling(client, LINKED_GROUPS)

        print()
        scaling_runs = max(args.runs // 2, 5)
        # The live path (first view after a change), which is what grows with the table.
        before = measure(
            client, SCALING_PAGES, scaling_runs, args.warmup, before_each=bump_organisations
        )
        n_before = Organisation.objects.count()
        Organisation.objects.bulk_create(
            [
                Organisation(
                    name=f"Benchföretag {i:03d} AB",
                    slug=f"benchforetag-{i:03d}",
                    kind=OrganisationKind.COMPANY,
                    is_demo=True,
                )
                for i in range(1, EXTRA_ORGANISATIONS + 1)
            ],
            batch_size=250,
        )
        n_after = Organisation.objects.count()
        after = measure(
            client, SCALING_PAGES, scaling_runs, args.warmup, before_each=bump_organisations
        )
        print(
            f"As the table grows: {n_before} organisations, then {n_after} after bulk-creating "
            f"{EXTRA_ORGANISATIONS} companies ({scaling_runs} timed runs each):"
        )
        for b, a in zip(before, after, strict=True):
            verdict = "same" if b.queries == a.queries else "GROWS"
            print(
                f"  {b.label:<28} queries {b.queries:>3} → {a.queries:>3} ({verdict}); "
                f"median {b.median:.2f} → {a.median:.2f} ms"
            )


if __name__ == "__main__":
    main()
