"""Read funding calls: lists scoped by the call policy, one call with its rules, the facts
of an application, the ranking for a body's members and the calls sent to a person.

Each list uses a fixed number of queries whatever the number of calls, members, ideas
or needs.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from kraftsamla.accounts.models import OrganisationRole
from kraftsamla.core import access
from kraftsamla.core.models import EDIT_ROLES
from kraftsamla.funding import rules as engine
from kraftsamla.funding.facts import ApplicationFacts, AttachmentFact, PartyFact
from kraftsamla.funding.models import (
    EDITABLE_STATUSES,
    Application,
    ApplicationAttachment,
    BudgetLine,
    Call,
    CallNotice,
    CallRule,
    CallStatus,
    Invitation,
    Party,
    WorkPackage,
)
from kraftsamla.funding.policies import bodies_of
from kraftsamla.organisations.models import (
    ACTOR_GROUP_BY_KIND,
    COORDINATING_KINDS,
    Membership,
    Organisation,
    OrganisationKind,
)
from kraftsamla.projects.models import ProjectStatus
from kraftsamla.projects.selectors import projects_visible
from kraftsamla.support.selectors import needs_visible

VIEW = "funding.call.view"


def calls_visible(who) -> QuerySet[Call]:
    """Return the calls `who` may see, with the body that published each."""
    return access.scope(who, VIEW, Call.objects.select_related("owner"))


def call_get(who, pk) -> Call:
    """Return one call `who` may see; Http404 when it is missing or hidden alike."""
    return access.get_visible(who, VIEW, Call.objects.select_related("owner"), pk=pk)


def call_page(call: Call) -> Call:
    """Load what the call page shows: the call, its publisher and its rules in order."""
    return (
        Call.objects.select_related("owner")
        .prefetch_related(Prefetch("rules", queryset=CallRule.objects.order_by("order", "id")))
        .get(pk=call.pk)
    )


def calls_filtered(calls: QuerySet[Call], filters: Mapping[str, Any]) -> QuerySet[Call]:
    """Apply `CallFilterForm`'s cleaned data (empty values mean "all")."""
    if filters.get("status"):
        calls = calls.with_status(filters["status"])
    # A JSON list is searched as text (the same on SQLite and PostgreSQL): values are quoted.
    if filters.get("capital"):
        calls = calls.filter(capitals__icontains=f'"{filters["capital"]}"')
    if filters.get("sector"):
        calls = calls.filter(emission_sectors__icontains=f'"{filters["sector"]}"')
    if filters.get("funder"):
        calls = calls.filter(funder=filters["funder"])
    return calls


def calls_listed(who, filters: Mapping[str, Any]) -> list[Call]:
    """Return the visible calls for the list page, each with its number of rules."""
    calls = calls_filtered(calls_visible(who), filters).annotate(rule_count=Count("rules"))
    return list(calls.order_by("closes_on", "id"))


def calls_grouped(calls: Iterable[Call], on: datetime.date | None = None) -> dict[str, list[Call]]:
    """Split calls into open, upcoming and closed (closed newest first)."""
    on = on or timezone.localdate()
    groups: dict[str, list[Call]] = {status: [] for status in CallStatus.values}
    for call in calls:
        groups[call.status(on)].append(call)
    groups[CallStatus.CLOSED].sort(key=lambda call: (call.closes_on, call.pk), reverse=True)
    return groups


def funder_choices(who) -> list[tuple[str, str]]:
    """Return the funders of the calls `who` may see, for the filter."""
    funders = calls_visible(who).order_by("funder").values_list("funder", flat=True).distinct()
    return [(funder, funder) for funder in funders]


def rule_names(specs: Iterable[engine.RuleSpec]) -> dict[str, str]:
    """Return {slug: name} for the organisations the rules name (one query)."""
    slugs = engine.slugs_named(specs)
    if not slugs:
        return {}
    return dict(Organisation.objects.filter(slug__in=slugs).values_list("slug", "name"))


@dataclass(frozen=True)
class DescribedRule:
    rule: CallRule
    label: str
    description: engine.Reason


def rules_described(call: Call) -> list[DescribedRule]:
    """Return the call's rules in plain words (call `call_page` first)."""
    rules = list(call.rules.all())
    names = rule_names(rule.spec() for rule in rules)
    return [
        DescribedRule(
            rule=rule,
            label=str(engine.KINDS[rule.kind].label) if rule.kind in engine.KINDS else rule.kind,
            description=engine.describe(rule.spec(), names),
        )
        for rule in rules
    ]


def call_evaluate(call: Call, facts: ApplicationFacts) -> list[engine.Outcome]:
    """Return every rule's outcome for the facts (call `call_page` first)."""
    specs = [rule.spec() for rule in call.rules.all()]
    return engine.evaluate(specs, facts, rule_names(specs))


# --- Facts of an application from plain input (the API; later the workspace) --------------


def facts_build(
    *,
    parties: Sequence[Mapping[str, Any]],
    attachments: Sequence[Mapping[str, Any]] = (),
    support_requested: Decimal | None = None,
    total_budget: Decimal | None = None,
    project_start: datetime.date | None = None,
    project_end: datetime.date | None = None,
    submission_date: datetime.date | None = None,
) -> tuple[ApplicationFacts, list[str]]:
    """Build the facts of an application; return them and the slugs not found.

    A party names its organisation by slug: its name, actor group (from the kind of
    organisation) and the bodies it is a member of on the submission date (today when
    none is given) come from the register in two queries. A party may also be given by
    name and actor group only (an organisation not in the register).
    """
    slugs = {party["organisation"] for party in parties if party.get("organisation")}
    organisations = {org.slug: org for org in Organisation.objects.filter(slug__in=slugs)}
    on = submission_date or timezone.localdate()
    member_of: dict[int, set[str]] = {}
    for member_id, body_slug in (
        Membership.objects.in_force(on)
        .filter(member__in=organisations.values())
        .values_list("member_id", "body__slug")
    ):
        member_of.setdefault(member_id, set()).add(body_slug)
    built = []
    for index, party in enumerate(parties, start=1):
        organisation = organisations.get(party.get("organisation") or "")
        name = party.get("name") or (organisation.name if organisation else "")
        built.append(
            PartyFact(
                name=name or party.get("organisation") or f"#{index}",
                role=party["role"],
                actor_group=party.get("actor_group")
                or (ACTOR_GROUP_BY_KIND[organisation.kind] if organisation else None),
                organisation_id=organisation.pk if organisation else None,
                slug=organisation.slug if organisation else "",
                member_of=frozenset(member_of.get(organisation.pk, ()))
                if organisation
                else frozenset(),
                support=party.get("support"),
                cofunding_money=party.get("cofunding_money"),
                cofunding_time=party.get("cofunding_time"),
                allocations=dict(party.get("allocations") or {}),
                attachments=tuple(_attachment(item) for item in party.get("attachments") or ()),
            )
        )
    facts = ApplicationFacts(
        parties=tuple(built),
        attachments=tuple(_attachment(item) for item in attachments),
        support_requested=support_requested,
        total_budget=total_budget,
        project_start=project_start,
        project_end=project_end,
        submission_date=submission_date,
    )
    return facts, sorted(slugs - set(organisations))


def _attachment(item: Mapping[str, Any]) -> AttachmentFact:
    return AttachmentFact(
        type=item["type"], signer_role=item.get("signer_role") or "", name=item.get("name") or ""
    )


# --- Who may publish and send ---------------------------------------------------------------


def bodies_where(who, rule: str) -> list[Organisation]:
    """Return the coordinating bodies where `who` has a role and `rule` allows them."""
    person = access.access_of(who)
    bodies = Organisation.objects.filter(
        pk__in=person.organisation_ids(), kind__in=COORDINATING_KINDS
    ).order_by("name")
    return [body for body in bodies if access.allows(who, rule, body)]


# --- Where the money is: calls ranked for a body's members -----------------------------------

# Points per member idea, need and member that may apply (the page explains them).
RANKING = {"idea": 3, "need": 2, "eligible": 1}
# Ideas still looking for a way forward (running and finished projects are left out).
IDEA_STATUSES = (
    ProjectStatus.IDEA,
    ProjectStatus.IN_PREPARATION,
    ProjectStatus.PRIORITISED,
    ProjectStatus.PARKED,
)
# Needs registered this year or last year.
NEED_YEARS = 2
NAMES_SHOWN = 5


def _names(names: Iterable[str]) -> engine.Names | engine.Reason:
    unique = sorted(set(names))
    if len(unique) <= NAMES_SHOWN:
        return engine.Names(unique)
    return engine.Reason(
        _("%(names)s and %(more)s more"),
        names=engine.Names(unique[:NAMES_SHOWN]),
        more=len(unique) - NAMES_SHOWN,
    )


@dataclass
class RankedCall:
    call: Call
    score: int = 0
    ideas: list[tuple[str, str]] = field(default_factory=list)  # (member, idea title)
    needs: list[str] = field(default_factory=list)  # members with a need in the capitals
    eligible: list[int] = field(default_factory=list)  # ids of members that may apply
    reasons: list[engine.Reason] = field(default_factory=list)


def calls_ranked_for_body(
    who, body: Organisation, on: datetime.date | None = None
) -> list[RankedCall]:
    """Rank the open and upcoming calls `who` may see for the body's members.

    score = idea × (member ideas whose capitals or sectors the call fits)
          + need × (member needs in one of the call's capitals)
          + eligible × (members of a kind that may apply),
    with the points of RANKING. Ideas and needs count only when `who` may see them
    (what the members share with the body). Ties: open calls first, then the one that
    closes first. Four queries whatever the numbers of calls and members.
    """
    on = on or timezone.localdate()
    calls = list(calls_visible(who).filter(closes_on__gte=on).order_by("closes_on", "id"))
    members = dict(
        Organisation.objects.filter(
            pk__in=Membership.objects.in_force(on).filter(body=body).values("member_id")
        ).values_list("pk", "kind")
    )
    ideas = [
        (owner_name, title, frozenset(capitals or ()), frozenset(sectors or ()))
        for owner_name, title, capitals, sectors in projects_visible(who)
        .filter(owner_id__in=list(members), status__in=IDEA_STATUSES)
        .values_list("owner__name", "title", "capitals", "emission_sectors")
    ]
    needs = list(
        needs_visible(who)
        .filter(organisation_id__in=list(members), year__gte=on.year - NEED_YEARS + 1)
        .values_list("organisation_id", "organisation__name", "capital")
    )
    ranked = []
    for call in calls:
        entry = RankedCall(call=call)
        capitals, sectors = set(call.capitals), set(call.emission_sectors)
        entry.ideas = [
            (owner_name, title)
            for owner_name, title, idea_capitals, idea_sectors in ideas
            if capitals & idea_capitals or sectors & idea_sectors
        ]
        entry.needs = [name for _owner, name, capital in needs if capital in capitals]
        kinds = set(call.applicant_kinds)
        entry.eligible = [pk for pk, kind in members.items() if not kinds or kind in kinds]
        entry.score = (
            RANKING["idea"] * len(entry.ideas)
            + RANKING["need"] * len(entry.needs)
            + RANKING["eligible"] * len(entry.eligible)
        )
        entry.reasons = _ranking_reasons(entry, call)
        ranked.append(entry)
    status_order = {CallStatus.OPEN: 0, CallStatus.UPCOMING: 1}
    ranked.sort(
        key=lambda entry: (-entry.score, status_order[entry.call.status(on)], entry.call.closes_on)
    )
    return ranked


def _ranking_reasons(entry: RankedCall, call: Call) -> list[engine.Reason]:
    reasons = []
    if entry.ideas:
        reasons.append(
            engine.Reason(
                ngettext_lazy(
                    "%(count)s member idea fits its capitals or sectors (%(names)s)",
                    "%(count)s member ideas fit its capitals or sectors (%(names)s)",
                    "count",
                ),
                count=len(entry.ideas),
                names=_names(name for name, _title in entry.ideas),
            )
        )
    if entry.needs:
        reasons.append(
            engine.Reason(
                ngettext_lazy(
                    "%(count)s member need in its capitals (%(names)s)",
                    "%(count)s member needs in its capitals (%(names)s)",
                    "count",
                ),
                count=len(entry.needs),
                names=_names(entry.needs),
            )
        )
    if not call.applicant_kinds:
        reasons.append(engine.Reason(_("any kind of organisation may apply")))
    elif entry.eligible:
        reasons.append(
            engine.Reason(
                ngettext_lazy(
                    "%(count)s member may apply (%(kinds)s)",
                    "%(count)s members may apply (%(kinds)s)",
                    "count",
                ),
                count=len(entry.eligible),
                kinds=engine.Names(call.applicant_kind_labels()),
            )
        )
    else:
        reasons.append(
            engine.Reason(
                _("none of the members is of a kind that may apply (%(kinds)s)"),
                kinds=engine.Names(call.applicant_kind_labels()),
            )
        )
    return reasons


# --- Calls sent to a person -------------------------------------------------------------------

NOTICES_SHOWN = 5


def notices_for_person(who, limit: int = NOTICES_SHOWN) -> list[CallNotice]:
    """Return the newest calls that the person's bodies sent to their members, while the
    calls are open or upcoming and the person may see them."""
    person = access.access_of(who)
    bodies = bodies_of(person)
    if not bodies:
        return []
    notices = CallNotice.objects.filter(
        body_id__in=sorted(bodies),
        call__closes_on__gte=timezone.localdate(),
        call__in=calls_visible(who).values("pk"),
    )
    return list(
        access.scope(who, "funding.notice.view", notices)
        .select_related("call", "body")
        .order_by("-sent_at", "-id")[:limit]
    )


def notice_recipients(notice: CallNotice) -> list[tuple[str, str, str]]:
    """Return (e-mail, language, organisation) of the active people of the body's members."""
    members = Membership.objects.in_force().filter(body=notice.body).values("member_id")
    rows = (
        OrganisationRole.objects.filter(organisation_id__in=members, user__is_active=True)
        .order_by("user__email")
        .values_list("user__email", "user__language", "organisation__name")
    )
    seen: dict[str, tuple[str, str, str]] = {}
    for email, language, organisation in rows:
        seen.setdefault(email, (email, language or "sv", organisation))
    return list(seen.values())


def member_count(body: Organisation) -> int:
    return Membership.objects.in_force().filter(body=body).count()


# --- Joint applications ---------------------------------------------------------------------

APPLICATION_VIEW = "funding.application.view"


def applications_visible(who) -> QuerySet[Application]:
    """Return the applications `who` may see, with their call and coordinator."""
    return access.scope(
        who, APPLICATION_VIEW, Application.objects.select_related("call", "coordinator")
    )


def application_get(who, pk) -> Application:
    """Return one application `who` may see; Http404 when missing or hidden alike."""
    return access.get_visible(
        who, APPLICATION_VIEW, Application.objects.select_related("call", "coordinator"), pk=pk
    )


def application_page(application: Application) -> Application:
    """Load an application with everything its workspace shows, in a fixed number of queries."""
    return (
        Application.objects.select_related("call", "call__owner", "coordinator")
        .prefetch_related(
            Prefetch("call__rules", queryset=CallRule.objects.order_by("order", "id")),
            Prefetch(
                "parties",
                queryset=Party.objects.select_related("organisation", "application").order_by("id"),
            ),
            Prefetch("parties__budget_lines", queryset=BudgetLine.objects.order_by("id")),
            Prefetch("parties__attachments", queryset=ApplicationAttachment.objects.order_by("id")),
            Prefetch(
                "work_packages",
                queryset=WorkPackage.objects.select_related("lead__organisation")
                .prefetch_related("parties__organisation")
                .order_by("number", "id"),
            ),
            "projects",
        )
        .get(pk=application.pk)
    )


@dataclass(frozen=True)
class LineValues:
    """A budget line as the check panel sees it (saved, or being edited in a form)."""

    activity: str
    support: Decimal
    cofunding_money: Decimal
    cofunding_time: Decimal

    @property
    def total(self) -> Decimal:
        return self.support + self.cofunding_money + self.cofunding_time


def _line_values(line: BudgetLine) -> LineValues:
    return LineValues(line.activity, line.support, line.cofunding_money, line.cofunding_time)


@dataclass(frozen=True)
class Draft:
    """Unsaved edits to check as if saved: a budget line (new or replacing `line_id`) of
    `party_id`, and the project dates."""

    party_id: int | None = None
    line_id: int | None = None
    line: LineValues | None = None
    dates: tuple[datetime.date | None, datetime.date | None] | None = None


def party_lines(party: Party, draft: Draft | None = None) -> list[LineValues]:
    """The party's budget lines, with the draft's line in place (call `application_page`)."""
    lines = [
        _line_values(line)
        for line in party.budget_lines.all()
        if not (draft and draft.party_id == party.pk and draft.line_id == line.pk)
    ]
    if draft and draft.line is not None and draft.party_id == party.pk:
        lines.append(draft.line)
    return lines


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, Decimal(0))


def application_facts(
    application: Application,
    *,
    draft: Draft | None = None,
    submission_date: datetime.date | None = None,
) -> ApplicationFacts:
    """Build the facts the rules engine checks (call `application_page` first).

    Declined parties do not count. The submission date is the day it was submitted, or
    `submission_date` (today by default) for one still being written. One query: the
    parties' memberships in force on that day.
    """
    on = application.submitted_on or submission_date or timezone.localdate()
    parties = [
        party for party in application.parties.all() if party.invitation != Invitation.DECLINED
    ]
    member_of: dict[int, set[str]] = {}
    if parties:
        for member_id, body_slug in (
            Membership.objects.in_force(on)
            .filter(member_id__in=[party.organisation_id for party in parties])
            .values_list("member_id", "body__slug")
        ):
            member_of.setdefault(member_id, set()).add(body_slug)
    built = []
    for party in parties:
        lines = party_lines(party, draft)
        allocations: dict[str, Decimal] = {}
        for line in lines:
            allocations[line.activity] = allocations.get(line.activity, Decimal(0)) + line.total
        organisation = party.organisation
        built.append(
            PartyFact(
                name=organisation.display_name,
                role=party.role,
                actor_group=organisation.actor_group,
                organisation_id=organisation.pk,
                slug=organisation.slug,
                member_of=frozenset(member_of.get(organisation.pk, ())),
                support=_sum(line.support for line in lines) if lines else None,
                cofunding_money=_sum(line.cofunding_money for line in lines) if lines else None,
                cofunding_time=_sum(line.cofunding_time for line in lines) if lines else None,
                allocations=allocations,
                attachments=tuple(
                    AttachmentFact(
                        type=attachment.type,
                        signer_role=attachment.signer_role,
                        name=attachment.name,
                    )
                    for attachment in party.attachments.all()
                ),
            )
        )
    start, end = application.project_start, application.project_end
    if draft and draft.dates is not None:
        start, end = draft.dates
    return ApplicationFacts(
        parties=tuple(built),
        project_start=start,
        project_end=end,
        submission_date=on,
    )


def application_evaluate(
    application: Application,
    *,
    draft: Draft | None = None,
    submission_date: datetime.date | None = None,
) -> list[engine.Outcome]:
    """Return every rule's outcome for the application (call `application_page` first)."""
    facts = application_facts(application, draft=draft, submission_date=submission_date)
    return call_evaluate(application.call, facts)


@dataclass
class PartyBudget:
    party: Party
    lines: list[BudgetLine]
    support: Decimal
    cofunding_money: Decimal
    cofunding_time: Decimal

    @property
    def cofunding(self) -> Decimal:
        return self.cofunding_money + self.cofunding_time

    @property
    def total(self) -> Decimal:
        return self.support + self.cofunding

    share: Decimal | None = None  # of the application's total budget, in %


@dataclass
class BudgetSummary:
    parties: list[PartyBudget]
    support: Decimal
    cofunding_money: Decimal
    cofunding_time: Decimal

    @property
    def cofunding(self) -> Decimal:
        return self.cofunding_money + self.cofunding_time

    @property
    def total(self) -> Decimal:
        return self.support + self.cofunding

    @property
    def support_share(self) -> Decimal | None:
        """The support's share of the total budget in % (None when the total is zero)."""
        return (self.support * 100 / self.total) if self.total else None


def budget_summary(
    application: Application, parties: Iterable[Party] | None = None
) -> BudgetSummary:
    """Sum each party's budget lines and the whole application's (call `application_page`).

    `parties` limits the rows (a party sees only its own); the totals and shares are then
    over those rows only.
    """
    rows = []
    for party in parties if parties is not None else application.parties.all():
        if party.invitation == Invitation.DECLINED:
            continue
        lines = list(party.budget_lines.all())
        rows.append(
            PartyBudget(
                party=party,
                lines=lines,
                support=_sum(line.support for line in lines),
                cofunding_money=_sum(line.cofunding_money for line in lines),
                cofunding_time=_sum(line.cofunding_time for line in lines),
            )
        )
    summary = BudgetSummary(
        parties=rows,
        support=_sum(row.support for row in rows),
        cofunding_money=_sum(row.cofunding_money for row in rows),
        cofunding_time=_sum(row.cofunding_time for row in rows),
    )
    for row in rows:
        row.share = (row.total * 100 / summary.total) if summary.total else None
    return summary


def parties_visible(who, application: Application) -> list[Party]:
    """The parties whose budget and attachments `who` may see (call `application_page`)."""
    return [
        party
        for party in application.parties.all()
        if access.allows(who, "funding.party.view", party)
    ]


def organisations_for_applying(who) -> list[Organisation]:
    """Organisations where `who` may start an application as coordinator."""
    person = access.access_of(who)
    if person.is_staff:
        return list(
            Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY).order_by("name")
        )
    organisations = Organisation.objects.filter(pk__in=person.organisation_ids()).order_by("name")
    return [org for org in organisations if access.allows(who, "funding.applicant.apply", org)]


def invitation_recipients(party: Party) -> list[tuple[str, str]]:
    """Return (e-mail, language) to invite a party: the address given, else the active
    administrators and editors of its organisation."""
    if party.invited_email:
        user = (
            OrganisationRole.objects.filter(user__email__iexact=party.invited_email)
            .values_list("user__language", flat=True)
            .first()
        )
        return [(party.invited_email, user or "sv")]
    rows = (
        OrganisationRole.objects.filter(
            organisation_id=party.organisation_id,
            user__is_active=True,
            role__in=sorted(EDIT_ROLES),
        )
        .order_by("user__email")
        .values_list("user__email", "user__language")
    )
    return [(email, language or "sv") for email, language in dict(rows).items()]


def invitations_for_person(who, limit: int = NOTICES_SHOWN) -> list[Party]:
    """Return the open invitations to join an application that the person may answer for
    one of their organisations (one query; none without an editing role)."""
    person = access.access_of(who)
    organisations = person.organisation_ids(EDIT_ROLES)
    if not organisations:
        return []
    parties = Party.objects.filter(
        organisation_id__in=organisations,
        invitation=Invitation.INVITED,
        application__status__in=EDITABLE_STATUSES,
    )
    return list(
        access.scope(who, "funding.party.respond", parties)
        .select_related("organisation", "application", "application__coordinator")
        .order_by("-invited_at", "-id")[:limit]
    )
