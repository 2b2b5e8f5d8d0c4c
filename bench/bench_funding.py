#!/usr/bin/env python3
"""Measure funding: checking a joint application against its call, and ranking calls.

    .venv/bin/python bench/bench_funding.py [--runs N] [--warmup N] [--database-url URL]

Creates a throw-away database like bench_pages.py (a temporary SQLite file by default),
loads the reference data and writes, fast with bulk_create:

- a call with the ten rules of the demo Viable Cities call (wave 3) and a joint
  application for it, first with 5 parties and 2 work packages, then with 25 parties
  (one budget line each, plus the twin cities' Transition Lab lines) and 10 work packages;
- a regional body, "Bench Sverige", first with 13 members and 20 open calls, then with
  all 290 municipalities as members and 200 calls ("where the money is").

It times the application workspace (which evaluates every rule), the check panel, the
rules' outcomes in the API and the body's ranking page against a trivial view, in the
same run, and checks that the query counts do not grow with the parties, the work
packages, the calls or the members. See bench/README.md for what the figures leave out.
"""

from __future__ import annotations

import argparse
import datetime
import random
import sys
from decimal import Decimal
from pathlib import Path

from bench_pages import install_bench_urlconf, measure, print_table, run_bench, start_run, timed

ROOT = Path(__file__).resolve().parent.parent
SEED = "kraftsamla-bench-funding"
BODY_SLUG = "bench-sverige"
EMAIL = "personal@bench.kraftsamla.invalid"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs per page (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed warm-up runs per page")
    parser.add_argument("--database-url", help="a PostgreSQL database to use (name with 'bench')")
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()
    if args.runs < 1 or args.warmup < 0:
        parser.error("--runs must be at least 1 and --warmup at least 0")
    return args


def setup_base():
    """The body, the Viable Cities programme, a staff user, the call and the application."""
    from django.contrib.auth.hashers import make_password

    from kraftsamla.accounts.models import User
    from kraftsamla.core.access import SYSTEM
    from kraftsamla.funding import services
    from kraftsamla.funding.demo import VIABLE_CITIES, VIABLE_CITIES_RULES
    from kraftsamla.organisations.models import Membership, Organisation, OrganisationKind

    body = Organisation.objects.create(
        name="Bench Sverige", slug=BODY_SLUG, kind=OrganisationKind.REGIONAL_BODY, is_demo=True
    )
    programme = Organisation.objects.create(
        name="Viable Cities (bench)",
        slug=VIABLE_CITIES,
        kind=OrganisationKind.NATIONAL_PROGRAMME,
        is_demo=True,
    )
    linkoping = Organisation.objects.get(slug="linkoping")
    Membership.objects.create(member=linkoping, body=programme, role="participant")
    user = User.objects.create(
        email=EMAIL, full_name="Bench Personal", password=make_password(None), is_staff=True
    )
    today = datetime.date.today()
    rules = [
        {
            **rule,
            "parameters": {
                "opens": (today - datetime.timedelta(days=5)).isoformat(),
                "closes": (today + datetime.timedelta(days=30)).isoformat(),
            },
        }
        if rule["kind"] == "submission_window"
        else rule
        for rule in VIABLE_CITIES_RULES
    ]
    call = services.call_create(
        actor=SYSTEM,
        owner=None,
        data={
            "funder": "Bench",
            "title": {"sv": "Benchutlysning", "en": "Bench call"},
            "opens_on": today - datetime.timedelta(days=5),
            "closes_on": today + datetime.timedelta(days=30),
            "project_start_earliest": datetime.date(2024, 12, 1),
            "project_end_latest": datetime.date(2027, 10, 31),
        },
        rules=rules,
    )
    application = services.application_create(
        actor=SYSTEM,
        call=call,
        coordinator=linkoping,
        data={
            "title": "Benchansökan",
            "project_start": datetime.date(2024, 12, 1),
            "project_end": datetime.date(2027, 10, 31),
        },
    )
    return body, user, call, application


def grow_application(application, parties: int, packages: int) -> None:
    """Bring the application to `parties` parties and `packages` work packages."""
    from kraftsamla.funding.models import (
        ApplicationAttachment,
        BudgetLine,
        Invitation,
        Party,
        WorkPackage,
    )
    from kraftsamla.organisations.models import Organisation, OrganisationKind

    present = set(application.parties.values_list("organisation_id", flat=True))
    kinds = [OrganisationKind.UNIVERSITY, OrganisationKind.COMPANY, OrganisationKind.CIVIL_SOCIETY]
    extra = []
    for index, kind in enumerate(kinds):
        org, _created = Organisation.objects.get_or_create(
            slug=f"bench-partner-{index}", defaults={"name": f"Bench {kind}", "kind": kind}
        )
        extra.append(org)
    municipalities = list(
        Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY)
        .exclude(pk__in=present)
        .order_by("code")
    )
    wanted = parties - len(present)
    chosen = [org for org in extra if org.pk not in present][:wanted]
    chosen += municipalities[: wanted - len(chosen)]
    new = Party.objects.bulk_create(
        [
            Party(
                application=application,
                organisation=org,
                role="twin_city"
                if org.kind == OrganisationKind.MUNICIPALITY and n % 3 == 0
                else "party",
                invitation=Invitation.ACCEPTED,
            )
            for n, org in enumerate(chosen)
        ]
    )
    all_parties = list(application.parties.all())
    lines = []
    for party in [
        *new,
        *[p for p in all_parties if p.role == "coordinator" and not p.budget_lines.exists()],
    ]:
        lines.append(
            BudgetLine(
                party=party,
                activity="Arbete",
                support=Decimal(50_000),
                cofunding_money=Decimal(10_000),
                hours=Decimal(200),
                hourly_rate=Decimal(500),
            )
        )
        if party.role == "twin_city":
            lines.append(
                BudgetLine(
                    party=party,
                    activity="Transition Lab",
                    support=Decimal(100_000),
                    hours=Decimal(200),
                    hourly_rate=Decimal(500),
                )
            )
            ApplicationAttachment.objects.create(
                party=party,
                type="support_letter",
                signed_by="Ordförande",
                signer_role="political_leadership",
                file=f"applications/{application.pk}/bench.pdf",
                name="bench.pdf",
                kind="pdf",
                content_type="application/pdf",
                size=100,
            )
    BudgetLine.objects.bulk_create(lines)
    have = application.work_packages.count()
    for number in range(have + 1, packages + 1):
        package = WorkPackage.objects.create(
            application=application,
            number=number,
            title=f"Arbetspaket {number}",
            lead=all_parties[number % len(all_parties)],
            start_month=1,
            end_month=30,
        )
        package.parties.set(all_parties[:5])


def grow_ranking(body, calls: int, members: int) -> None:
    """Bring the body to `members` member municipalities and the platform to `calls` calls."""
    from kraftsamla.capacity.models import CapitalKey
    from kraftsamla.funding.models import Call
    from kraftsamla.organisations.models import EmissionSector, Membership, Organisation

    rng = random.Random(SEED)
    have = set(Membership.objects.filter(body=body).values_list("member_id", flat=True))
    municipalities = list(
        Organisation.objects.filter(kind="municipality").exclude(pk__in=have).order_by("code")
    )
    Membership.objects.bulk_create(
        [
            Membership(member=m, body=body, role="member")
            for m in municipalities[: members - len(have)]
        ]
    )
    today = datetime.date.today()
    count = Call.objects.count()
    Call.objects.bulk_create(
        [
            Call(
                funder=f"Benchfinansiär {n % 7}",
                title={"sv": f"Benchutlysning {n}", "en": f"Bench call {n}"},
                opens_on=today - datetime.timedelta(days=rng.randint(-30, 30)),
                closes_on=today + datetime.timedelta(days=rng.randint(31, 200)),
                capitals=rng.sample(list(CapitalKey.values), 2),
                emission_sectors=rng.sample(list(EmissionSector.values), 2),
                applicant_kinds=rng.choice([[], ["municipality"], ["company", "university"]]),
                is_demo=True,
            )
            for n in range(count, calls)
        ]
    )


def run(args: argparse.Namespace, described: str) -> None:
    import django

    django.setup()
    from django.test import Client
    from django.test.utils import override_settings

    from kraftsamla.funding import selectors
    from kraftsamla.organisations.reference import reference_data_load

    start_run("Kraftsamla funding benchmark", described)
    with timed("Reference data loaded in"):
        reference_data_load()
    body, user, call, application = setup_base()
    urlconf = install_bench_urlconf()
    client = Client()
    client.force_login(user)
    pages = [
        ("trivial view", "/bench-trivial/"),
        ("application workspace", f"/finansiering/ansokningar/{application.pk}/"),
        ("check panel (fragment)", f"/finansiering/ansokningar/{application.pk}/kontroll/"),
        ("API: rule outcomes", f"/api/v1/funding/applications/{application.pk}/outcomes/"),
        ("where the money is", f"/finansiering/region/{BODY_SLUG}/"),
    ]
    phases = [(5, 2, 20, 13), (25, 10, 200, 290)]
    queries = []
    with override_settings(ROOT_URLCONF=urlconf):
        for parties, packages, calls, members in phases:
            grow_application(application, parties, packages)
            grow_ranking(body, calls, members)
            page = selectors.application_page(application)
            outcomes = selectors.application_evaluate(page)
            passed = sum(outcome.passed for outcome in outcomes)
            print()
            print(
                f"Phase: application with {page.parties.count()} parties and "
                f"{page.work_packages.count()} work packages ({passed} of {len(outcomes)} rules "
                f"pass); {calls} calls ranked for a body of {members} members."
            )
            results = measure(client, pages, args.runs, args.warmup)
            print_table(results, results[0].median)
            queries.append([r.queries for r in results])
    print()
    same = queries[0] == queries[1]
    print(
        "Query counts "
        + ("are the same in both phases." if same else f"CHANGED: {queries[0]} -> {queries[1]}")
    )
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    run_bench(parse_args, run)
