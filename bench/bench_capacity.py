#!/usr/bin/env python3
"""Measure the transition-capacity pages with 290 municipalities × 3 assessed years.

    .venv/bin/python bench/bench_capacity.py [--runs N] [--warmup N] [--database-url URL]

Creates a throw-away database like bench_pages.py (a temporary SQLite file by default),
loads the reference data, the framework and the organisations' demo data, then
generates published assessments fast with bulk_create: every municipality × 2023, 2024
and 2025, five respondents each, an answer to every statement, and the stored
per-capital results written by the same function the publish step uses. It times the
regional heatmap for a body with 13 members and one with all 290, a municipality's
results page and the API detail against a trivial view, and checks that the query
counts do not grow with the number of members.

See bench/README.md for what the figures mean and what they leave out.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import random
import sys
import time
from pathlib import Path

# Shared helpers: environment and database set-up, the trivial view, timing and the table.
from bench_pages import (
    Result,
    fetch,
    install_bench_urlconf,
    print_table,
    run_bench,
    show_queries,
    start_run,
    timed,
)

ROOT = Path(__file__).resolve().parent.parent

YEARS = (2023, 2024, 2025)
RESPONDENTS = 5
DONT_KNOW_SHARE = 0.05
SEED = "kraftsamla-bench-capacity"
BENCH_BODY_SLUG = "bench-sverige"
GR_SLUG = "goteborgsregionen"
COORDINATOR_EMAIL = "koordinator@bench.kraftsamla.invalid"
MOLNDAL_LOGIN = "admin.molndal@demo.kraftsamla.se"
ANSWER_BATCH = 20_000


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
        help="print the SQL of one request to each capacity page (to look for N+1)",
    )
    args = parser.parse_args()
    if args.runs < 1 or args.warmup < 0:
        parser.error("--runs must be at least 1 and --warmup at least 0")
    return args


# --- synthetic assessments ------------------------------------------------------------------


def generate_assessments() -> dict[str, int]:
    """Bulk-create published group assessments for every municipality and year.

    Returns row counts. The stored results are written by services._store_results, the
    function the publish step calls, one assessment at a time.
    """
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from kraftsamla.accounts.models import OrganisationRole, Role, User
    from kraftsamla.capacity import services
    from kraftsamla.capacity.models import (
        Answer,
        Assessment,
        AssessmentResult,
        CapitalNote,
        CollaborationForm,
        Mode,
        Purpose,
        Respondent,
        RoleGroup,
        Statement,
        Status,
    )
    from kraftsamla.capacity.selectors import framework_current
    from kraftsamla.core.models import SharingLevel
    from kraftsamla.organisations.models import Organisation, OrganisationKind

    framework = framework_current()
    municipalities = list(
        Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY).order_by("code")
    )
    statements = list(
        Statement.objects.filter(capital__framework=framework)
        .select_related("capital")
        .order_by("capital__order", "order")
    )
    capitals = {s.capital.key: s.capital for s in statements}
    role_groups = list(RoleGroup)
    forms = list(CollaborationForm)
    rng = random.Random(SEED)
    # One unusable password hash for all: hashing 1,450 passwords would dominate the run.
    unusable = make_password(None)
    now = datetime.datetime.now(tz=datetime.UTC)

    clock = time.perf_counter
    start = clock()
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(
                    email=f"respondent{i}.{m.slug}@bench.kraftsamla.invalid",
                    full_name=f"Bench Respondent {i} ({m.display_name})",
                    password=unusable,
                    is_demo=True,
                )
                for m in municipalities
                for i in range(1, RESPONDENTS + 1)
            ],
            batch_size=1000,
        )
        people = {
            m.pk: users[n * RESPONDENTS : (n + 1) * RESPONDENTS]
            for n, m in enumerate(municipalities)
        }
        OrganisationRole.objects.bulk_create(
            [
                OrganisationRole(user=u, organisation_id=org_id, role=Role.VIEWER)
                for org_id, us in people.items()
                for u in us
            ],
            batch_size=1000,
        )
        assessments = Assessment.objects.bulk_create(
            [
                Assessment(
                    organisation=m,
                    framework=framework,
                    year=year,
                    purpose=Purpose.BASELINE if year == YEARS[0] else Purpose.FOLLOW_UP,
                    purpose_note="Bench: invented assessment",
                    mode=Mode.GROUP,
                    status=Status.PUBLISHED,
                    sharing_level=SharingLevel.REGION,
                    published_at=datetime.datetime(year, 11, 30, 12, tzinfo=datetime.UTC),
                    is_demo=True,
                )
                for m in municipalities
                for year in YEARS
            ],
            batch_size=1000,
        )
        respondents = Respondent.objects.bulk_create(
            [
                Respondent(
                    assessment=a,
                    user=u,
                    role_group=role_groups[i % len(role_groups)],
                    submitted_at=now,
                )
                for a in assessments
                for i, u in enumerate(people[a.organisation_id])
            ],
            batch_size=1000,
        )

        people_in = clock() - start

        # A municipality's underlying level per capital, improving a little each year;
        # politicians answer more rosily, so some statements have low consensus.
        base = {m.pk: {key: rng.uniform(0.6, 3.2) for key in capitals} for m in municipalities}
        year_of = {a.pk: a.year for a in assessments}
        org_of = {a.pk: a.organisation_id for a in assessments}
        n_answers = 0
        batch: list[Answer] = []
        notes: list[CapitalNote] = []
        for n, r in enumerate(respondents):
            level = base[org_of[r.assessment_id]]
            lift = 0.25 * (year_of[r.assessment_id] - YEARS[0])
            bias = 0.7 if r.role_group == RoleGroup.POLITICIANS else 0.0
            for st in statements:
                if rng.random() < DONT_KNOW_SHARE:
                    batch.append(Answer(respondent=r, statement=st, score=None, dont_know=True))
                else:
                    value = level[st.capital.key] + lift + bias + rng.gauss(0, 0.7)
                    batch.append(
                        Answer(respondent=r, statement=st, score=max(0, min(4, round(value))))
                    )
            if n % RESPONDENTS == 0:  # the first respondent notes what would help
                weakest = sorted(level, key=level.get)[:2]
                notes.extend(
                    CapitalNote(
                        respondent=r,
                        capital=capitals[key],
                        strengthen=f"Bench: what would strengthen {key}.",
                        collaboration_form=rng.choice(forms),
                    )
                    for key in weakest
                )
            if len(batch) >= ANSWER_BATCH:
                Answer.objects.bulk_create(batch, batch_size=2000)
                n_answers += len(batch)
                batch = []
        Answer.objects.bulk_create(batch, batch_size=2000)
        n_answers += len(batch)
        CapitalNote.objects.bulk_create(notes, batch_size=1000)
    answers_in = clock() - start - people_in

    # Fresh statistics, as autovacuum would gather after a bulk load; without them
    # PostgreSQL plans a sequential scan of all answers for one assessment's answers.
    def analyze() -> float:
        began = clock()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        return clock() - began

    analyze_in = analyze()

    # What the publish step writes: services.assessment_transition(action="publish") calls
    # _store_results; the rest of that step (permission check, audit event) is left out.
    start = clock()
    with transaction.atomic():
        for a in assessments:
            services._store_results(a)
    stored_in = clock() - start
    analyze_in += analyze()  # and for the stored results the pages read

    return {
        "users": len(users),
        "assessments": len(assessments),
        "respondents": len(respondents),
        "answers": n_answers,
        "notes": len(notes),
        "results": AssessmentResult.objects.count(),
        "statements": len(statements),
        "people_s": people_in,
        "answers_s": answers_in,
        "analyze_s": analyze_in,
        "store_results_s": stored_in,
    }


def create_bench_body_and_coordinator():
    """Create 'Bench Sverige' with all municipalities and a user with a role in both bodies."""
    from django.contrib.auth.hashers import make_password

    from kraftsamla.accounts.models import OrganisationRole, Role, User
    from kraftsamla.organisations.models import (
        Membership,
        MembershipRole,
        Organisation,
        OrganisationKind,
    )

    body = Organisation.objects.create(
        name="Bench Sverige",
        short_name="Bench Sverige",
        slug=BENCH_BODY_SLUG,
        kind=OrganisationKind.REGIONAL_BODY,
        description="Bench: an invented body with every municipality as a member.",
        is_demo=True,
    )
    Membership.objects.bulk_create(
        [
            Membership(member=m, body=body, role=MembershipRole.MEMBER, is_demo=True)
            for m in Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY)
        ],
        batch_size=1000,
    )
    coordinator = User.objects.create(
        email=COORDINATOR_EMAIL,
        full_name="Bench Koordinator",
        password=make_password(None),
        is_demo=True,
    )
    gr = Organisation.objects.get(slug=GR_SLUG)
    OrganisationRole.objects.bulk_create(
        [
            OrganisationRole(user=coordinator, organisation=gr, role=Role.ADMIN),
            OrganisationRole(user=coordinator, organisation=body, role=Role.ADMIN),
        ]
    )
    return body, coordinator


# --- measuring ------------------------------------------------------------------------------


REPEAT, NOT_MODIFIED = "repeat", "304"
AFTER_WRITE, AFTER_PUBLISH = "after a write", "after a publish"


def data_changed(mode: str) -> None:
    """Bump the data versions as a capacity service write does on commit.

    AFTER_WRITE: any audited capacity write (an answer saved, a respondent added) gives
    "capacity" a new version, so every cached block that depends on it is built afresh.
    AFTER_PUBLISH: publishing an assessment of the latest year also gives the shared
    results and that year new versions, so the peer medians and that year's trend medians
    are computed afresh too (the worst case for the first view).
    """
    from kraftsamla.capacity.selectors import SHARED_RESULTS, shared_results_scope
    from kraftsamla.core.versions import bump, bump_for_event

    bump_for_event("capacity.assessment", None)
    if mode == AFTER_PUBLISH:
        bump(SHARED_RESULTS, shared_results_scope(YEARS[-1]))


class Page(Result):
    """A page, the person asking for it and how: repeat view, conditional GET, or the
    first view after a write or a publish (data versions bumped before each request, untimed)."""

    def __init__(self, label: str, url: str, client, mode: str = REPEAT):
        super().__init__(label if mode == REPEAT else f"{label} [{mode}]", url)
        self.client = client
        self.mode = mode
        self.headers: dict[str, str] = {}

    @property
    def expected(self) -> int:
        return 304 if self.mode == NOT_MODIFIED else 200

    def prepare(self) -> None:
        """Untimed: bump the data version, or request the page once first (other pages in
        the round bump the version, which changes the ETag and the cached block)."""
        if self.mode in (AFTER_WRITE, AFTER_PUBLISH):
            data_changed(self.mode)
        elif self.mode == REPEAT:
            fetch(self.client, self.url)  # the repeat view is the second request
        elif self.mode == NOT_MODIFIED:
            self.headers = {"If-None-Match": fetch(self.client, self.url)["ETag"]}

    def get(self):
        response = self.client.get(self.url, headers=self.headers)
        if response.status_code != self.expected:
            raise SystemExit(f"GET {self.url} answered {response.status_code}")
        return response


def count_page_queries(page: Page) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    page.prepare()
    with CaptureQueriesContext(connection) as ctx:
        response = page.get()
    return len(ctx.captured_queries), len(response.content)


def measure(pages: list[Page], runs: int, warmup: int) -> list[Page]:
    """Like bench_pages.measure, but every page carries its client and mode."""
    for page in pages:
        for _ in range(warmup):
            page.prepare()
            page.get()
        page.queries, page.bytes = count_page_queries(page)
    gc.collect()
    clock = time.perf_counter
    for _ in range(runs):
        for page in pages:
            page.prepare()
            start = clock()
            page.get()
            page.times_ms.append((clock() - start) * 1000)
    return pages


def add_history(extra_years: list[int]) -> int:
    """Bulk-create published, shared assessments with stored results for every
    municipality in `extra_years` (older years: more history, the same members shown)."""
    from kraftsamla.capacity.models import Assessment, AssessmentResult, Mode, Purpose, Status
    from kraftsamla.capacity.selectors import framework_current
    from kraftsamla.core.models import SharingLevel

    latest = list(
        AssessmentResult.objects.filter(assessment__year=YEARS[0]).values_list(
            "assessment__organisation_id", "capital_key", "score"
        )
    )
    framework = framework_current()
    organisation_ids = sorted({org_id for org_id, _key, _score in latest})
    assessments = Assessment.objects.bulk_create(
        [
            Assessment(
                organisation_id=org_id,
                framework=framework,
                year=year,
                purpose=Purpose.FOLLOW_UP,
                purpose_note="Bench: invented history",
                mode=Mode.GROUP,
                status=Status.PUBLISHED,
                sharing_level=SharingLevel.REGION,
                published_at=datetime.datetime(year, 11, 30, 12, tzinfo=datetime.UTC),
                is_demo=True,
            )
            for org_id in organisation_ids
            for year in extra_years
        ],
        batch_size=1000,
    )
    by_org: dict[int, list[Assessment]] = {}
    for assessment in assessments:
        by_org.setdefault(assessment.organisation_id, []).append(assessment)
    AssessmentResult.objects.bulk_create(
        [
            AssessmentResult(assessment=a, capital_key=key, score=score, share_answered=1.0)
            for org_id, key, score in latest
            for a in by_org[org_id]
        ],
        batch_size=2000,
    )
    return len(assessments)


def verdict(a: int, b: int) -> str:
    return "same" if a == b else "GROWS"


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

    from kraftsamla.accounts.models import User
    from kraftsamla.capacity import selectors
    from kraftsamla.capacity.models import Assessment
    from kraftsamla.core.demo import demo_data_load
    from kraftsamla.organisations.models import Organisation
    from kraftsamla.organisations.reference import reference_data_load

    start_run("Kraftsamla transition-capacity benchmark", described)

    print()
    with timed("Reference data loaded in"):
        reference_data_load()
    with timed("Framework loaded in"):
        call_command("load_framework", verbosity=0)
    with timed("Demo data (organisations) loaded in"):
        demo_data_load(skip=("capacity", "support"))
    body, coordinator = create_bench_body_and_coordinator()

    start = time.perf_counter()
    counts = generate_assessments()
    generated_in = time.perf_counter() - start
    print(
        f"Assessments generated in {generated_in:.2f} s (users, roles, assessments and "
        f"respondents {counts['people_s']:.2f} s; answers and notes {counts['answers_s']:.2f} s; "
        + (f"ANALYZE {counts['analyze_s']:.2f} s; " if connection.vendor == "postgresql" else "")
        + f"{counts['assessments']} × services._store_results {counts['store_results_s']:.2f} s):"
    )
    print(
        f"  {counts['assessments']} published assessments ({len(YEARS)} years × "
        f"{counts['assessments'] // len(YEARS)} municipalities), "
        f"{counts['respondents']:,} respondents ({counts['users']:,} users with a viewer role), "
        f"{counts['answers']:,} answers ({counts['statements']} statements each), "
        f"{counts['notes']} capital notes, {counts['results']:,} stored results"
    )

    molndal_user = User.objects.get(email=MOLNDAL_LOGIN)
    molndal_2025 = Assessment.objects.get(organisation__slug="molndal", year=YEARS[-1])
    gr = Organisation.objects.get(slug=GR_SLUG)

    # Sanity checks: every member has visible results, in the latest year and in 2023.
    for b, expected, year in ((gr, 13, None), (body, 290, None), (body, 290, YEARS[0])):
        overview = selectors.regional_overview(body=b, year=year)
        if len(overview.rows) != expected or overview.with_results != expected:
            sys.exit(
                f"{b.slug}: expected {expected} members with results, got "
                f"{overview.with_results} of {len(overview.rows)}"
            )
    groups = selectors.peer_groups(molndal_2025.organisation)
    peers = {g.key: len(g.organisation_ids) for g in groups}
    default_peers = len(groups[0].organisation_ids)

    urlconf = install_bench_urlconf()
    coord = Client()
    coord.force_login(coordinator)
    molndal = Client()
    molndal.force_login(molndal_user)

    results_url = f"/kapacitet/bedomning/{molndal_2025.pk}/resultat/"
    heat_gr = f"/kapacitet/region/{GR_SLUG}/"
    heat_all = f"/kapacitet/region/{BENCH_BODY_SLUG}/"
    peers_gr = f"{results_url}?peers=body:{GR_SLUG}"
    peers_all = f"{results_url}?peers=body:{BENCH_BODY_SLUG}"
    summary_url = f"/kapacitet/bedomning/{molndal_2025.pk}/sammanfattning/"
    cached_pages = [
        ("heatmap, 13 members (GR)", heat_gr, coord),
        ("heatmap, 290 members", heat_all, coord),
        ("heatmap, 290 members, 2023", f"{heat_all}?year=2023", coord),
        (f"results Mölndal 2025 ({default_peers} peers)", results_url, molndal),
        (f"results, ?peers=GR ({peers[f'body:{GR_SLUG}']} peers)", peers_gr, molndal),
        ("summary Mölndal 2025", summary_url, molndal),
    ]
    pages = [Page("trivial view (baseline)", "/bench-trivial/", coord)]
    for mode in (REPEAT, NOT_MODIFIED, AFTER_WRITE, AFTER_PUBLISH):
        pages += [Page(label, url, client, mode) for label, url, client in cached_pages]
    pages += [
        Page("API assessment detail", f"/api/v1/capacity/assessments/{molndal_2025.pk}/", molndal),
        Page("trivial view (Mölndal admin)", "/bench-trivial/", molndal),
    ]

    with override_settings(ROOT_URLCONF=urlconf):
        body_html = fetch(molndal, results_url).content.decode()
        if 'id="details-heading"' not in body_html:
            sys.exit("The results page has no statement-by-statement table for Mölndal's admin.")
        if fetch(molndal, summary_url).status_code != 200:
            sys.exit("The summary page did not answer.")
        print()
        print(
            f"Heatmaps as {COORDINATOR_EMAIL} (administrator of Göteborgsregionen and "
            f"{body.name}); results, summary and API as {MOLNDAL_LOGIN} (administrator of "
            f"Mölndal, so the statement-by-statement table with who differs is included)."
        )
        print(
            "Mölndal's peer groups: "
            + ", ".join(f"{k} ({n} peers)" for k, n in peers.items())
            + f"; the default is the first, {groups[0].key}."
        )
        print(
            f"Server time per request: django.test.Client through the full middleware stack, "
            f"{args.warmup} warm-up + {args.runs} timed runs per page, round-robin. "
            f"[{NOT_MODIFIED}]: a conditional GET with the page's ETag; [{AFTER_WRITE}]: "
            "before each request, untimed, the capacity data version is bumped as any "
            f"capacity service write does; [{AFTER_PUBLISH}]: as publishing an assessment of "
            "the latest year does (peer medians and that year's trend computed afresh too)."
        )
        print()
        results = measure(pages, args.runs, args.warmup)
        baseline = results[0].median
        print_table(results, baseline)

        by_label = {r.label: r for r in results}
        print()
        print(
            "Goals (issue 9): repeat ≤ 10×; first view after a change: heatmap ≤ 60×, "
            "results ≤ 40×."
        )
        for label, _url, _client in cached_pages:
            ratios = {
                mode: (by_label[label if mode == REPEAT else f"{label} [{mode}]"].median / baseline)
                for mode in (REPEAT, NOT_MODIFIED, AFTER_WRITE, AFTER_PUBLISH)
            }
            print(
                f"  {label}: " + ", ".join(f"{mode} {ratio:.1f}×" for mode, ratio in ratios.items())
            )

        by_url = {r.url: r for r in results if r.mode == AFTER_PUBLISH}
        q13, q290 = by_url[heat_gr].queries, by_url[heat_all].queries
        print()
        print(
            f"heatmap queries ({AFTER_PUBLISH}) 13 members: {q13}, 290 members: {q290} "
            f"({verdict(q13, q290)}); median {by_url[heat_gr].median:.2f} → "
            f"{by_url[heat_all].median:.2f} ms"
        )
        p_gr = by_url[peers_gr].queries
        p_all = count_page_queries(Page("", peers_all, molndal, AFTER_PUBLISH))[0]
        print(
            f"results page queries ({AFTER_PUBLISH}), peers {peers[f'body:{GR_SLUG}']}: {p_gr}, "
            f"peers {peers[f'body:{BENCH_BODY_SLUG}']}: {p_all} ({verdict(p_gr, p_all)})"
        )
        q_year = by_url[f"{heat_all}?year=2023"].queries
        print(f"heatmap queries with ?year=2023: {q_year} (latest year: {q290})")

        print()
        print("Heatmap, 290 members, against years of history (the same members shown):")
        history = {}
        for factor in (1, 2, 4):
            wanted = len(YEARS) * factor
            have = len(selectors.regional_years(body))
            if wanted > have:
                add_history(
                    list(range(YEARS[0] - (wanted - len(YEARS)), YEARS[0] - (have - len(YEARS))))
                )
            scaled = [
                Page("trivial view (baseline)", "/bench-trivial/", coord),
                Page("heatmap", heat_all, coord, REPEAT),
                Page("heatmap", heat_all, coord, AFTER_PUBLISH),
            ]
            measure(scaled, args.runs, args.warmup)
            history[factor] = scaled
            trivial = scaled[0].median
            print(
                f"  {factor}× ({len(selectors.regional_years(body))} years): "
                f"repeat {scaled[1].median / trivial:.1f}× ({scaled[1].queries} queries), "
                f"{AFTER_PUBLISH} {scaled[2].median / trivial:.1f}× "
                f"({scaled[2].queries} queries, {scaled[2].median:.2f} ms)"
            )
        counts = {scaled[2].queries for scaled in history.values()}
        print(f"  queries {AFTER_PUBLISH}: {'same' if len(counts) == 1 else 'GROWS'}")

        if args.show_queries:
            for page in pages[1:-1]:
                show_queries(page.client, page.url)


if __name__ == "__main__":
    main()
