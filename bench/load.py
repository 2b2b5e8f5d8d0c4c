#!/usr/bin/env python3
"""Load-test Kraftsamla on this machine: gunicorn + PostgreSQL + Redis, loopback only.

    .venv/bin/python bench/load.py [--clients 50] [--seconds 60] [--baseline REV]

Sets up a fresh PostgreSQL database (its name must contain "bench"; it is dropped
and created again), loads the reference, framework and demo data, starts gunicorn
with 3 workers on 127.0.0.1, and runs `--clients` client threads for `--seconds`
seconds over a realistic mix of anonymous and logged-in pages. It prints requests
per second, p50/p95/p99 latency and errors, in total and per page.

With `--baseline REV` (e.g. a commit before a performance change) it first runs the
same load against that revision, checked out in a temporary git worktree with its
own database, so the comparison is made in the same run on the same machine.

Bounded and local by design: every request goes to 127.0.0.1, each client stops at
the deadline, and the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"
DEMO_PASSWORD = "kraftsamla-demo"

# (label, path, weight). Paths that depend on demo ids are resolved after loading.
ANONYMOUS_PAGES = [
    ("home", "/", 3),
    ("organisation list", "/organisationer/", 4),
    ("list, county 14", "/organisationer/?kind=municipality&county=14", 2),
    ("municipality page", "/organisationer/molndal/", 4),
    ("map", "/organisationer/karta/", 2),
    ("framework", "/kapacitet/ramverk/", 1),
    ("offers", "/stod/goteborgsregionen/erbjudanden/", 2),
    ("API list", "/api/v1/organisations/?page_size=100", 1),
    ("API detail", "/api/v1/organisations/molndal/", 2),
]
COORDINATOR_PAGES = [
    ("heatmap", "/kapacitet/region/goteborgsregionen/", 3),
    ("coverage grid", "/stod/goteborgsregionen/tackning/", 3),
    ("results", "{results}", 2),
]
MUNICIPALITY_PAGES = [
    ("recommendations", "/stod/organisation/molndal/", 3),
    ("results", "{results}", 2),
    ("municipality page", "/organisationer/molndal/", 1),
]
LOGINS = [
    ("samordnare@demo.kraftsamla.se", COORDINATOR_PAGES),
    ("admin.molndal@demo.kraftsamla.se", MUNICIPALITY_PAGES),
]
# Share of clients that log in (the rest browse anonymously).
LOGGED_IN_SHARE = 0.5


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/kraftsamla_bench_load",
        help="PostgreSQL database to DROP and create (name must contain 'bench')",
    )
    parser.add_argument(
        "--cache-url",
        default="redis://127.0.0.1:6379/14",
        help="Redis database for the cache and sessions (it is flushed first)",
    )
    parser.add_argument("--baseline", help="also measure this git revision first, for comparison")
    args = parser.parse_args()
    if "bench" not in urllib.parse.urlsplit(args.database_url).path:
        parser.error("the database name must contain 'bench' (it is dropped)")
    if not 1 <= args.clients <= 200 or not 1 <= args.seconds <= 600:
        parser.error("clients must be 1–200 and seconds 1–600")
    return args


# --- Server set-up ---------------------------------------------------------------------


def server_env(args: argparse.Namespace, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="kraftsamla.config.settings",
        DJANGO_DEBUG="0",
        KRAFTSAMLA_ALLOW_INSECURE_KEY="1",
        KRAFTSAMLA_PLAIN_STATIC="1",
        DJANGO_SECURE_COOKIES="0",
        DATABASE_URL=database_url,
        DJANGO_CACHE_URL=args.cache_url,
        # The load comes from one address: lift the per-client login limit for the bench.
        DJANGO_LOGIN_FAILURE_LIMIT="1000",
    )
    env.pop("DJANGO_CACHE_BACKEND", None)
    return env


def recreate_database(database_url: str) -> None:
    parts = urllib.parse.urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = ["psql", "-h", parts.hostname or HOST, "-p", str(parts.port or 5432)]
    admin += ["-U", parts.username or "postgres", "-d", "postgres", "-q"]
    subprocess.run([*admin, "-c", f"DROP DATABASE IF EXISTS {name}"], check=True)
    subprocess.run([*admin, "-c", f"CREATE DATABASE {name}"], check=True)


def flush_redis(cache_url: str) -> None:
    parts = urllib.parse.urlsplit(cache_url)
    db = parts.path.lstrip("/") or "0"
    subprocess.run(
        [
            "redis-cli",
            "-h",
            parts.hostname or HOST,
            "-p",
            str(parts.port or 6379),
            "-n",
            db,
            "FLUSHDB",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def prepare(code_dir: Path, env: dict[str, str]) -> None:
    manage = [PYTHON, "manage.py"]
    for command in (
        ["migrate", "--noinput", "-v", "0"],
        ["createcachetable"],
        ["load_reference_data"],
        ["load_framework"],
        ["load_demo_data"],
    ):
        subprocess.run(
            [*manage, *command], cwd=code_dir, env=env, check=True, stdout=subprocess.DEVNULL
        )


def start_server(code_dir: Path, env: dict[str, str], args: argparse.Namespace):
    command = [
        PYTHON,
        "-m",
        "gunicorn",
        "kraftsamla.config.wsgi",
        "--workers",
        str(args.workers),
        "--bind",
        f"{HOST}:{args.port}",
        "--log-level",
        "warning",
        "--timeout",
        "60",
    ]
    process = subprocess.Popen(command, cwd=code_dir, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, args.port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    stop_server(process)
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def stop_server(process) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


# --- Clients ---------------------------------------------------------------------------


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, label: str, seconds: float, ok: bool) -> None:
        with self.lock:
            self.latencies.setdefault(label, []).append(seconds)
            if not ok:
                self.errors[label] = self.errors.get(label, 0) + 1


class Client:
    """One browser-like client with its own cookies and keep-alive connection."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies),
            urllib.request.HTTPRedirectHandler(),
        )

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with self.opener.open(self.url(path), timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, b""

    def login(self, email: str) -> bool:
        _status, body = self.get("/konto/logga-in/")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if not match:
            return False
        data = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": match.group(1).decode(),
                "email": email,
                "password": DEMO_PASSWORD,
            }
        ).encode()
        request = urllib.request.Request(
            self.url("/konto/logga-in/"), data=data, headers={"Referer": self.url("/")}
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status == 200 and "sessionid" in {c.name for c in self.cookies}
        except urllib.error.HTTPError:
            return False


def weighted(pages):
    return [(label, path) for label, path, weight in pages for _ in range(weight)]


def run_client(
    port: int, pages, login: str | None, deadline: float, results: Results, seed: int
) -> None:
    rng = random.Random(seed)
    client = Client(port)
    if login and not client.login(login):
        results.add("login", 0.0, ok=False)
        return
    choices = weighted(pages)
    while time.monotonic() < deadline:
        label, path = rng.choice(choices)
        started = time.perf_counter()
        status, _body = client.get(path)
        results.add(label, time.perf_counter() - started, ok=status == 200)


def resolve(pages, results_path: str):
    return [(label, path.format(results=results_path), weight) for label, path, weight in pages]


def results_path_of(code_dir: Path, env: dict[str, str]) -> str:
    script = (
        "import django; django.setup();"
        "from kraftsamla.capacity.models import Assessment;"
        "a = Assessment.objects.filter(organisation__slug='molndal', status='published')"
        ".order_by('-year').first(); print(a.pk)"
    )
    out = subprocess.run(
        [PYTHON, "-c", script], cwd=code_dir, env=env, check=True, capture_output=True, text=True
    )
    return f"/kapacitet/bedomning/{out.stdout.strip()}/resultat/"


def run_load(args: argparse.Namespace, results_path: str) -> tuple[Results, float]:
    results = Results()
    deadline = time.monotonic() + args.seconds
    threads = []
    for index in range(args.clients):
        if index < args.clients * LOGGED_IN_SHARE:
            email, pages = LOGINS[index % len(LOGINS)]
            pages = resolve(pages, results_path)
        else:
            email, pages = None, ANONYMOUS_PAGES
        thread = threading.Thread(
            target=run_client,
            args=(args.port, pages, email, deadline, results, index),
            daemon=True,
        )
        threads.append(thread)
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=args.seconds + 60)
    return results, time.monotonic() - started


# --- Report ----------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def report(name: str, results: Results, elapsed: float) -> dict[str, float]:
    everything = [v for values in results.latencies.values() for v in values]
    errors = sum(results.errors.values())
    summary = {
        "requests": len(everything),
        "rps": len(everything) / elapsed if elapsed else 0.0,
        "p50": percentile(everything, 0.50) * 1000,
        "p95": percentile(everything, 0.95) * 1000,
        "p99": percentile(everything, 0.99) * 1000,
        "errors": errors,
    }
    print(f"\n== {name}")
    print(
        f"{summary['requests']} requests in {elapsed:.1f} s: {summary['rps']:.1f} req/s, "
        f"p50 {summary['p50']:.0f} ms, p95 {summary['p95']:.0f} ms, "
        f"p99 {summary['p99']:.0f} ms, errors {errors}"
    )
    print(f"{'page':<22} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
    for label in sorted(results.latencies):
        values = results.latencies[label]
        print(
            f"{label:<22} {len(values):>6} {statistics.median(values) * 1000:>8.0f} "
            f"{percentile(values, 0.95) * 1000:>8.0f} {results.errors.get(label, 0):>7}"
        )
    return summary


def measure(name: str, code_dir: Path, args: argparse.Namespace, database_url: str):
    env = server_env(args, database_url)
    print(f"Preparing {name} ({code_dir}) …", flush=True)
    recreate_database(database_url)
    flush_redis(args.cache_url)
    prepare(code_dir, env)
    results_path = results_path_of(code_dir, env)
    server = start_server(code_dir, env, args)
    try:
        # A short warm-up so every worker has imported and compiled its templates.
        warm = argparse.Namespace(**{**vars(args), "clients": 6, "seconds": 5.0})
        run_load(warm, results_path)
        print(f"Running {args.clients} clients for {args.seconds:.0f} s …", flush=True)
        results, elapsed = run_load(args, results_path)
    finally:
        stop_server(server)
    return report(name, results, elapsed)


def main() -> None:
    args = parse_args()
    summaries = {}
    if args.baseline:
        worktree = Path(tempfile.mkdtemp(prefix="kraftsamla-baseline-"))
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(worktree), args.baseline],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        try:
            summaries["baseline " + args.baseline] = measure(
                f"baseline {args.baseline}", worktree, args, args.database_url + "_base"
            )
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, check=False
            )
            shutil.rmtree(worktree, ignore_errors=True)
    summaries["current"] = measure("current code", ROOT, args, args.database_url)
    if len(summaries) == 2:
        base, current = summaries.values()
        print(
            f"\np95: {base['p95']:.0f} ms → {current['p95']:.0f} ms "
            f"({current['p95'] / base['p95']:.2f}×); req/s: {base['rps']:.1f} → "
            f"{current['rps']:.1f}; errors: {base['errors']} → {current['errors']}"
        )


if __name__ == "__main__":
    main()
