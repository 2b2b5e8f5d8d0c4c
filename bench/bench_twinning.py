#!/usr/bin/env python3
"""Measure the matching of municipalities (kraftsamla/twinning) and its page.

    .venv/bin/python bench/bench_twinning.py [--runs N] [--synthetic N] [--sample N]

On a throw-away database (a temporary SQLite file, or `--database-url`, as
bench/bench_pages.py does) with the reference and demo data, it times:

1. the 290 municipalities: one ranking of all 289 candidates for Linköping
   (`matching.rank`: every component as arrays, sorted, with its Match objects) and all
   290 × 289 pairs (`matching.best_for_all`: every place's 25 best candidates);
2. `--synthetic` generated municipalities (default 10,000; seeded): building the feature
   arrays, one ranking, and all N × (N − 1) pairs, computed whole;
3. the matching page (a logged-in person, warm cache) against a trivial view through the
   same middleware, in the same run, with the query count of each.

The matching is vectorised with numpy. The figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import dataclasses
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
    own, rest = extra.parse_known_args()
    sys.argv = [sys.argv[0], *rest]
    args = pages_args()
    args.synthetic = own.synthetic
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
                neighbours=frozenset(),
            )
        )
    # Neighbours are mutual, as shared boundaries are: each place gets about four.
    neighbours: dict[int, set[int]] = {pk: set() for pk in range(1, count + 1)}
    for pk in range(1, count + 1):
        for other in rng.sample(range(1, count + 1), 2):
            if other != pk:
                neighbours[pk].add(other)
                neighbours[other].add(pk)
    return [
        dataclasses.replace(place, neighbours=frozenset(neighbours[place.id])) for place in places
    ]


def run(args: argparse.Namespace, described: str) -> None:
    import django

    django.setup()

    from bench_pages import TRIVIAL, count_queries, install_bench_urlconf, start_run
    from bench_pages import timed as timed_block
    from django.test import Client
    from django.test.utils import override_settings

    from kraftsamla.core.demo import demo_data_load
    from kraftsamla.organisations.models import Organisation
    from kraftsamla.organisations.reference import reference_data_load
    from kraftsamla.twinning import matching, selectors
    from kraftsamla.twinning.matching import Purpose

    start_run("Kraftsamla twins and peers: matching", described)
    with timed_block("Reference data loaded in"):
        reference_data_load()
    with timed_block("Demo data loaded in"):
        demo_data_load(skip=("support",))

    with timed_block("Features of the 290 municipalities built in"):
        features = matching.Features(selectors.places_build())
    target = features.places[features.index[Organisation.objects.get(slug="linkoping").pk]]
    weights = matching.PRESETS[Purpose.TWIN]

    def one(features, target):
        return matching.rank(target, features, weights=weights, purpose=Purpose.TWIN)

    def everyone(features):
        return matching.best_for_all(features, weights, purpose=Purpose.TWIN)

    n = len(features)
    print(f"\n{n} municipalities (best of 5 runs each):")
    one_ms = best_of(lambda: one(features, target))
    print(f"  one ranking, {n - 1} candidates:          {one_ms:8.2f} ms")
    pairs = best_of(lambda: everyone(features))
    print(f"  all {n} × {n - 1} pairs ({n * (n - 1):,}): {pairs:8.2f} ms   (goal: under 50 ms)")

    rng = random.Random(SEED)
    n = args.synthetic
    synthetic = synthetic_places(n, rng)
    print(f"\n{n:,} synthetic municipalities (best of 3 runs each):")
    built = best_of(lambda: matching.Features(synthetic), 3)
    big = matching.Features(synthetic)
    print(f"  feature arrays built (once per data version): {built:8.1f} ms")
    one_ms = best_of(lambda: one(big, synthetic[0]), 3)
    print(f"  one ranking, {n - 1:,} candidates:       {one_ms:8.1f} ms   (goal: under 50 ms)")
    all_ms = best_of(lambda: everyone(big), 3)
    print(
        f"  all {n:,} × {n - 1:,} pairs ({n * (n - 1):,}), computed whole: "
        f"{all_ms / 1000:6.2f} s   (goal: under 2 s)"
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
            queries, _size = count_queries(client, url)
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - start) * 1000)
            rows.append((label, statistics.median(times), max(times), queries))
        baseline = rows[0][1]
        for label, median, worst, queries in rows:
            print(
                f"  {label:30} median {median:7.1f} ms  max {worst:7.1f} ms  "
                f"× trivial {median / baseline:6.1f}  {queries:3} queries"
            )
    if not math.isfinite(baseline):
        raise SystemExit("no baseline")


def main() -> None:
    from bench_pages import run_bench

    run_bench(parse_args, run)


if __name__ == "__main__":
    main()
