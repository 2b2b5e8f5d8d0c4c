#!/usr/bin/env python3
"""Measure the matching of municipalities (kraftsamla/twinning) and its page.

    .venv/bin/python bench/bench_twinning.py [--runs N] [--synthetic N] [--sample N]

On a throw-away database (a temporary SQLite file, or `--database-url`, as
bench/bench_pages.py does) with the reference and demo data, it times:

1. ranking all 289 candidates for one municipality (Linköping), the full ranking
   (`matching.rank`, every component and the Match objects) and the public components
   inline (`matching.rank_fast`);
2. every municipality against every other, 290 × 289 pairs, with `rank_fast`;
3. `--synthetic` generated municipalities (default 10,000; seeded): one ranking with
   both functions, and all pairs — timed over `--sample` targets (default 200) and
   scaled up to all N × (N − 1) pairs, since the full run would take minutes in plain
   Python (the figure printed says so);
4. the matching page (a logged-in person, warm cache) against a trivial view through the
   same middleware, and the API.

The matching is plain Python: numpy is not a dependency of the project. The figures are
printed, never asserted.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SEED = "kraftsamla-bench-twinning"


def parse_args() -> argparse.Namespace:
    from bench_pages import parse_args as pages_args

    extra = argparse.ArgumentParser(add_help=False)
    extra.add_argument("--synthetic", type=int, default=10_000)
    extra.add_argument("--sample", type=int, default=200)
    own, rest = extra.parse_known_args()
    sys.argv = [sys.argv[0], *rest]
    args = pages_args()
    args.synthetic, args.sample = own.synthetic, own.sample
    return args


def best_of(function, repeat: int = 5) -> float:
    """The fastest of `repeat` runs, in ms (the least disturbed by other processes)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return min(times)


def synthetic_places(count: int, rng: random.Random):
    from kraftsamla.twinning.matching import Place

    sectors = 9
    places = []
    for pk in range(1, count + 1):
        raw = [rng.random() ** 2 for _ in range(sectors)]
        total = sum(raw)
        shares = tuple(x / total for x in raw)
        population = int(10 ** rng.uniform(3.3, 6))
        bodies = frozenset(rng.sample(range(200), rng.randint(0, 3)))
        places.append(
            Place(
                id=pk,
                code=f"{pk:05d}",
                name=f"Synthetic {pk}",
                slug=f"synthetic-{pk}",
                x_km=rng.uniform(0, 3000),
                y_km=rng.uniform(0, 3000),
                county=str(rng.randint(1, 200)),
                fa_region=str(rng.randint(1, 600)),
                population=population,
                size_class=None,
                shares=shares,
                top_sector=None,
                trend=rng.uniform(-0.6, 0.2),
                bodies=bodies,
                neighbours=frozenset(rng.randint(1, count) for _ in range(5)),
            )
        )
    return places


def run(args: argparse.Namespace, described: str) -> None:
    import django

    django.setup()

    from bench_pages import TRIVIAL, install_bench_urlconf, start_run
    from bench_pages import timed as timed_block
    from django.test import Client
    from django.test.utils import override_settings

    from kraftsamla.core.demo import demo_data_load
    from kraftsamla.organisations.reference import reference_data_load
    from kraftsamla.twinning import matching, selectors
    from kraftsamla.twinning.matching import Purpose

    start_run("Kraftsamla twins and peers: matching", described)
    with timed_block("Reference data loaded in"):
        reference_data_load()
    with timed_block("Demo data loaded in"):
        demo_data_load(skip=("support",))

    with timed_block("Features of the 290 municipalities built in"):
        places = selectors.places_build()
    target = next(p for p in places if p.slug == "linkoping")
    weights = matching.PRESETS[Purpose.TWIN]

    print(f"\n{len(places)} municipalities (best of 5 runs each):")
    full = best_of(lambda: matching.rank(target, places, weights=weights, purpose=Purpose.TWIN))
    fast = best_of(lambda: matching.rank_fast(target, places, weights))
    print(f"  one ranking, full (every component, Match objects): {full:8.2f} ms")
    print(f"  one ranking, public components inline:              {fast:8.2f} ms")
    pairs = best_of(lambda: [matching.rank_fast(p, places, weights) for p in places], 3)
    print(
        f"  all {len(places)} × {len(places) - 1} pairs ({len(places) * (len(places) - 1):,}): "
        f"{pairs:8.1f} ms   (goal: under 50 ms)"
    )

    rng = random.Random(SEED)
    n = args.synthetic
    synthetic = synthetic_places(n, rng)
    print(f"\n{n:,} synthetic municipalities (best of 3 runs each):")
    one_full = best_of(
        lambda: matching.rank(synthetic[0], synthetic, weights=weights, purpose=Purpose.TWIN), 3
    )
    one_fast = best_of(lambda: matching.rank_fast(synthetic[0], synthetic, weights), 3)
    print(f"  one ranking, full:                     {one_full:8.1f} ms   (goal: under 50 ms)")
    print(f"  one ranking, public components inline: {one_fast:8.1f} ms   (goal: under 50 ms)")
    sample = synthetic[: args.sample]
    start = time.perf_counter()
    for place in sample:
        matching.rank_fast(place, synthetic, weights)
    per_target = (time.perf_counter() - start) / len(sample)
    print(
        f"  all {n:,} × {n - 1:,} pairs: {per_target * n:8.1f} s (scaled from {len(sample)} "
        f"targets, {per_target * 1000:.1f} ms each; goal: under 2 s)"
    )

    client = Client()
    from kraftsamla.accounts.models import User

    client.force_login(User.objects.get(email="admin.molndal@demo.kraftsamla.se"))
    pages = [
        ("trivial view (baseline)", TRIVIAL),
        ("matching page, twin city", "/tvillingstader/linkoping/"),
        ("matching page, peer", "/tvillingstader/gavle/?purpose=peer"),
        ("matching API, 25 candidates", "/api/v1/twinning/municipalities/linkoping/matches/"),
    ]
    with override_settings(ROOT_URLCONF=install_bench_urlconf()):
        print(f"\nPages as Mölndal's administrator, warm cache ({args.warmup} untimed first):")
        rows = []
        for label, url in pages:
            for _ in range(max(args.warmup, 1)):
                assert client.get(url).status_code == 200, url
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - start) * 1000)
            rows.append((label, statistics.median(times), max(times)))
        baseline = rows[0][1]
        for label, median, worst in rows:
            print(
                f"  {label:32} median {median:7.1f} ms  max {worst:7.1f} ms  "
                f"× trivial {median / baseline:6.1f}"
            )
    if not math.isfinite(baseline):
        raise SystemExit("no baseline")


def main() -> None:
    from bench_pages import run_bench

    run_bench(parse_args, run)


if __name__ == "__main__":
    main()
