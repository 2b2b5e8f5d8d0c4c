#!/usr/bin/env python3
"""Measure `kraftsamla.core.similarity` on generated Swedish ideas, and the pages that use it.

    .venv/bin/python bench/bench_similarity.py [--ideas N] [--queries N]
    .venv/bin/python bench/bench_similarity.py --pages [--ideas N] [--runs N] [--change-runs N]

Generates ideas (seeded, so every run sees the same texts) from about 300 Swedish
climate-transition words put together in sentence templates, with inflections and
compounds ("återbrukshubbar", "laddinfrastrukturen", "solcellsanläggning"). It times:

1. building the index of `--ideas` texts (default 20,000: the whole platform);
2. `similar(text)` for `--queries` texts (default 200; half are generated ideas,
   half are variations of indexed ideas), median and p95;
3. `clusters()` for one body: 290 members × 4 ideas (1,160 texts) in their own index,
   build and clustering timed separately.

No database: the index is built from texts in Python, so the figures are the same
on SQLite and PostgreSQL (the app adds one query to read the texts). Pickled size is
printed because the app caches the built index.

With `--pages` it measures the app instead, on a throw-away database (a temporary SQLite
file, or `--database-url`, as bench/bench_pages.py does): the reference and demo data,
an invented body ("Bench Sverige projekt") with all 290 municipalities as members, and
`--ideas` generated ideas bulk-created over them (4 per member not yet running, the
rest running, completed, declined or parked; about 10 % private and 10 % public, the
rest shared with the region). As the body's coordinator (also an editor of Mölndal) it
times "similar to this text" (the API and the idea form's live-suggestion fragment, a
different text each request) and the body's cluster page (not yet running, and all),
each as a repeat view (warm cache) and as the first view after a change (a new data
version before each request), with median, p95, query count and the ratio to a
trivial view through the same middleware.
"""

from __future__ import annotations

import argparse
import pickle
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kraftsamla.core.similarity import DEFAULT_MIN_SCORE, SimilarityIndex  # noqa: E402

SEED = "kraftsamla-bench-similarity"
MEMBERS = 290
IDEAS_PER_MEMBER = 4

# Nouns as (singular, plural, definite singular, definite plural); the first form is
# also used as the modifier of a compound, with its linking letter.
NOUNS = [
    ("återbruk", "återbruk", "återbruket", "återbruken", "återbruks"),
    ("hubb", "hubbar", "hubben", "hubbarna", "hubb"),
    ("solcell", "solceller", "solcellen", "solcellerna", "solcells"),
    ("anläggning", "anläggningar", "anläggningen", "anläggningarna", "anläggnings"),
    ("energi", "energier", "energin", "energierna", "energi"),
    ("laddstolpe", "laddstolpar", "laddstolpen", "laddstolparna", "laddstolps"),
    ("infrastruktur", "infrastrukturer", "infrastrukturen", "infrastrukturerna", "infrastruktur"),
    ("cykelbana", "cykelbanor", "cykelbanan", "cykelbanorna", "cykelbane"),
    ("cykel", "cyklar", "cykeln", "cyklarna", "cykel"),
    ("matsvinn", "matsvinn", "matsvinnet", "matsvinnen", "matsvinns"),
    ("måltid", "måltider", "måltiden", "måltiderna", "måltids"),
    ("skola", "skolor", "skolan", "skolorna", "skol"),
    ("förskola", "förskolor", "förskolan", "förskolorna", "förskole"),
    ("byggmaterial", "byggmaterial", "byggmaterialet", "byggmaterialen", "byggmaterial"),
    ("material", "material", "materialet", "materialen", "material"),
    ("möbel", "möbler", "möbeln", "möblerna", "möbel"),
    ("elbil", "elbilar", "elbilen", "elbilarna", "elbils"),
    ("bil", "bilar", "bilen", "bilarna", "bil"),
    ("buss", "bussar", "bussen", "bussarna", "buss"),
    (
        "kollektivtrafik",
        "kollektivtrafik",
        "kollektivtrafiken",
        "kollektivtrafiken",
        "kollektivtrafik",
    ),
    ("landsbygd", "landsbygder", "landsbygden", "landsbygderna", "landsbygds"),
    ("tätort", "tätorter", "tätorten", "tätorterna", "tätorts"),
    ("fastighet", "fastigheter", "fastigheten", "fastigheterna", "fastighets"),
    ("värmepump", "värmepumpar", "värmepumpen", "värmepumparna", "värmepumps"),
    ("fjärrvärme", "fjärrvärme", "fjärrvärmen", "fjärrvärmen", "fjärrvärme"),
    ("belysning", "belysningar", "belysningen", "belysningarna", "belysnings"),
    ("gatubelysning", "gatubelysningar", "gatubelysningen", "gatubelysningarna", "gatubelysnings"),
    ("vindkraft", "vindkraftverk", "vindkraften", "vindkraftverken", "vindkrafts"),
    ("biogas", "biogaser", "biogasen", "biogaserna", "biogas"),
    ("avlopp", "avlopp", "avloppet", "avloppen", "avlopps"),
    ("dagvatten", "dagvatten", "dagvattnet", "dagvattnen", "dagvatten"),
    ("våtmark", "våtmarker", "våtmarken", "våtmarkerna", "våtmarks"),
    ("skog", "skogar", "skogen", "skogarna", "skogs"),
    ("träd", "träd", "trädet", "träden", "träd"),
    ("grönyta", "grönytor", "grönytan", "grönytorna", "grönyte"),
    (
        "klimatanpassning",
        "klimatanpassningar",
        "klimatanpassningen",
        "klimatanpassningarna",
        "klimatanpassnings",
    ),
    ("översvämning", "översvämningar", "översvämningen", "översvämningarna", "översvämnings"),
    ("upphandling", "upphandlingar", "upphandlingen", "upphandlingarna", "upphandlings"),
    ("textil", "textilier", "textilen", "textilierna", "textil"),
    ("kläder", "kläder", "kläderna", "kläderna", "klädes"),
    ("plast", "plaster", "plasten", "plasterna", "plast"),
    ("förpackning", "förpackningar", "förpackningen", "förpackningarna", "förpacknings"),
    ("avfall", "avfall", "avfallet", "avfallen", "avfalls"),
    ("sortering", "sorteringar", "sorteringen", "sorteringarna", "sorterings"),
    ("massa", "massor", "massan", "massorna", "mass"),
    ("hantering", "hanteringar", "hanteringen", "hanteringarna", "hanterings"),
    ("transport", "transporter", "transporten", "transporterna", "transport"),
    ("gods", "gods", "godset", "godsen", "gods"),
    ("logistik", "logistik", "logistiken", "logistiken", "logistik"),
    ("samåkning", "samåkningar", "samåkningen", "samåkningarna", "samåknings"),
    ("pendling", "pendlingar", "pendlingen", "pendlingarna", "pendlings"),
    ("tjänsteresa", "tjänsteresor", "tjänsteresan", "tjänsteresorna", "tjänsterese"),
    ("mötesplats", "mötesplatser", "mötesplatsen", "mötesplatserna", "mötesplats"),
    ("förening", "föreningar", "föreningen", "föreningarna", "förenings"),
    ("företag", "företag", "företaget", "företagen", "företags"),
    ("näringsliv", "näringsliv", "näringslivet", "näringsliven", "näringslivs"),
    ("invånare", "invånare", "invånaren", "invånarna", "invånar"),
    ("medborgare", "medborgare", "medborgaren", "medborgarna", "medborgar"),
    ("ungdom", "ungdomar", "ungdomen", "ungdomarna", "ungdoms"),
    ("lantbruk", "lantbruk", "lantbruket", "lantbruken", "lantbruks"),
    ("livsmedel", "livsmedel", "livsmedlet", "livsmedlen", "livsmedels"),
    ("kompost", "komposter", "komposten", "komposterna", "kompost"),
    ("odling", "odlingar", "odlingen", "odlingarna", "odlings"),
    ("batteri", "batterier", "batteriet", "batterierna", "batteri"),
    ("lagring", "lagringar", "lagringen", "lagringarna", "lagrings"),
    ("vätgas", "vätgaser", "vätgasen", "vätgaserna", "vätgas"),
    ("tankstation", "tankstationer", "tankstationen", "tankstationerna", "tankstations"),
    ("renovering", "renoveringar", "renoveringen", "renoveringarna", "renoverings"),
    ("isolering", "isoleringar", "isoleringen", "isoleringarna", "isolerings"),
    ("fönster", "fönster", "fönstret", "fönstren", "fönster"),
    ("tak", "tak", "taket", "taken", "tak"),
    ("bostad", "bostäder", "bostaden", "bostäderna", "bostads"),
    ("hyresgäst", "hyresgäster", "hyresgästen", "hyresgästerna", "hyresgäst"),
    ("delning", "delningar", "delningen", "delningarna", "delnings"),
    ("bibliotek", "bibliotek", "biblioteket", "biblioteken", "biblioteks"),
    ("verktyg", "verktyg", "verktyget", "verktygen", "verktygs"),
    ("reparation", "reparationer", "reparationen", "reparationerna", "reparations"),
    ("kunskap", "kunskaper", "kunskapen", "kunskaperna", "kunskaps"),
    ("utbildning", "utbildningar", "utbildningen", "utbildningarna", "utbildnings"),
    ("kompetens", "kompetenser", "kompetensen", "kompetenserna", "kompetens"),
    ("nätverk", "nätverk", "nätverket", "nätverken", "nätverks"),
    ("samverkan", "samverkan", "samverkan", "samverkan", "samverkans"),
    ("strategi", "strategier", "strategin", "strategierna", "strategi"),
    ("plan", "planer", "planen", "planerna", "plan"),
    ("mål", "mål", "målet", "målen", "mål"),
    ("uppföljning", "uppföljningar", "uppföljningen", "uppföljningarna", "uppföljnings"),
    ("utsläpp", "utsläpp", "utsläppet", "utsläppen", "utsläpps"),
    ("koldioxid", "koldioxid", "koldioxiden", "koldioxiden", "koldioxid"),
    ("klimat", "klimat", "klimatet", "klimaten", "klimat"),
    ("budget", "budgetar", "budgeten", "budgetarna", "budget"),
    ("färdtjänst", "färdtjänster", "färdtjänsten", "färdtjänsterna", "färdtjänst"),
    ("hamn", "hamnar", "hamnen", "hamnarna", "hamn"),
    ("färja", "färjor", "färjan", "färjorna", "färje"),
    ("båt", "båtar", "båten", "båtarna", "båt"),
    ("järnväg", "järnvägar", "järnvägen", "järnvägarna", "järnvägs"),
    ("station", "stationer", "stationen", "stationerna", "stations"),
    ("parkering", "parkeringar", "parkeringen", "parkeringarna", "parkerings"),
    ("gata", "gator", "gatan", "gatorna", "gatu"),
    ("park", "parker", "parken", "parkerna", "park"),
    ("dricksvatten", "dricksvatten", "dricksvattnet", "dricksvattnen", "dricksvatten"),
    ("torka", "torkor", "torkan", "torkorna", "tork"),
    ("värme", "värme", "värmen", "värmen", "värme"),
    ("kyla", "kylor", "kylan", "kylorna", "kyl"),
    ("sjö", "sjöar", "sjön", "sjöarna", "sjö"),
    ("kust", "kuster", "kusten", "kusterna", "kust"),
    ("fiske", "fisken", "fisket", "fiskena", "fiske"),
    ("turism", "turism", "turismen", "turismen", "turism"),
    ("evenemang", "evenemang", "evenemanget", "evenemangen", "evenemangs"),
    ("idrott", "idrotter", "idrotten", "idrotterna", "idrotts"),
    ("hall", "hallar", "hallen", "hallarna", "hall"),
    ("kök", "kök", "köket", "köken", "köks"),
    ("vård", "vård", "vården", "vården", "vård"),
    ("omsorg", "omsorger", "omsorgen", "omsorgerna", "omsorgs"),
    ("äldreboende", "äldreboenden", "äldreboendet", "äldreboendena", "äldreboende"),
    ("data", "data", "datan", "datan", "data"),
    ("sensor", "sensorer", "sensorn", "sensorerna", "sensor"),
    ("mätning", "mätningar", "mätningen", "mätningarna", "mätnings"),
    ("karta", "kartor", "kartan", "kartorna", "kart"),
]

# Heads that modifiers combine with into compounds (modifier-linking + head).
COMPOUND_HEADS = [
    "hubb",
    "anläggning",
    "station",
    "plan",
    "strategi",
    "nätverk",
    "centrum",
    "projekt",
    "system",
    "tjänst",
    "program",
    "kampanj",
    "pool",
    "bank",
    "karta",
    "verkstad",
    "lager",
    "park",
    "väg",
    "plats",
]
COMPOUND_HEAD_ENDINGS = ["", "en", "ar", "er", "arna", "erna", "et"]

VERBS = [
    "starta",
    "bygga",
    "minska",
    "öka",
    "utveckla",
    "samordna",
    "inventera",
    "kartlägga",
    "förbättra",
    "ersätta",
    "dela",
    "återanvända",
    "reparera",
    "sortera",
    "installera",
    "upphandla",
    "planera",
    "testa",
    "pröva",
    "skala",
    "sprida",
    "samla",
    "mäta",
    "följa",
    "främja",
    "underlätta",
    "effektivisera",
    "elektrifiera",
    "digitalisera",
    "ställa",
]
ADJECTIVES = [
    "gemensam",
    "gemensamma",
    "regional",
    "regionala",
    "lokal",
    "lokala",
    "hållbar",
    "hållbara",
    "cirkulär",
    "cirkulära",
    "fossilfri",
    "fossilfria",
    "smart",
    "smarta",
    "digital",
    "digitala",
    "kommunal",
    "kommunala",
    "förnybar",
    "förnybara",
    "tillgänglig",
    "tillgängliga",
    "billig",
    "billigare",
    "effektiv",
    "effektiva",
    "trygg",
    "trygga",
    "grön",
    "gröna",
]
PLACES = [
    "Örebro",
    "Mölndal",
    "Kungsbacka",
    "Alingsås",
    "Lerum",
    "Partille",
    "Härryda",
    "Kungälv",
    "Stenungsund",
    "Tjörn",
    "Öckerö",
    "Ale",
    "Lilla Edet",
    "Mjölby",
    "Linköping",
    "Motala",
    "Vadstena",
    "Ödeshög",
    "Boxholm",
    "Åtvidaberg",
    "Kinda",
    "Ydre",
    "Norrköping",
    "Söderköping",
    "Valdemarsvik",
    "Finspång",
    "Umeå",
    "Luleå",
    "Skellefteå",
    "Gävle",
]

TEMPLATES = [
    "Vi vill {verb} {adj} {noun_pl} i {place}",
    "{Compound} för {noun} och {noun2}",
    "{Verb} {noun_def} med {adj} {compound_pl}",
    "En {adj} {compound} i {place} för {noun_pl}",
    "{Compound_pl} i flera kommuner: {verb} {noun_def_pl} tillsammans",
    "Hur kan vi {verb} {noun_def} och {verb2} {noun2_def}?",
    "{Noun} och {noun2} – {adj} {compound} för {noun3_pl}",
    "Förstudie: {compound} och {compound2} i {place}",
    "Pilot med {adj} {noun_pl} för att {verb} {noun2_pl} på {noun3_def}",
    "{Adj} {compound} som ska {verb} {noun_pl}",
]


def compound(rng: random.Random, *, plural: bool = False) -> str:
    modifier = rng.choice(NOUNS)[4]
    head = rng.choice(COMPOUND_HEADS)
    ending = rng.choice(COMPOUND_HEAD_ENDINGS[1:] if plural else COMPOUND_HEAD_ENDINGS[:1])
    return modifier + head + ending


def idea(rng: random.Random) -> str:
    sentences = [rng.choice(TEMPLATES).format(**slots(rng))]
    # Half the ideas have a second sentence, as summaries do.
    if rng.random() < 0.5:
        sentences.append(rng.choice(TEMPLATES).format(**slots(rng)))
    return ". ".join(sentences)


def slots(rng: random.Random) -> dict[str, str]:
    def noun(form: int) -> str:
        return rng.choice(NOUNS)[form]

    values = {
        "verb": rng.choice(VERBS),
        "verb2": rng.choice(VERBS),
        "adj": rng.choice(ADJECTIVES),
        "place": rng.choice(PLACES),
        "noun": noun(0),
        "noun2": noun(0),
        "noun_pl": noun(1),
        "noun2_pl": noun(1),
        "noun3_pl": noun(1),
        "noun_def": noun(2),
        "noun2_def": noun(2),
        "noun3_def": noun(2),
        "noun_def_pl": noun(3),
        "compound": compound(rng),
        "compound2": compound(rng),
        "compound_pl": compound(rng, plural=True),
    }
    capitalised = {name.capitalize(): value.capitalize() for name, value in values.items()}
    return values | capitalised


def vary(rng: random.Random, text: str) -> str:
    """An indexed idea said a little differently: some words dropped, one added."""
    words = text.split()
    kept = [word for word in words if rng.random() > 0.3] or words[:1]
    kept.insert(rng.randrange(len(kept) + 1), rng.choice(NOUNS)[rng.randrange(4)])
    return " ".join(kept)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ideas", type=int, default=20_000, help="indexed ideas (20,000)")
    parser.add_argument("--queries", type=int, default=200, help="timed similar() calls (200)")
    parser.add_argument("--limit", type=int, default=5, help="matches per query (5)")
    parser.add_argument(
        "--pages", action="store_true", help="measure the app's pages on a throw-away database"
    )
    parser.add_argument("--runs", type=int, default=30, help="--pages: timed repeat views (30)")
    parser.add_argument("--warmup", type=int, default=3, help="--pages: untimed first views (3)")
    parser.add_argument(
        "--change-runs",
        type=int,
        default=3,
        help="--pages: timed first views after a change (3; each rebuilds the index)",
    )
    parser.add_argument(
        "--database-url", help="--pages: a postgres:// URL whose name contains 'bench'"
    )
    parser.add_argument("--cache-url", help="--pages: e.g. redis://127.0.0.1:6379/14")
    parser.add_argument("--keep-database", action="store_true", help="--pages: keep it")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.pages:
        from bench_pages import run_bench

        run_bench(lambda: args, run_pages)
    else:
        run_index(args)


def run_index(args: argparse.Namespace) -> None:
    """Time the index on its own: build, similar(), clusters()."""
    rng = random.Random(SEED)
    word_count = len(NOUNS) * 4 + len(COMPOUND_HEADS) + len(VERBS) + len(ADJECTIVES)
    print(
        f"Vocabulary: {len(NOUNS)} nouns × 4 forms, {len(COMPOUND_HEADS)} compound heads, "
        f"{len(VERBS)} verbs, {len(ADJECTIVES)} adjectives, {len(PLACES)} places "
        f"(~{word_count} word forms plus generated compounds)"
    )
    texts = [idea(rng) for _ in range(args.ideas)]
    print(f"Example ideas: {texts[0]!r}; {texts[1]!r}")

    index, build_time = timed(SimilarityIndex.build, enumerate(texts))
    size = len(pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))
    print(
        f"\nIndex of {len(index):,} ideas: built in {build_time:.2f} s; "
        f"{len(index.features):,} features; pickled {size / 1_000_000:.1f} MB"
    )
    restored, unpickle_time = timed(pickle.loads, pickle.dumps(index))
    print(f"Unpickled (as from a cache) in {unpickle_time * 1000:.0f} ms")

    queries = [idea(rng) if n % 2 else vary(rng, rng.choice(texts)) for n in range(args.queries)]
    for query in queries[:10]:  # warm the stemmer's cache as a running server would be
        index.similar(query)
    durations, found = [], []
    for query in queries:
        matches, duration = timed(index.similar, query, limit=args.limit)
        durations.append(duration * 1000)
        found.append(len(matches))
    print(
        f"similar(text, limit={args.limit}, min_score={DEFAULT_MIN_SCORE}) over "
        f"{len(queries)} queries: median {statistics.median(durations):.2f} ms, "
        f"p95 {percentile(durations, 0.95):.2f} ms, max {max(durations):.2f} ms; "
        f"{statistics.mean(found):.1f} matches on average"
    )
    example = index.similar(queries[0], limit=3)
    print(f"  e.g. {queries[0]!r} →")
    for match in example:
        print(
            f"    {match.score:.2f} {texts[match.key]!r} (shared: {', '.join(match.shared_words)})"
        )

    body_texts = texts[: MEMBERS * IDEAS_PER_MEMBER]
    body_index, body_build = timed(SimilarityIndex.build, enumerate(body_texts))
    for min_score in (0.3, 0.5):
        groups, cluster_time = timed(body_index.clusters, min_score=min_score)
        sizes = sorted((len(group) for group in groups), reverse=True)
        print(
            f"\nclusters(min_score={min_score}) for a body of {MEMBERS} members × "
            f"{IDEAS_PER_MEMBER} ideas ({len(body_texts):,}): build {body_build * 1000:.0f} ms, "
            f"clustering {cluster_time * 1000:.0f} ms; {len(groups)} clusters, "
            f"largest {sizes[:5]}"
        )
    keys = range(MEMBERS * IDEAS_PER_MEMBER)
    groups, subset_time = timed(index.clusters, min_score=0.5, keys=keys)
    print(
        f"clusters(min_score=0.5, keys=those {len(keys):,}) inside the 20,000-idea index: "
        f"{subset_time * 1000:.0f} ms; {len(groups)} clusters"
    )
    assert restored.similar(queries[0]) == index.similar(queries[0])


# --- The app's pages (--pages) -------------------------------------------------------------

PAGES_BODY_SLUG = "bench-sverige-projekt"
PAGES_USER = "samordnare@bench-projekt.kraftsamla.invalid"
EARLY_PER_MEMBER = 4
# Shares of the generated ideas' sharing levels, and the statuses after the early ones.
SHARING_WEIGHTS = {"region": 80, "private": 10, "public": 10}
LATER_WEIGHTS = {"running": 30, "completed": 40, "declined": 15, "parked": 15}
QUERY_POOL = 40


def generate_projects(count: int, rng: random.Random):
    """Create the body with all municipalities as members, its coordinator and `count` ideas."""
    import datetime

    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from kraftsamla.accounts.models import OrganisationRole, User
    from kraftsamla.core.models import Role
    from kraftsamla.core.versions import bump
    from kraftsamla.organisations.models import (
        Membership,
        MembershipRole,
        Organisation,
        OrganisationKind,
    )
    from kraftsamla.projects.models import Project, ProjectStatus
    from kraftsamla.projects.selectors import EARLY_STATUSES

    municipalities = list(
        Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY).order_by("code")
    )
    now = timezone.now()
    sharing, sharing_weights = zip(*SHARING_WEIGHTS.items(), strict=True)
    later, later_weights = zip(*LATER_WEIGHTS.items(), strict=True)
    with transaction.atomic():
        body = Organisation.objects.create(
            name="Bench Sverige projekt",
            short_name="Bench Sverige projekt",
            slug=PAGES_BODY_SLUG,
            kind=OrganisationKind.REGIONAL_BODY,
            description="Bench: an invented body for the similar-ideas benchmark.",
            is_demo=True,
        )
        Membership.objects.bulk_create(
            [
                Membership(member=m, body=body, role=MembershipRole.MEMBER, is_demo=True)
                for m in municipalities
            ]
        )
        user = User.objects.create(
            email=PAGES_USER,
            full_name="Bench Samordnare",
            password=make_password(None),
            is_demo=True,
        )
        molndal = next(m for m in municipalities if m.slug == "molndal")
        OrganisationRole.objects.bulk_create(
            [
                OrganisationRole(user=user, organisation=body, role=Role.EDITOR),
                OrganisationRole(user=user, organisation=molndal, role=Role.EDITOR),
            ]
        )
        projects = []
        for number in range(count):
            owner = municipalities[number % len(municipalities)]
            nth = number // len(municipalities)  # the owner's nth idea
            status = (
                EARLY_STATUSES[nth % len(EARLY_STATUSES)]
                if nth < EARLY_PER_MEMBER
                else rng.choices(later, later_weights)[0]
            )
            title, _dot, summary = idea(rng).partition(". ")
            projects.append(
                Project(
                    owner=owner,
                    title=title[:200],
                    summary=summary,
                    status=status,
                    sharing_level=rng.choices(sharing, sharing_weights)[0],
                    # The members' first ideas are the newest, as ideas not yet running are.
                    created_at=now - datetime.timedelta(minutes=number),
                    is_demo=True,
                )
            )
        Project.objects.bulk_create(projects, batch_size=1000)
    bump("projects", "organisations")  # the rows were bulk-created, not audited
    counts = dict.fromkeys(ProjectStatus.values, 0)
    for project in projects:
        counts[project.status] += 1
    return body, user, {status: n for status, n in counts.items() if n}


def similar_urls(rng: random.Random) -> tuple[list[str], list[str]]:
    """Return QUERY_POOL "similar to this text" URLs of the API and of the idea form's
    fragment (as Mölndal's editor): half new ideas, half variations of stored ones."""
    from urllib.parse import urlencode

    from kraftsamla.projects.models import Project

    texts = list(Project.objects.filter(is_demo=True).values_list("title", flat=True)[:2000])
    queries = [idea(rng) if n % 2 else vary(rng, rng.choice(texts)) for n in range(QUERY_POOL)]
    similar = [f"/api/v1/projects/similar/?{urlencode({'text': q[:1000]})}" for q in queries]
    fragment = [
        f"/projekt/organisation/molndal/liknande/?{urlencode({'text': q[:1000]})}" for q in queries
    ]
    return similar, fragment


def time_urls(client, urls: list[str], runs: int, warmup: int, before_each=None):
    """Return (times in ms, queries of one request) for GETs of the urls, in turn."""
    from bench_pages import count_queries, fetch

    for url in urls[: max(warmup, 1)]:
        fetch(client, url)
    if before_each:
        before_each()
    queries = count_queries(client, urls[0])[0]
    times = []
    for number in range(runs):
        url = urls[number % len(urls)]
        if before_each:
            before_each()
        start = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")
        times.append(elapsed * 1000)
    return times, queries


def print_page_table(rows, baseline: float) -> None:
    headers = ["page", "runs", "median ms", "p95 ms", "max ms", "queries", "× trivial"]
    lines = [
        [
            label,
            str(len(times)),
            f"{statistics.median(times):.1f}",
            f"{percentile(times, 0.95):.1f}",
            f"{max(times):.1f}",
            str(queries),
            f"{statistics.median(times) / baseline:.1f}",
        ]
        for label, times, queries in rows
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headers)]
    for cells in (headers, ["-" * w for w in widths], *lines):
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
        )


def run_pages(args: argparse.Namespace, described: str) -> None:
    import django

    django.setup()

    from bench_pages import TRIVIAL, install_bench_urlconf, start_run
    from bench_pages import timed as timed_block
    from django.test import Client
    from django.test.utils import override_settings

    from kraftsamla.core.demo import demo_data_load
    from kraftsamla.core.versions import bump, scopes_for
    from kraftsamla.organisations.reference import reference_data_load
    from kraftsamla.projects.models import Project
    from kraftsamla.projects.selectors import CLUSTER_MAX_IDEAS

    start_run("Kraftsamla similar ideas and clusters: pages", described)
    with timed_block("Reference data loaded in"):
        reference_data_load()
    with timed_block("Demo data loaded in"):
        demo_data_load(skip=("capacity", "support"))
    rng = random.Random(SEED)
    with timed_block(f"{args.ideas:,} ideas generated in"):
        body, user, counts = generate_projects(args.ideas, rng)
    print(
        f"{Project.objects.count():,} projects in all; the generated ones by status: "
        + ", ".join(f"{n:,} {status}" for status, n in counts.items())
        + f"; {body.name} has all 290 municipalities as members"
    )
    similar, fragment = similar_urls(rng)
    pages = [
        ("trivial view (baseline)", [TRIVIAL]),
        ("similar to this text: API", similar),
        ("similar to this text: form fragment", fragment),
        ("cluster page, not yet running", [f"/projekt/{body.slug}/kluster/"]),
        ("cluster page, all ideas", [f"/projekt/{body.slug}/kluster/?ideas=all"]),
    ]

    client = Client()
    client.force_login(user)
    with override_settings(ROOT_URLCONF=install_bench_urlconf()):
        print(
            f"\nAs {PAGES_USER} (editor of {body.name} and of Mölndal); django.test.Client "
            "through the full middleware stack; a different text each similar request "
            f"(a pool of {QUERY_POOL}). The cluster page groups at most the "
            f"{CLUSTER_MAX_IDEAS:,} newest ideas."
        )
        print(f"\nRepeat views, warm cache ({args.warmup} untimed first):")
        rows = [(label, *time_urls(client, urls, args.runs, args.warmup)) for label, urls in pages]
        print_page_table(rows, statistics.median(rows[0][1]))

        def change() -> None:
            # As an idea's write does (the index depends on the ideas' narrower scope).
            bump(*scopes_for("projects.project", None))

        print(
            "\nFirst view after a change: a new data version of the projects before each "
            "request (the viewer's index and the clusters are built afresh):"
        )
        rows = [
            (label, *time_urls(client, urls, args.change_runs, 0, before_each=change))
            for label, urls in pages
        ]
        print_page_table(rows, statistics.median(rows[0][1]))


if __name__ == "__main__":
    main()
