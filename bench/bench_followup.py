#!/usr/bin/env python3
"""Measure follow-up at scale: a body's roll-up and the import of 100,000 values.

    .venv/bin/python bench/bench_followup.py [--runs N] [--warmup N] [--database-url URL]

Creates a throw-away database like bench_pages.py (a temporary SQLite file by default),
loads the reference data, then generates with bulk_create an invented body, "Bench
Sverige", with all 290 municipalities as members, 50 indicators and 15 years of values
for every member and indicator (217,500 values, shared with the region) and a target per
member and indicator, and for one municipality 12 commitments with 6 actions each (through
the services). It times the body's roll-up (status of 14,500 member × indicator pairs), one
municipality's follow-up page, its annual report (page and API) and its indicators API
against a trivial view, as repeat
views (the roll-up is cached per data version), as first views after one member's write (each
member's statuses are cached under its own data version) and cold (cache emptied), and checks
that the query counts do not grow with the number of members. Then it imports a generated
CSV file of 100,000 values (read, checked and written, as the import page does) and
prints the rows per second.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from bench_pages import (
    count_queries,
    install_bench_urlconf,
    measure,
    print_table,
    run_bench,
    start_run,
    timed,
)

ROOT = Path(__file__).resolve().parent.parent
SEED = "kraftsamla-bench-followup"
BODY_SLUG = "bench-sverige"
MUNICIPALITY_SLUG = "molndal"
USER_EMAIL = "samordnare@bench.kraftsamla.invalid"
INDICATORS = 50
YEARS = list(range(2010, 2025))  # 15 years
IMPORT_INDICATORS = 23  # 290 × 23 × 15 = 100,050 rows


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs per page (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up runs per page (default 2)")
    parser.add_argument("--database-url", help="a postgres:// URL whose name contains 'bench'")
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()
    if args.runs < 1 or args.warmup < 0:
        parser.error("--runs must be at least 1 and --warmup at least 0")
    return args


def generate() -> dict:
    """Create the body with every municipality as member, the indicators, values, targets,
    and one municipality's commitments with their actions."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from kraftsamla.accounts.models import OrganisationRole, Role, User
    from kraftsamla.core.models import SharingLevel
    from kraftsamla.followup.models import IndicatorDefinition, IndicatorValue, Target
    from kraftsamla.organisations.models import (
        Membership,
        MembershipRole,
        Organisation,
        OrganisationKind,
    )

    rng = random.Random(SEED)
    municipalities = list(
        Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY).order_by("code")
    )
    with transaction.atomic():
        body = Organisation.objects.create(
            name="Bench Sverige",
            slug=BODY_SLUG,
            kind=OrganisationKind.REGIONAL_BODY,
            is_demo=True,
        )
        Membership.objects.bulk_create(
            [Membership(member=m, body=body, role=MembershipRole.MEMBER) for m in municipalities]
        )
        user = User.objects.create(
            email=USER_EMAIL, full_name="Bench Samordnare", password=make_password(None)
        )
        OrganisationRole.objects.create(user=user, organisation=body, role=Role.ADMIN)
        indicators = IndicatorDefinition.objects.bulk_create(
            [
                IndicatorDefinition(
                    name={"sv": f"Bench-indikator {n}", "en": f"Bench indicator {n}"},
                    unit="st",
                    direction="lower" if n % 2 else "higher",
                    kolada_kpi=f"U{90000 + n}",
                    is_demo=True,
                )
                for n in range(1, INDICATORS + 1)
            ]
        )
        values = []
        targets = []
        for m in municipalities:
            for indicator in indicators:
                level = rng.uniform(10, 100)
                slope = rng.uniform(-3, 3)
                values += [
                    IndicatorValue(
                        indicator=indicator,
                        organisation=m,
                        year=year,
                        value=round(level + slope * (year - YEARS[0]) + rng.gauss(0, 2), 2),
                        sharing_level=SharingLevel.REGION,
                        is_demo=True,
                    )
                    for year in YEARS
                ]
                targets.append(
                    Target(
                        indicator=indicator,
                        organisation=m,
                        base_year=YEARS[0],
                        target_year=2030,
                        target_value=round(level * rng.uniform(0.3, 1.5), 2),
                        sharing_level=SharingLevel.REGION,
                        is_demo=True,
                    )
                )
        IndicatorValue.objects.bulk_create(values, batch_size=5000)
        Target.objects.bulk_create(targets, batch_size=5000)
    commitments_create(
        next(m for m in municipalities if m.slug == MUNICIPALITY_SLUG), indicators, COMMITMENTS
    )
    return {
        "body": body,
        "user": user,
        "municipalities": municipalities,
        "indicators": indicators,
        "values": len(values),
        "targets": len(targets),
    }


COMMITMENTS = 12
ACTIONS = 6


def commitments_create(municipality, indicators, count: int, first: int = 0) -> None:
    """Create `count` climate-contract commitments of this year with actions and indicators."""
    import datetime

    from kraftsamla.core.access import SYSTEM
    from kraftsamla.followup import services

    year = YEARS[-1]
    for n in range(first, first + count):
        commitment = services.commitment_create(
            actor=SYSTEM,
            organisation=municipality,
            data={
                "kind": "climate_contract",
                "title": {"sv": f"Bench-åtagande {n}", "en": f"Bench commitment {n}"},
                "period_start": datetime.date(year, 1, 1),
                "period_end": datetime.date(year, 12, 31),
                "sharing_level": "public",
            },
            indicators=indicators[n % len(indicators) : n % len(indicators) + 3],
            is_demo=True,
        )
        for a in range(ACTIONS):
            services.action_create(
                actor=SYSTEM,
                commitment=commitment,
                data={"title": f"Åtgärd {a}", "status": "started", "progress": 10 * a},
                is_demo=True,
            )


def import_file(municipalities, indicators) -> bytes:
    """A long CSV the Swedish way: code without leading zero, KPI, year, decimal comma."""
    rng = random.Random(SEED + "-import")
    lines = ["Kommunkod;KPI;År;Värde"]
    for m in municipalities:
        code = str(int(m.code))  # as Excel leaves it: 0180 → 180
        for indicator in indicators[:IMPORT_INDICATORS]:
            for year in YEARS:
                lines.append(
                    f"{code};{indicator.kolada_kpi};{year};{rng.uniform(0, 5000):.2f}".replace(
                        ".", ","
                    )
                )
    return ("\n".join(lines) + "\n").encode("cp1252")


def run(args: argparse.Namespace, described: str) -> None:
    import django

    django.setup()

    from django.test import Client
    from django.test.utils import override_settings

    from kraftsamla.core.access import SYSTEM
    from kraftsamla.followup import imports, selectors, services
    from kraftsamla.organisations.reference import reference_data_load

    start_run("Kraftsamla follow-up benchmark", described)
    with timed("Reference data loaded in"):
        reference_data_load()
    start = time.perf_counter()
    data = generate()
    print(
        f"Follow-up data generated in {time.perf_counter() - start:.2f} s: "
        f"{len(data['municipalities'])} members, {len(data['indicators'])} indicators, "
        f"{data['values']:,} values, {data['targets']:,} targets"
    )

    urlconf = install_bench_urlconf()
    client = Client()
    client.force_login(data["user"])
    pages = [
        ("trivial view", "/bench-trivial/"),
        ("body roll-up (290 × 50 × 15)", f"/uppfoljning/{BODY_SLUG}/sammanstallning/"),
        ("municipality follow-up page", f"/uppfoljning/{MUNICIPALITY_SLUG}/"),
        (
            f"annual report ({COMMITMENTS} commitments)",
            f"/uppfoljning/{MUNICIPALITY_SLUG}/arsrapport/{YEARS[-1]}/",
        ),
        (
            "annual report API",
            f"/api/v1/followup/organisations/{MUNICIPALITY_SLUG}/annual-report/{YEARS[-1]}/",
        ),
        (
            "municipality indicators API",
            f"/api/v1/followup/organisations/{MUNICIPALITY_SLUG}/indicators/",
        ),
    ]
    with override_settings(ROOT_URLCONF=urlconf):
        from kraftsamla.core.versions import bump

        print("\nRepeat views (the roll-up comes from the cache):")
        results = measure(client, pages, args.runs, args.warmup)
        print_table(results, results[0].median)
        trivial_ms = results[0].median
        # A real write (audited, bumps the data versions) to one member's value.
        member, indicator = data["municipalities"][0], data["indicators"][0]

        def one_write() -> None:
            services.indicator_value_set(
                actor=SYSTEM,
                organisation=member,
                indicator=indicator,
                year=YEARS[-1],
                data={"value": random.uniform(10, 90), "sharing_level": "region"},
            )

        print("\nFirst view after a change (one member's value written before each request):")
        cold = measure(client, pages, args.runs, args.warmup, before_each=one_write)
        print_table(cold, cold[0].median)

        from django.core.cache import cache

        print("\nCold roll-up (the cache emptied before each request: every member computed):")
        empty = measure(client, pages[:2], args.runs, args.warmup, before_each=cache.clear)
        print_table(empty, empty[0].median)

        # The roll-up's query count with fewer members must be the same.
        from kraftsamla.organisations.models import Membership, Organisation

        # Both counted cold (the roll-up and every member's statuses built).
        rollup_url = pages[1][1]
        cache.clear()
        full = count_queries(client, rollup_url)[0]
        Membership.objects.filter(body=data["body"]).exclude(
            member__slug__in=["molndal", "ale", "lerum"]
        ).delete()
        bump("followup", "organisations")
        cache.clear()
        few = count_queries(client, rollup_url)[0]
        verdict = "same" if full == few else "GROWS"
        print(f"\nRoll-up queries with 290 members: {full}; with 3: {few} ({verdict})")

        # The annual report's query count with twice the commitments must be the same.
        report_urls = (pages[3][1], pages[4][1])
        before = [count_queries(client, url)[0] for url in report_urls]
        commitments_create(
            Organisation.objects.get(slug=MUNICIPALITY_SLUG),
            data["indicators"],
            COMMITMENTS,
            first=COMMITMENTS,
        )
        after = [count_queries(client, url)[0] for url in report_urls]
        for (name, _url), first, second in zip(pages[3:5], before, after, strict=True):
            verdict = "same" if first == second else "GROWS"
            print(
                f"{name} queries with {COMMITMENTS} commitments: {first}; "
                f"with {2 * COMMITMENTS}: {second} ({verdict})"
            )

    print()
    payload = import_file(data["municipalities"], data["indicators"])
    start = time.perf_counter()
    rows = imports.read_rows(payload)
    plan = selectors.table_plan(SYSTEM, rows, imports.guess_mapping(rows), None)
    checked = time.perf_counter() - start
    if plan.problems:
        raise SystemExit(f"The generated file has bad rows: {plan.problems[:3]}")
    start = time.perf_counter()
    batch = services.values_import(actor=SYSTEM, plan=plan, file_name="bench.csv")
    written = time.perf_counter() - start
    total = checked + written
    print(
        f"Import of {len(plan.values):,} values ({len(payload) / 1e6:.1f} MB cp1252 CSV, "
        f"replacing {len(batch.replaced):,} stored values): read and checked in {checked:.2f} s, "
        f"written in {written:.2f} s; {len(plan.values) / total:,.0f} rows/s "
        f"(one row ≈ {total / len(plan.values) * 1000 / trivial_ms:.3f} × a trivial request)"
    )
    start = time.perf_counter()
    services.import_undo(actor=SYSTEM, batch=batch)
    print(f"Undo of that import: {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    run_bench(parse_args, run)
