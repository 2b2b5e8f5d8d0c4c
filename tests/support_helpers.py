"""Build offers, needs, enrolments, ratings and published results for the regional-support tests.

The support demo data (kraftsamla/support/demo.py) is not loaded in the test database, so
every test makes what it needs here, straight through the ORM where the services' checks
are not what the test is about. Published results are stored AssessmentResult rows, so the
expected points of a recommendation can be worked out by hand.
"""

from __future__ import annotations

import itertools

from django.db import connection, reset_queries
from django.utils import translation

from kraftsamla.accounts.models import OrganisationRole, Role, User
from kraftsamla.capacity.models import (
    Assessment,
    AssessmentResult,
    Framework,
    Purpose,
    Status,
)
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
    Rating,
)

ADMIN_M = "admin.molndal@demo.kraftsamla.se"
EDITOR_M = "redaktor.molndal@demo.kraftsamla.se"
VIEWER_M = "lasare.molndal@demo.kraftsamla.se"
COORDINATOR = "samordnare@demo.kraftsamla.se"
ALE_EDITOR = "strateg.ale@demo.kraftsamla.se"
STAFF = "personal@demo.kraftsamla.se"
PARTNER = "partner@demo.kraftsamla.se"

PRIVATE, REGION, PUBLIC = SharingLevel.PRIVATE, SharingLevel.REGION, SharingLevel.PUBLIC
KNOWLEDGE, RESOURCES, ROOM = "knowledge_base", "resource_base", "room_for_action"
PASSWORD = "correct-horse-battery"

_n = itertools.count(1)


def user(email: str) -> User:
    return User.objects.get(email=email)


def t(message: str, language: str = "sv") -> str:
    """The text the server shows for `message` in `language`."""
    with translation.override(language):
        return translation.gettext(message)


def person(organisation: Organisation | None, role: str = Role.VIEWER, **extra) -> User:
    n = next(_n)
    u = User.objects.create_user(
        email=extra.pop("email", f"support{n}@test.example"),
        password=PASSWORD,
        full_name=extra.pop("full_name", f"Support Person {n}"),
        **extra,
    )
    if organisation is not None:
        OrganisationRole.objects.create(user=u, organisation=organisation, role=role)
    return u


def stockholm(count: int, *, exclude=()) -> list[Organisation]:
    """`count` municipalities in Stockholm county: no demo assessments, not in Göteborgsregionen."""
    qs = Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, county__code="01")
    return list(qs.exclude(pk__in=[o.pk for o in exclude]).order_by("name")[:count])


def body(slug: str, members, *, kind: str = OrganisationKind.REGIONAL_BODY) -> Organisation:
    """A new coordinating body with the organisations as current members."""
    b = Organisation.objects.create(name=f"Support body {slug}", slug=slug, kind=kind)
    Membership.objects.bulk_create(
        [Membership(member=m, body=b, role=MembershipRole.MEMBER) for m in members]
    )
    return b


def offer(
    provider: Organisation,
    title: str | None = None,
    *,
    capitals=("political",),
    form: str = KNOWLEDGE,
    status: str = OfferStatus.OPEN,
    open_to=None,
    **extra,
) -> Offer:
    o = Offer.objects.create(
        provider=provider,
        title=title or f"Offer {next(_n)}",
        description="Test offer.",
        capitals=list(capitals),
        collaboration_form=form,
        status=status,
        format=extra.pop("format", OfferFormat.TRAINING),
        **extra,
    )
    if open_to is not None:
        o.open_to_all_members = False
        o.save(update_fields=["open_to_all_members"])
        o.open_to.set(open_to)
    return o


def need(
    organisation: Organisation,
    capital: str,
    form: str = "",
    *,
    sharing: str = REGION,
    year: int = 2026,
    target_group: str = "",
    description: str | None = None,
) -> Need:
    return Need.objects.create(
        organisation=organisation,
        capital=capital,
        collaboration_form=form,
        description=description or f"Need {next(_n)} of {organisation.slug} in {capital}",
        target_group=target_group,
        year=year,
        sharing_level=sharing,
    )


def enrol(
    o: Offer,
    organisation: Organisation,
    participant: User | None = None,
    status: str = EnrolmentStatus.ENROLLED,
) -> Enrolment:
    participant = participant or person(organisation)
    return Enrolment.objects.create(
        offer=o, organisation=organisation, participant=participant, status=status
    )


def rate(o: Offer, organisation: Organisation, score: int) -> Rating:
    """A new person of the organisation took part in the offer and rated it."""
    return Rating.objects.create(enrolment=enrol(o, organisation), score=score)


def results(
    organisation: Organisation,
    year: int,
    scores: dict[str, float | None],
    *,
    sharing: str = REGION,
    status: str = Status.PUBLISHED,
    purpose: str = Purpose.OTHER,
) -> Assessment:
    """An assessment with stored per-capital results (as publishing writes them)."""
    assessment = Assessment.objects.create(
        organisation=organisation,
        framework=Framework.objects.get(is_current=True),
        year=year,
        purpose=purpose,
        status=status,
        sharing_level=sharing,
    )
    AssessmentResult.objects.bulk_create(
        [
            AssessmentResult(assessment=assessment, capital_key=k, score=v, share_answered=1.0)
            for k, v in scores.items()
        ]
    )
    return assessment


def population_class_peers(organisation: Organisation, count: int) -> list[Organisation]:
    """Other municipalities of the organisation's population class."""
    from kraftsamla.organisations.models import POPULATION_BOUNDS

    low, high = POPULATION_BOUNDS[organisation.population_class]
    qs = Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, population__gte=low)
    if high is not None:
        qs = qs.filter(population__lt=high)
    return list(qs.exclude(pk=organisation.pk).order_by("name")[:count])


def count_queries(fn):
    """Run fn and return (number of SQL queries, fn's result).

    Counts with an execute wrapper, because a test-client request empties Django's query
    log when it starts, which makes CaptureQueriesContext miss or undercount queries.
    """
    sql = []

    def wrapper(execute, query, params, many, context):
        sql.append(query)
        return execute(query, params, many, context)

    with connection.execute_wrapper(wrapper):
        result = fn()
    return len(sql), result


def empty_query_log() -> None:
    """Call before django_assert_max_num_queries around a request (see count_queries)."""
    reset_queries()
