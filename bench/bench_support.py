#!/usr/bin/env python3
"""Measure the regional-support pages: the coverage grid and recommendations at scale.

    .venv/bin/python bench/bench_support.py [--runs N] [--warmup N] [--database-url URL]

Creates a throw-away database like bench_pages.py (a temporary SQLite file by default),
loads the reference data and the framework, then generates fast with bulk_create a
regional body, "Bench Sverige", with 2,000 needs of its members, 300 offers of its own
(mixed statuses, capitals, collaboration forms and seats), enrolments, ratings, and
published assessments with stored results for some municipalities. It times the coverage
grid (plain and filtered), a municipality's recommendations and the two API endpoints
against a trivial view, first while the body has 13 members and then with all 290, and
checks that the query counts do not grow with the number of members.

See bench/README.md for what the figures mean and what they leave out.
"""

from __future__ import annotations

import argparse
import datetime
import random
import sys
import time
from pathlib import Path

# Shared helpers: environment and database set-up, the trivial view, timing and the table.
from bench_pages import (
    fetch,
    install_bench_urlconf,
    measure,
    print_table,
    run_bench,
    show_queries,
    start_run,
    timed,
)

ROOT = Path(__file__).resolve().parent.parent

SEED = "kraftsamla-bench-support"
BODY_SLUG = "bench-sverige"
MUNICIPALITY_SLUG = "molndal"
USER_EMAIL = "samordnare@bench.kraftsamla.invalid"
NEEDS = 2_000
OFFERS = 300
PEOPLE_PER_MUNICIPALITY = 2
# Share of needs kept private (they must never count in the grid) and made public.
PRIVATE_SHARE = 0.10
PUBLIC_SHARE = 0.05
# Every ASSESSED_EVERY-th municipality (and Mölndal) has a published assessment.
ASSESSED_EVERY = 2
ASSESSMENT_YEAR = 2025
NEED_YEARS = (2024, 2025, 2026)
# Offer statuses with their weights.
STATUS_WEIGHTS = {"planned": 20, "open": 35, "running": 25, "closed": 20}
RESTRICTED_SHARE = 0.10  # offers open only to some members (Offer.open_to)


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
        "--keep-database",
        action="store_true",
        help="do not drop the PostgreSQL database (or delete the SQLite file) at the end",
    )
    parser.add_argument(
        "--show-queries",
        action="store_true",
        help="print the SQL of one request to each support page (to look for N+1)",
    )
    args = parser.parse_args()
    if args.runs < 1 or args.warmup < 0:
        parser.error("--runs must be at least 1 and --warmup at least 0")
    return args


# --- synthetic data ---------------------------------------------------------------------------


def generate(subset: list[str]) -> dict:
    """Create the body (with the subset as members), its people, needs, offers and uptake.

    Needs are spread over all 290 municipalities, so once every municipality is a member
    all 2,000 count; with the 13-member subset only theirs do. Returns what the run needs.
    """
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from kraftsamla.accounts.models import OrganisationRole, Role, User
    from kraftsamla.capacity.models import (
        Assessment,
        AssessmentResult,
        CapitalKey,
        CollaborationForm,
        Mode,
        Purpose,
        Respondent,
        RoleGroup,
        Status,
    )
    from kraftsamla.capacity.selectors import framework_current
    from kraftsamla.core.models import SharingLevel
    from kraftsamla.organisations.models import (
        Membership,
        MembershipRole,
        Organisation,
        OrganisationKind,
    )
    from kraftsamla.support.models import (
        Enrolment,
        EnrolmentStatus,
        Need,
        Offer,
        OfferFormat,
        OfferStatus,
        Priority,
        Rating,
        TargetGroup,
    )

    rng = random.Random(SEED)
    framework = framework_current()
    municipalities = list(
        Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY).order_by("code")
    )
    by_slug = {m.slug: m for m in municipalities}
    subset_orgs = [m for m in municipalities if m.short_name in subset]
    if len(subset_orgs) != len(subset) or MUNICIPALITY_SLUG not in {m.slug for m in subset_orgs}:
        sys.exit("The 13-member subset must be Göteborgsregionen's members, Mölndal among them.")
    capitals = list(CapitalKey.values)
    forms = list(CollaborationForm.values)
    target_groups = list(TargetGroup.values)
    unusable = make_password(None)
    now = datetime.datetime.now(tz=datetime.UTC)

    with transaction.atomic():
        body = Organisation.objects.create(
            name="Bench Sverige",
            short_name="Bench Sverige",
            slug=BODY_SLUG,
            kind=OrganisationKind.REGIONAL_BODY,
            description="Bench: an invented body for the support benchmark.",
            is_demo=True,
        )
        Membership.objects.bulk_create(
            [
                Membership(member=m, body=body, role=MembershipRole.MEMBER, is_demo=True)
                for m in subset_orgs
            ]
        )
        # The person measuring: administrator of the body and of Mölndal.
        user = User.objects.create(
            email=USER_EMAIL, full_name="Bench Samordnare", password=unusable, is_demo=True
        )
        OrganisationRole.objects.bulk_create(
            [
                OrganisationRole(user=user, organisation=body, role=Role.ADMIN),
                OrganisationRole(
                    user=user, organisation=by_slug[MUNICIPALITY_SLUG], role=Role.ADMIN
                ),
            ]
        )
        # Two people per municipality, who enrol in offers.
        people = User.objects.bulk_create(
            [
                User(
                    email=f"person{i}.{m.slug}@bench.kraftsamla.invalid",
                    full_name=f"Bench Person {i} ({m.display_name})",
                    password=unusable,
                    is_demo=True,
                )
                for m in municipalities
                for i in range(1, PEOPLE_PER_MUNICIPALITY + 1)
            ],
            batch_size=1000,
        )
        people_of = {
            m.pk: people[n * PEOPLE_PER_MUNICIPALITY : (n + 1) * PEOPLE_PER_MUNICIPALITY]
            for n, m in enumerate(municipalities)
        }
        OrganisationRole.objects.bulk_create(
            [
                OrganisationRole(user=u, organisation_id=org_id, role=Role.VIEWER)
                for org_id, us in people_of.items()
                for u in us
            ],
            batch_size=1000,
        )

        # Published assessments with stored results, so recommendations have scores.
        assessed = [m for i, m in enumerate(municipalities) if i % ASSESSED_EVERY == 0]
        if by_slug[MUNICIPALITY_SLUG] not in assessed:
            assessed.append(by_slug[MUNICIPALITY_SLUG])
        assessments = Assessment.objects.bulk_create(
            [
                Assessment(
                    organisation=m,
                    framework=framework,
                    year=ASSESSMENT_YEAR,
                    purpose=Purpose.BASELINE,
                    purpose_note="Bench: invented assessment",
                    mode=Mode.GROUP,
                    status=Status.PUBLISHED,
                    sharing_level=SharingLevel.REGION,
                    published_at=now,
                    is_demo=True,
                )
                for m in assessed
            ],
            batch_size=1000,
        )
        AssessmentResult.objects.bulk_create(
            [
                AssessmentResult(
                    assessment=a,
                    capital_key=key,
                    score=round(rng.uniform(10, 90), 1),
                    share_answered=1.0,
                    consensus=round(rng.uniform(0.4, 1.0), 2),
                )
                for a in assessments
                for key in capitals
            ],
            batch_size=1000,
        )
        # The person measuring answered Mölndal's assessment as a strategic coordinator,
        # so "meant for people in your role" counts too.
        molndal_assessment = next(
            a for a in assessments if a.organisation_id == by_slug[MUNICIPALITY_SLUG].pk
        )
        Respondent.objects.create(
            assessment=molndal_assessment,
            user=user,
            role_group=RoleGroup.STRATEGIC,
            submitted_at=now,
        )

        # 2,000 needs over all municipalities (Mölndal has a few for sure).
        def sharing() -> str:
            x = rng.random()
            if x < PRIVATE_SHARE:
                return SharingLevel.PRIVATE
            if x < PRIVATE_SHARE + PUBLIC_SHARE:
                return SharingLevel.PUBLIC
            return SharingLevel.REGION

        owners = [by_slug[MUNICIPALITY_SLUG]] * 4 + [
            rng.choice(municipalities) for _ in range(NEEDS - 4)
        ]
        Need.objects.bulk_create(
            [
                Need(
                    organisation=org,
                    capital=rng.choice(capitals),
                    collaboration_form=rng.choice(forms) if rng.random() < 0.85 else "",
                    description=f"Bench: need {n} of {org.display_name}.",
                    priority=rng.choice(Priority.values),
                    target_group=rng.choice(target_groups) if rng.random() < 0.6 else "",
                    year=rng.choice(NEED_YEARS),
                    sharing_level=sharing(),
                    is_demo=True,
                )
                for n, org in enumerate(owners, 1)
            ],
            batch_size=1000,
        )

        # 300 offers of the body.
        statuses = rng.choices(
            list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()), k=OFFERS
        )
        offers = []
        for n, status in enumerate(statuses, 1):
            continuous = status == OfferStatus.RUNNING and rng.random() < 0.4
            if status == OfferStatus.CLOSED:
                start = datetime.date(2024, rng.randint(1, 6), 1)
                end = start + datetime.timedelta(days=rng.randint(30, 200))
            elif status == OfferStatus.PLANNED:
                start = datetime.date(2026, rng.randint(1, 12), 1)
                end = start + datetime.timedelta(days=rng.randint(30, 300))
            else:
                start = datetime.date(rng.choice((2025, 2026)), rng.randint(1, 12), 1)
                end = start + datetime.timedelta(days=rng.randint(60, 400))
            offers.append(
                Offer(
                    provider=body,
                    title=f"Bench-erbjudande {n:03d}",
                    description=f"Bench: offer {n}, invented for the benchmark.",
                    capitals=rng.sample(capitals, k=rng.choice((1, 1, 2, 3))),
                    collaboration_form=rng.choice(forms),
                    target_groups=rng.sample(target_groups, k=rng.randint(0, 3)),
                    format=rng.choice(OfferFormat.values),
                    delivered_by="Bench Sverige",
                    seats=None if rng.random() < 0.3 else rng.randint(5, 40),
                    is_continuous=continuous,
                    start_date=None if continuous else start,
                    end_date=None if continuous else end,
                    status=status,
                    open_to_all_members=rng.random() >= RESTRICTED_SHARE,
                    created_by=user,
                    is_demo=True,
                )
            )
        offers = Offer.objects.bulk_create(offers, batch_size=500)
        OpenTo = Offer.open_to.through
        OpenTo.objects.bulk_create(
            [
                OpenTo(offer_id=o.pk, organisation_id=m.pk)
                for o in offers
                if not o.open_to_all_members
                for m in {by_slug[MUNICIPALITY_SLUG], *rng.sample(municipalities, k=10)}
            ],
            batch_size=1000,
        )

        # Enrolments in open, running and closed offers; ratings of closed ones.
        enrolments = []
        for o in offers:
            if o.status == OfferStatus.PLANNED:
                continue
            taken = 0
            for m in rng.sample(municipalities, k=rng.randint(2, 12)):
                person = rng.choice(people_of[m.pk])
                full = o.seats is not None and taken >= o.seats
                enrolments.append(
                    Enrolment(
                        offer=o,
                        organisation=m,
                        participant=person,
                        status=EnrolmentStatus.WAITING if full else EnrolmentStatus.ENROLLED,
                        created_by=person,
                    )
                )
                taken += not full
        enrolments = Enrolment.objects.bulk_create(enrolments, batch_size=1000)
        closed = {o.pk for o in offers if o.status == OfferStatus.CLOSED}
        ratings = Rating.objects.bulk_create(
            [
                Rating(enrolment=e, score=rng.choice((2, 3, 4, 4, 5, 5)), comment="Bench")
                for e in enrolments
                if e.offer_id in closed
                and e.status == EnrolmentStatus.ENROLLED
                and rng.random() < 0.7
            ],
            batch_size=1000,
        )
    if connection.vendor == "postgresql":
        # Fresh statistics, as autovacuum would gather after a bulk load.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "body": body,
        "user": user,
        "municipalities": municipalities,
        "subset": subset_orgs,
        "counts": {
            "people": len(people),
            "assessments": len(assessments),
            "results": len(assessments) * len(capitals),
            "needs": NEEDS,
            "offers": len(offers),
            "by status": dict(sorted((s, statuses.count(s)) for s in STATUS_WEIGHTS)),
            "restricted": sum(not o.open_to_all_members for o in offers),
            "enrolments": len(enrolments),
            "ratings": len(ratings),
        },
    }


def add_remaining_members(body, municipalities, subset) -> int:
    from kraftsamla.organisations.models import Membership, MembershipRole

    in_subset = {m.pk for m in subset}
    created = Membership.objects.bulk_create(
        [
            Membership(member=m, body=body, role=MembershipRole.MEMBER, is_demo=True)
            for m in municipalities
            if m.pk not in in_subset
        ],
        batch_size=1000,
    )
    return len(created)


# --- measuring ------------------------------------------------------------------------------


def check_pages(client, body, municipality_slug: str, members: int) -> str:
    """Sanity checks on what the pages show; return a one-line summary."""
    from kraftsamla.support import selectors

    grid = selectors.coverage_grid(body=body)
    if grid.member_count != members:
        sys.exit(f"The grid counts {grid.member_count} members, expected {members}.")
    html = fetch(client, f"/stod/{body.slug}/tackning/").content.decode()
    if 'id="coverage-grid"' not in html:
        sys.exit("The coverage page has no grid.")
    api = fetch(client, f"/api/v1/support/organisations/{municipality_slug}/recommendations/")
    ranked = api.json()
    if not ranked or not all(r["reasons"] for r in ranked):
        sys.exit("Expected recommendations, each with reasons.")
    needs = grid.need_count
    return (
        f"{grid.member_count} members: {needs} shared needs in the grid, "
        f"{len(grid.gaps)} gaps, {len(grid.unused)} cells with offers but no need; "
        f"{len(ranked)} recommendations for {municipality_slug}, top score {ranked[0]['score']}"
    )


def pages_for(body_slug: str, municipality_slug: str) -> list[tuple[str, str]]:
    coverage = f"/stod/{body_slug}/tackning/"
    return [
        ("trivial view (baseline)", "/bench-trivial/"),
        ("coverage grid", coverage),
        ("coverage, politicians 2025", f"{coverage}?target_group=politicians&year=2025"),
        ("recommendations (HTML)", f"/stod/organisation/{municipality_slug}/"),
        ("API coverage", f"/api/v1/support/bodies/{body_slug}/coverage/"),
        (
            "API recommendations",
            f"/api/v1/support/organisations/{municipality_slug}/recommendations/",
        ),
    ]


# --- repeat views, 304 and the first view after a change -----------------------------------


def need_write(count: list[int]):
    """Return a service write that changes what both pages show: a new shared need of a
    member other than Mölndal (so Mölndal's own list of needs keeps its size).

    The bench runs in autocommit, so the write's on-commit version bump happens at once.
    """
    from kraftsamla.core.access import SYSTEM
    from kraftsamla.organisations.models import Membership
    from kraftsamla.support import services

    member = (
        Membership.objects.filter(body__slug=BODY_SLUG)
        .exclude(member__slug=MUNICIPALITY_SLUG)
        .select_related("member")
        .order_by("member__name")
        .first()
        .member
    )

    def write() -> None:
        count[0] += 1
        services.need_save(
            actor=SYSTEM,
            organisation=member,
            data={
                "capital": "financial",
                "collaboration_form": "knowledge_base",
                "description": f"Bench: a need written before a timed view ({count[0]}).",
                "priority": 2,
                "target_group": "",
                "year": 2025,
                "sharing_level": "region",
            },
            is_demo=True,
        )

    return write


MODES = ("first view after a change", "repeat (cache warm)", "repeat (304)")


class ModeResult:
    def __init__(self, label: str, url: str, mode: str) -> None:
        self.label, self.url, self.mode = label, url, mode
        self.times_ms: list[float] = []
        self.queries = 0

    @property
    def median(self) -> float:
        import statistics

        return statistics.median(self.times_ms)


def _get(client, url: str, expected: int, **headers):
    response = client.get(url, **headers)
    if response.status_code != expected:
        sys.exit(f"GET {url} answered {response.status_code}, expected {expected}")
    return response


def _queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def measure_modes(client, pages, runs: int, warmup: int, write) -> tuple[float, list[ModeResult]]:
    """Time each page as the first view after a service write, warm, and as a 304.

    Per run and page: the write (not timed), the first view, a repeat, a conditional repeat
    with the ETag just received. The trivial view is timed in the same rounds.
    """
    import gc

    trivial_url = pages[0][1]
    results = {
        (label, mode): ModeResult(label, url, mode) for label, url in pages[1:] for mode in MODES
    }
    for _label, url in pages[1:]:
        for _ in range(warmup):
            write()
            _get(client, url, 200)
    for label, url in pages[1:]:
        write()
        results[(label, MODES[0])].queries = _queries(lambda url=url: _get(client, url, 200))
        results[(label, MODES[1])].queries = _queries(lambda url=url: _get(client, url, 200))
        etag = _get(client, url, 200)["ETag"]
        results[(label, MODES[2])].queries = _queries(
            lambda url=url, etag=etag: _get(client, url, 304, HTTP_IF_NONE_MATCH=etag)
        )
    trivial: list[float] = []
    clock = time.perf_counter
    gc.collect()
    for _ in range(runs):
        start = clock()
        _get(client, trivial_url, 200)
        trivial.append((clock() - start) * 1000)
        for label, url in pages[1:]:
            write()
            timings = []
            start = clock()
            _get(client, url, 200)
            timings.append(clock() - start)
            start = clock()
            etag = _get(client, url, 200)["ETag"]
            timings.append(clock() - start)
            start = clock()
            _get(client, url, 304, HTTP_IF_NONE_MATCH=etag)
            timings.append(clock() - start)
            for mode, elapsed in zip(MODES, timings, strict=True):
                results[(label, mode)].times_ms.append(elapsed * 1000)
    import statistics

    return statistics.median(trivial), list(results.values())


def print_modes(baseline: float, results: list[ModeResult]) -> None:
    width = max(len(r.label) for r in results)
    mode_width = max(len(m) for m in MODES)
    print(f"  trivial view median {baseline:.2f} ms")
    print(
        f"  {'page':<{width}}  {'view':<{mode_width}}  {'median ms':>9}  {'min ms':>7}  "
        f"{'queries':>7}  {'× trivial':>9}"
    )
    for r in results:
        print(
            f"  {r.label:<{width}}  {r.mode:<{mode_width}}  {r.median:>9.2f}  "
            f"{min(r.times_ms):>7.2f}  {r.queries:>7}  {r.median / baseline:>9.1f}"
        )


def needs_more(count: int, seed: int) -> None:
    """Bulk-create `count` more needs spread like the first ones (for the scaling check)."""
    from kraftsamla.capacity.models import CapitalKey, CollaborationForm
    from kraftsamla.core.models import SharingLevel
    from kraftsamla.organisations.models import Organisation, OrganisationKind
    from kraftsamla.support.models import Need, Priority, TargetGroup

    rng = random.Random(f"{SEED}-more-{seed}")
    municipalities = list(Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY))
    levels = [SharingLevel.PRIVATE, SharingLevel.PUBLIC, SharingLevel.REGION]
    weights = [PRIVATE_SHARE, PUBLIC_SHARE, 1 - PRIVATE_SHARE - PUBLIC_SHARE]
    Need.objects.bulk_create(
        [
            Need(
                organisation=rng.choice(municipalities),
                capital=rng.choice(CapitalKey.values),
                collaboration_form=(
                    rng.choice(CollaborationForm.values) if rng.random() < 0.85 else ""
                ),
                description=f"Bench: extra need {seed}-{n}.",
                priority=rng.choice(Priority.values),
                target_group=rng.choice(TargetGroup.values) if rng.random() < 0.6 else "",
                year=rng.choice(NEED_YEARS),
                sharing_level=rng.choices(levels, weights=weights)[0],
                is_demo=True,
            )
            for n in range(count)
        ],
        batch_size=1000,
    )


def coverage_scaling(client, body_slug: str, runs: int, write) -> None:
    """The grid's first view after a change with 1×, 2× and 4× the needs."""
    from django.db import connection

    from kraftsamla.support.models import Need

    url = f"/stod/{body_slug}/tackning/"
    first = None
    print("Coverage grid, first view after a change, by number of needs (1×, 2×, 4×):")
    for factor in (1, 2, 4):
        if factor > 1:
            needs_more(NEEDS * factor // 2, factor)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
        pages = [("trivial", "/bench-trivial/"), ("coverage grid", url)]
        baseline, results = measure_modes(client, pages, runs, 2, write)
        cold = results[0]
        first = first or cold.median
        print(
            f"  {factor}× data ({Need.objects.count():,} needs): median {cold.median:.2f} ms, "
            f"{cold.median / baseline:.1f}× trivial, {cold.queries} queries; "
            f"time {cold.median / first:.2f}× the 1× figure for {factor}× the needs"
        )


# --- the run --------------------------------------------------------------------------------


def main() -> None:
    run_bench(parse_args, run)


def run(args: argparse.Namespace, described: str) -> None:
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from kraftsamla.organisations.demo import GR_MEMBERS
    from kraftsamla.organisations.reference import reference_data_load

    start_run("Kraftsamla regional-support benchmark", described)

    print()
    with timed("Reference data loaded in"):
        reference_data_load()
    with timed("Framework loaded in"):
        call_command("load_framework", verbosity=0)
    start = time.perf_counter()
    data = generate(GR_MEMBERS)
    body, user = data["body"], data["user"]
    c = data["counts"]
    print(f"Support data generated in {time.perf_counter() - start:.2f} s:")
    print(
        f"  {c['needs']:,} needs over the 290 municipalities (about {PRIVATE_SHARE:.0%} private, "
        f"{PUBLIC_SHARE:.0%} public, the rest shared with the region), {c['offers']} offers of "
        f"{body.name} ({', '.join(f'{n} {s}' for s, n in c['by status'].items())}; "
        f"{c['restricted']} open only to some members), {c['enrolments']:,} enrolments, "
        f"{c['ratings']} ratings, {c['people']} people, {c['assessments']} published "
        f"assessments with {c['results']:,} stored results"
    )

    urlconf = install_bench_urlconf()
    client = Client()
    client.force_login(user)
    pages = pages_for(BODY_SLUG, MUNICIPALITY_SLUG)
    print()
    print(
        f"As {USER_EMAIL} (administrator of {body.name} and of Mölndal), "
        f"{args.warmup} warm-up + {args.runs} timed runs per page, round-robin; "
        "django.test.Client through the full middleware stack."
    )

    with override_settings(ROOT_URLCONF=urlconf):
        print()
        print(f"Phase 1: {body.name} with {len(data['subset'])} members (Göteborgsregionen's).")
        print("  " + check_pages(client, body, MUNICIPALITY_SLUG, len(data["subset"])))
        small = measure(client, pages, args.runs, args.warmup)
        print()
        print_table(small, small[0].median)

        added = add_remaining_members(body, data["municipalities"], data["subset"])
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        members = len(data["subset"]) + added
        print()
        print(f"Phase 2: {body.name} with all {members} municipalities as members.")
        print("  " + check_pages(client, body, MUNICIPALITY_SLUG, members))
        large = measure(client, pages, args.runs, args.warmup)
        print()
        print_table(large, large[0].median)

        write = need_write([0])
        print()
        print(
            "Repeat views and the first view after a change (a service write, a new shared "
            f"need of a member, before each timed first view), {members} members:"
        )
        baseline, modes = measure_modes(client, pages, args.runs, args.warmup, write)
        print_modes(baseline, modes)
        print()
        coverage_scaling(client, BODY_SLUG, args.runs, write)

        print()
        print("Query counts by number of members (the count must not depend on it):")
        width = max(len(label) for label, _url in pages)
        for s, g in zip(small[1:], large[1:], strict=True):
            same = "same" if s.queries == g.queries else "GROWS"
            print(
                f"  {s.label:<{width}}  queries {len(data['subset'])} members: {s.queries}, "
                f"{members} members: "
                f"{g.queries} ({same}); median {s.median:.2f} → {g.median:.2f} ms"
            )

        if args.show_queries:
            for _label, url in pages[1:]:
                show_queries(client, url)


if __name__ == "__main__":
    main()
