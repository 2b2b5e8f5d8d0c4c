#!/usr/bin/env python3
"""Measure the project bank's pages: a body's portfolio, similar ideas and clusters.

    .venv/bin/python bench/bench_projects.py [--projects N] [--ideas N] [--runs N]
    .venv/bin/python bench/bench_projects.py --database-url postgres://…/kraftsamla_bench

On a throw-away database (a temporary SQLite file, or `--database-url`, as
bench/bench_pages.py does): the reference and demo data, then an invented body ("Bench
Sverige projekt") with all 290 municipalities as members and its coordinator, and
generated ideas bulk-inserted over the members (bench/bench_similarity.py's Swedish
vocabulary; about 10 % private, 10 % public, the rest shared with the region). Nothing is
made through the services: rows are bulk-inserted and the data versions bumped once.

1. With `--projects` projects (2,000): half of them scored by the body on three to six of
   its criteria (bulk-inserted scores), every decision status with its timeline step. As
   the coordinator it times the portfolio page (page 1 of the ranked list with the chart
   and decision log; filtered; the CSV download) and the portfolio API.
2. Then up to `--ideas` (20,000) ideas: "similar to this text" (the API and the idea
   form's fragment, a different text each request), the body's cluster page, and the
   portfolio page again, each as a repeat view (warm cache) and as the first view after a
   change (an idea's write: the clusters are built afresh; the similar-ideas index is
   served from the previous one while a new one is built in the background, and the
   same with that turned off, and how long the background build takes); and the first
   view after a portfolio score is written (which changes no idea: the index is kept).

Each table gives median, p95 and max in ms, the queries of one request and the ratio of
the median to a trivial view through the same middleware, in the same table.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_similarity import (  # noqa: E402
    SEED,
    SHARING_WEIGHTS,
    generate_projects,
    idea,
    print_page_table,
    similar_urls,
    time_urls,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=2_000, help="portfolio size (2,000)")
    parser.add_argument("--ideas", type=int, default=20_000, help="ideas in all (20,000)")
    parser.add_argument("--runs", type=int, default=20, help="timed repeat views (20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed first views (3)")
    parser.add_argument(
        "--change-runs", type=int, default=3, help="timed first views after a change (3)"
    )
    parser.add_argument("--database-url", help="a postgres:// URL whose name contains 'bench'")
    parser.add_argument("--cache-url", help="e.g. redis://127.0.0.1:6379/14")
    parser.add_argument("--keep-database", action="store_true", help="keep the database")
    return parser.parse_args()


def add_scores_and_decisions(body, rng: random.Random) -> tuple[int, int]:
    """Bulk-insert the body's scores of half its members' projects, and a timeline step for
    each project in a decision status; return (scores, steps)."""
    from django.db import transaction

    from kraftsamla.projects.models import PriorityScore, Project, ProjectEvent
    from kraftsamla.projects.portfolio import DEFAULT_KEYS
    from kraftsamla.projects.selectors import DECISION_STATUSES

    scores, steps = [], []
    for number, (pk, status) in enumerate(
        Project.objects.order_by("pk").values_list("pk", "status")
    ):
        if number % 2 == 0:
            for key in rng.sample(DEFAULT_KEYS, rng.randint(3, len(DEFAULT_KEYS))):
                scores.append(
                    PriorityScore(
                        body=body,
                        project_id=pk,
                        criterion=key,
                        score=rng.randint(0, 4),
                        reason="Bench: ett skäl till poängen.",
                    )
                )
        if status in DECISION_STATUSES:
            steps.append(
                ProjectEvent(
                    project_id=pk,
                    from_status="idea",
                    to_status=status,
                    actor_label="Bench Samordnare",
                    reason="Bench: beslutet och dess skäl.",
                )
            )
    with transaction.atomic():
        PriorityScore.objects.bulk_create(scores, batch_size=2000)
        ProjectEvent.objects.bulk_create(steps, batch_size=2000)
    return len(scores), len(steps)


def add_ideas(count: int, rng: random.Random) -> None:
    """Bulk-insert `count` more ideas over the municipalities (running, completed...)."""
    import datetime

    from django.db import transaction
    from django.utils import timezone

    from kraftsamla.organisations.models import Organisation, OrganisationKind
    from kraftsamla.projects.models import Project

    municipalities = list(
        Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY).order_by("code")
    )
    sharing, weights = zip(*SHARING_WEIGHTS.items(), strict=True)
    later = ("running", "completed", "declined", "parked")
    oldest = timezone.now() - datetime.timedelta(days=30)
    projects = []
    for number in range(count):
        title, _dot, summary = idea(rng).partition(". ")
        projects.append(
            Project(
                owner=municipalities[number % len(municipalities)],
                title=title[:200],
                summary=summary,
                status=rng.choice(later),
                sharing_level=rng.choices(sharing, weights)[0],
                created_at=oldest - datetime.timedelta(minutes=number),
                is_demo=True,
            )
        )
    with transaction.atomic():
        Project.objects.bulk_create(projects, batch_size=1000)


def first_views(client, pages, runs: int, change) -> None:
    """Time each page's first view after `change()` and print the table."""
    rows = [(label, *time_urls(client, urls, runs, 0, before_each=change)) for label, urls in pages]
    print_page_table(rows, statistics.median(rows[0][1]))


def wait_for_background_builds() -> None:
    """Wait until this process builds no similar-ideas index in the background."""
    from kraftsamla.core import caching

    while caching._building:
        time.sleep(0.05)


def bump_for(object_type: str):
    """Return a function that changes the data versions as a write of `object_type` does."""
    from kraftsamla.core.versions import bump, scopes_for

    def change() -> None:
        bump(*scopes_for(object_type, None))

    return change


def run(args: argparse.Namespace, described: str) -> None:
    import django

    django.setup()

    from bench_pages import TRIVIAL, install_bench_urlconf, start_run
    from bench_pages import timed as timed_block
    from django.test import Client
    from django.test.utils import override_settings

    from kraftsamla.core.demo import demo_data_load
    from kraftsamla.organisations.reference import reference_data_load
    from kraftsamla.projects.models import PriorityScore, Project

    start_run("Kraftsamla project bank: portfolio, similar ideas and clusters", described)
    with timed_block("Reference data loaded in"):
        reference_data_load()
    with timed_block("Demo data loaded in"):
        demo_data_load(skip=("capacity", "support"))
    rng = random.Random(SEED)
    demo_projects = Project.objects.count()
    with timed_block(f"{args.projects:,} projects, their scores and decisions inserted in"):
        body, user, counts = generate_projects(args.projects, rng)
        score_count, step_count = add_scores_and_decisions(body, rng)
        bump_for("projects.project")()
    print(
        f"{Project.objects.count():,} projects ({demo_projects} of the demo); generated by "
        "status: "
        + ", ".join(f"{n:,} {status}" for status, n in counts.items())
        + f"; {score_count:,} scores, {step_count:,} decision steps; {body.name} has all "
        "290 municipalities as members"
    )
    portfolio = f"/projekt/{body.slug}/portfolj/"
    portfolio_pages = [
        ("trivial view (baseline)", [TRIVIAL]),
        ("portfolio, page 1 (100 rows, chart, log)", [portfolio]),
        ("portfolio, filtered: status idea", [portfolio + "?status=idea"]),
        ("portfolio, CSV download (all rows)", [portfolio + "?format=csv"]),
        ("portfolio API, page 1", [f"/api/v1/projects/portfolio/{body.slug}/"]),
    ]
    client = Client()
    client.force_login(user)
    urlconf = install_bench_urlconf()
    with override_settings(ROOT_URLCONF=urlconf):
        shared = Project.objects.exclude(sharing_level="private").count()
        print(
            f"\nAs the body's coordinator; {shared:,} projects are shared (the portfolio "
            "leaves the private ones out)."
        )
        print(f"\n1. Portfolio with {args.projects:,} generated projects, repeat views:")
        rows = [
            (label, *time_urls(client, urls, args.runs, args.warmup))
            for label, urls in portfolio_pages
        ]
        print_page_table(rows, statistics.median(rows[0][1]))

    rest = max(args.ideas - args.projects, 0)
    with timed_block(f"\n{rest:,} more ideas inserted in"):
        add_ideas(rest, rng)
        bump_for("projects.project")()
    print(f"{Project.objects.count():,} projects in all, {PriorityScore.objects.count():,} scores")
    similar, fragment = similar_urls(rng)
    pages = [
        ("trivial view (baseline)", [TRIVIAL]),
        ("similar to this text: API", similar),
        ("similar to this text: form fragment", fragment),
        ("cluster page, not yet running", [f"/projekt/{body.slug}/kluster/"]),
        ("portfolio, page 1", [portfolio]),
    ]
    with override_settings(ROOT_URLCONF=urlconf):
        print(f"\n2. {Project.objects.count():,} ideas, repeat views (warm cache):")
        rows = [(label, *time_urls(client, urls, args.runs, args.warmup)) for label, urls in pages]
        print_page_table(rows, statistics.median(rows[0][1]))

        print(
            "\n3. First view after an idea's write (a new data version of the ideas before "
            "each request: the viewer's index and the clusters are built afresh):"
        )
        first_views(client, pages, args.change_runs, bump_for("projects.project"))

        print(
            "\n3b. The same with KRAFTSAMLA_STALE_WHILE_REBUILD off (each request builds "
            "the index itself, as before):"
        )
        change = bump_for("projects.project")
        with override_settings(KRAFTSAMLA_STALE_WHILE_REBUILD=False):
            rows = [
                (label, *time_urls(client, urls, args.change_runs, 0, before_each=change))
                for label, urls in pages[:2]
            ]
        print_page_table(rows, statistics.median(rows[0][1]))
        wait_for_background_builds()
        print("\n3c. How long the background build takes after an idea's write:")
        times = []
        for _run in range(args.change_runs):
            change()
            start = time.perf_counter()
            client.get(similar[0])  # answered from the previous index; starts the build
            wait_for_background_builds()
            times.append(time.perf_counter() - start)
        print(
            "  from the write to the new index in place: median "
            f"{statistics.median(times):.1f} s, max {max(times):.1f} s "
            f"({len(times)} builds of {Project.objects.count():,} ideas)"
        )

        print(
            "\n4. First view after a portfolio score is written (it changes no idea: the "
            "index and the clusters are kept):"
        )
        first_views(client, pages, args.change_runs, bump_for("projects.priorityscore"))


def main() -> None:
    from bench_pages import run_bench

    started = time.perf_counter()
    run_bench(parse_args, run)
    print(f"\nWhole run: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
