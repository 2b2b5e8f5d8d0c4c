"""Read follow-up data, scoped to what the viewer may see, in a fixed number of queries."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Count, F, FloatField, Max, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404

from kraftsamla.accounts.models import OrganisationRole
from kraftsamla.capacity import selectors as capacity_selectors
from kraftsamla.capacity.models import Assessment, AssessmentResult, CapitalKey
from kraftsamla.capacity.models import Status as AssessmentStatus
from kraftsamla.core import access
from kraftsamla.core.caching import cached_incremental, cached_value, declare
from kraftsamla.core.models import EDIT_ROLES, AuditEvent
from kraftsamla.followup import imports, trends
from kraftsamla.followup.models import (
    Action,
    Commitment,
    EmissionFigure,
    EmissionSeries,
    EmissionTarget,
    FollowupRound,
    Gender,
    ImportBatch,
    ImportJob,
    ImportKind,
    IndicatorDefinition,
    IndicatorValue,
    ProgressStatus,
    PromiseItem,
    PromiseMenu,
    ReportEntry,
    ReportStatus,
    ResponsibleUnit,
    RoundReport,
    RoundStatus,
    Target,
)
from kraftsamla.organisations import selectors as organisation_selectors
from kraftsamla.organisations.models import Membership, Organisation
from kraftsamla.support.models import Enrolment, EnrolmentStatus


def organisation_get(slug: str) -> Organisation:
    """Return the organisation with the slug, or raise Http404."""
    try:
        return organisation_selectors.organisation_get(slug=slug)
    except Organisation.DoesNotExist:
        raise Http404 from None


def indicators() -> list[IndicatorDefinition]:
    return list(IndicatorDefinition.objects.select_related("owner"))


def values_visible(who, organisation: Organisation):
    return access.scope(
        who,
        "followup.value.view",
        IndicatorValue.objects.filter(organisation=organisation),
    )


def targets_visible(who, organisation: Organisation):
    return access.scope(
        who, "followup.target.view", Target.objects.filter(organisation=organisation)
    )


@dataclass
class IndicatorRow:
    """One indicator of one organisation: its values, target and status."""

    indicator: IndicatorDefinition
    values: dict[int, float] = field(default_factory=dict)
    by_gender: dict[str, dict[int, float]] = field(default_factory=dict)
    target: Target | None = None
    assessment: trends.Assessment | None = None

    @property
    def latest_year(self) -> int | None:
        return max(self.values) if self.values else None

    @property
    def latest_value(self) -> float | None:
        return self.values[self.latest_year] if self.values else None

    @property
    def base_value(self) -> float | None:
        if self.target is None:
            return None
        if self.target.base_value is not None:
            return self.target.base_value
        return self.values.get(self.target.base_year)

    def trajectory(self) -> dict[int, float]:
        """Return the target's trajectory year by year (empty when it cannot be drawn)."""
        target, base = self.target, self.base_value
        if target is None or base is None:
            return {}
        try:
            return {
                year: trends.trajectory_value(
                    year=year,
                    base_year=target.base_year,
                    base_value=base,
                    target_year=target.target_year,
                    target_value=target.target_value,
                    kind=target.trajectory,
                )
                for year in range(target.base_year, target.target_year + 1)
            }
        except trends.TrajectoryError:
            return {}


def _assess(row: IndicatorRow) -> None:
    target = row.target
    if target is None:
        return
    row.assessment = trends.indicator_status(
        row.values,
        lower_is_better=row.indicator.lower_is_better,
        base_year=target.base_year,
        base_value=row.base_value,
        target_year=target.target_year,
        target_value=target.target_value,
        trajectory=target.trajectory,
    )


def indicator_rows(who, organisation: Organisation) -> list[IndicatorRow]:
    """Return the organisation's indicators with visible values or targets (three queries).

    An indicator's status uses its earliest visible target that has not passed, else its
    latest one.
    """
    definitions = {d.pk: d for d in IndicatorDefinition.objects.all()}
    values = values_visible(who, organisation).values_list(
        "organisation_id", "indicator_id", "year", "gender", "value"
    )
    targets = targets_visible(who, organisation).order_by("target_year")
    rows = _rows_from(definitions, values, targets)
    return sorted(rows.values(), key=lambda r: r.indicator.pk)


def indicator_row(who, organisation: Organisation, indicator: IndicatorDefinition) -> IndicatorRow:
    """Return one indicator's row for the organisation (404 when nothing of it is visible)."""
    for row in indicator_rows(who, organisation):
        if row.indicator.pk == indicator.pk:
            return row
    raise Http404


def indicator_get(pk: int) -> IndicatorDefinition:
    try:
        return IndicatorDefinition.objects.get(pk=pk)
    except IndicatorDefinition.DoesNotExist:
        raise Http404 from None


def emission_targets_visible(who, organisation: Organisation):
    return access.scope(
        who,
        "followup.emissiontarget.view",
        EmissionTarget.objects.filter(organisation=organisation).select_related("organisation"),
    )


@dataclass
class EmissionTargetPage:
    target: EmissionTarget
    plan: trends.EmissionPlan | None
    problem: str
    series: dict[int, float]


def own_emission_figures(who, organisation: Organisation):
    """Return the municipality's own (imported) emission figures that `who` may see."""
    return access.scope(
        who,
        "followup.emissionfigure.view",
        EmissionFigure.objects.filter(organisation=organisation),
    )


def own_emission_series(who, organisation: Organisation, sector: str = "") -> dict[int, float]:
    """Return the municipality's own figures by year: one sector's, or the total.

    A year's total is the figure given for all sectors, else the sum of its sectors."""
    figures = list(
        own_emission_figures(who, organisation).values_list("year", "sector", "tonnes_co2e")
    )
    if sector:
        return {year: tonnes for year, row_sector, tonnes in figures if row_sector == sector}
    given = {year: tonnes for year, row_sector, tonnes in figures if not row_sector}
    summed: dict[int, float] = defaultdict(float)
    for year, row_sector, tonnes in figures:
        if row_sector:
            summed[year] += tonnes
    return {year: given.get(year, summed.get(year)) for year in sorted({*given, *summed})}


def emission_series(
    organisation: Organisation,
    sector: str = "",
    *,
    series: str = EmissionSeries.SMHI,
    who=None,
) -> dict[int, float]:
    """Return the municipality's emissions by year, one sector's or the total: SMHI's
    series, or its own figures as far as `who` may see them."""
    if series == EmissionSeries.OWN:
        return own_emission_series(who, organisation, sector)
    table = organisation_selectors.emission_table(organisation)
    return dict(table.values.get(sector, {}) if sector else table.totals)


def emission_target_page(who, target: EmissionTarget) -> EmissionTargetPage:
    """Return the target with its plan against its series (or why there is none)."""
    series = emission_series(target.organisation, target.sector, series=target.series, who=who)
    try:
        plan = trends.emission_plan(
            series,
            base_year=target.base_year,
            target_year=target.target_year,
            target_share=target.target_share,
        )
        problem = ""
    except trends.TrajectoryError as exc:
        plan, problem = None, str(exc)
    return EmissionTargetPage(target=target, plan=plan, problem=problem, series=series)


def emission_target_pages(who, organisation: Organisation) -> list[EmissionTargetPage]:
    return [emission_target_page(who, t) for t in emission_targets_visible(who, organisation)]


# --- Units, commitments and actions --------------------------------------------------------------


def units_of(organisation: Organisation) -> list[ResponsibleUnit]:
    """Return the organisation's units in tree order (parents before their parts)."""
    return list(ResponsibleUnit.objects.filter(organisation=organisation).order_by("path"))


def commitments_visible(who, organisation: Organisation):
    return access.scope(
        who,
        "followup.commitment.view",
        Commitment.objects.filter(organisation=organisation).select_related(
            "organisation", "responsible_unit", "promise__menu"
        ),
    )


@dataclass
class ActionNode:
    action: Action
    children: list[ActionNode] = field(default_factory=list)
    depth: int = 0

    def progress_node(self) -> trends.ProgressNode:
        action = self.action
        return trends.ProgressNode(
            status=action.status,
            progress=action.progress,
            weight=action.weight,
            children=[child.progress_node() for child in self.children],
        )

    @property
    def progress(self) -> float | None:
        return trends.progress_of(self.progress_node())

    def flat(self):
        """Yield this node and its descendants, depth first."""
        yield self
        for child in self.children:
            yield from child.flat()


@dataclass
class CommitmentPage:
    commitment: Commitment
    roots: list[ActionNode]
    rows: list[IndicatorRow]

    @property
    def progress(self) -> float | None:
        return trends.weighted_progress([node.progress_node() for node in self.roots])

    def actions(self) -> list[ActionNode]:
        return [node for root in self.roots for node in root.flat()]

    def status_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ProgressStatus.values, 0)
        for node in self.actions():
            counts[node.action.status] += 1
        return counts


def action_tree(actions: list[Action]) -> list[ActionNode]:
    """Return the actions as trees (sub-actions under their parents)."""
    nodes = {action.pk: ActionNode(action) for action in actions}
    roots = []
    for action in actions:
        node = nodes[action.pk]
        parent = nodes.get(action.parent_id)
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)

    def set_depth(node: ActionNode, depth: int) -> None:
        node.depth = depth
        for child in node.children:
            set_depth(child, depth + 1)

    for root in roots:
        set_depth(root, 0)
    return roots


def commitment_get(who, organisation: Organisation, pk: int) -> Commitment:
    return access.get_visible(
        who,
        "followup.commitment.view",
        Commitment.objects.select_related(
            "organisation", "responsible_unit", "promise__menu__body"
        ),
        pk=pk,
        organisation=organisation,
    )


def commitment_page(who, commitment: Commitment) -> CommitmentPage:
    """Return a commitment with its action tree and its indicators' status (fixed queries)."""
    actions = list(
        commitment.actions.select_related("unit").prefetch_related("projects").order_by("id")
    )
    indicator_ids = set(commitment.indicators.values_list("pk", flat=True))
    rows = [
        row
        for row in indicator_rows(who, commitment.organisation)
        if row.indicator.pk in indicator_ids
    ]
    return CommitmentPage(commitment=commitment, roots=action_tree(actions), rows=rows)


def commitments_with_progress(
    who, organisation: Organisation
) -> list[tuple[Commitment, float | None]]:
    """Return the visible commitments with their progress (two queries)."""
    commitments = list(commitments_visible(who, organisation))
    by_commitment: dict[int, list[Action]] = defaultdict(list)
    for action in Action.objects.filter(commitment__in=commitments).order_by("id"):
        by_commitment[action.commitment_id].append(action)
    return [
        (
            commitment,
            trends.weighted_progress(
                [node.progress_node() for node in action_tree(by_commitment[commitment.pk])]
            ),
        )
        for commitment in commitments
    ]


def action_get(who, pk: int) -> Action:
    return access.get_visible(
        who,
        "followup.action.view",
        Action.objects.select_related("commitment__organisation", "unit"),
        pk=pk,
    )


# --- Promise menus ----------------------------------------------------------------------------


def menu_get(pk: int) -> PromiseMenu:
    try:
        return PromiseMenu.objects.select_related("body").get(pk=pk)
    except PromiseMenu.DoesNotExist:
        raise Http404 from None


@dataclass
class MenuRollup:
    """What the members of a body chose from its menu, as far as they share it."""

    menu: PromiseMenu
    items: list[PromiseItem]
    members: list[Organisation]
    # item id → the members' commitments for it
    choices: dict[int, list[Commitment]]
    # year adopted → status → count
    by_year: dict[int, dict[str, int]]

    @property
    def unchosen(self) -> list[PromiseItem]:
        return [item for item in self.items if not self.choices.get(item.pk)]

    def chosen_by(self, member: Organisation) -> list[int]:
        return [
            item.pk
            for item in self.items
            if any(c.organisation_id == member.pk for c in self.choices.get(item.pk, []))
        ]


def menu_rollup(who, menu: PromiseMenu) -> MenuRollup:
    """Return who chose what from the menu and the status counts per year (four queries)."""
    items = list(menu.items.all())
    members = organisation_selectors.body_members(menu.body)
    chosen = access.scope(
        who,
        "followup.commitment.view",
        Commitment.objects.filter(promise__menu=menu).select_related("organisation"),
    ).order_by("organisation__name")
    choices: dict[int, list[Commitment]] = defaultdict(list)
    by_year: dict[int, dict[str, int]] = {}
    for commitment in chosen:
        choices[commitment.promise_id].append(commitment)
        year = commitment.adopted_on.year if commitment.adopted_on else 0
        counts = by_year.setdefault(year, dict.fromkeys(ProgressStatus.values, 0))
        counts[commitment.status] += 1
    return MenuRollup(
        menu=menu,
        items=items,
        members=members,
        choices=dict(choices),
        by_year=dict(sorted(by_year.items())),
    )


def menus_of(body: Organisation) -> list[PromiseMenu]:
    return list(PromiseMenu.objects.filter(body=body))


def menus_for_member(organisation: Organisation) -> list[PromiseMenu]:
    """Return the menus of the bodies the organisation is a member of today."""
    bodies = Membership.objects.in_force().filter(member=organisation).values("body_id")
    return list(PromiseMenu.objects.filter(body_id__in=bodies).prefetch_related("items"))


# --- Imports ------------------------------------------------------------------------------------


def indicators_by_kpi() -> dict[str, IndicatorDefinition]:
    return {d.kolada_kpi: d for d in IndicatorDefinition.objects.exclude(kolada_kpi="")}


def _may_write(who):
    return lambda organisation: access.allows(who, "followup.organisation.edit", organisation)


def table_plan(
    who,
    rows: list[list],
    mapping: imports.ColumnMapping,
    indicator: IndicatorDefinition | None,
    on_progress=None,
    kind: str = ImportKind.VALUES,
) -> imports.Plan:
    """Check every row of a CSV or XLSX file with the mapping, for what `who` may write."""
    return imports.plan_table(
        rows,
        mapping,
        kind=kind,
        indicator=indicator,
        indicators_by_kpi=indicators_by_kpi(),
        organisations=imports.OrganisationIndex.load(),
        may_write=_may_write(who),
        on_progress=on_progress,
    )


def import_job_get(who, pk: int) -> ImportJob:
    """Return a background import of the person (or any, for staff); others get 404."""
    return access.get_visible(
        who, "followup.import.view", ImportJob.objects.select_related("batch"), pk=pk
    )


def kolada_plan(who, document) -> imports.Plan:
    """Check every entry of a Kolada response, for what `who` may write."""
    return imports.plan_kolada(
        document,
        indicators_by_kpi=indicators_by_kpi(),
        organisations=imports.OrganisationIndex.load(),
        may_write=_may_write(who),
    )


def import_batches(who):
    return access.scope(
        who, "followup.import.view", ImportBatch.objects.select_related("organisation")
    )


def import_batch_get(who, pk: int) -> ImportBatch:
    return access.get_visible(
        who, "followup.import.view", ImportBatch.objects.select_related("organisation"), pk=pk
    )


# --- A body's roll-up across its members ----------------------------------------------------


@dataclass
class RollupRow:
    indicator: IndicatorDefinition
    counts: dict[str, int]
    # member → status, for the members with a target for the indicator
    by_member: dict[int, str]
    reporting: int  # members with at least one visible value


@dataclass
class BodyRollup:
    body: Organisation
    members: list[Organisation]
    rows: list[RollupRow]


def _rows_from(
    definitions: dict[int, IndicatorDefinition],
    values,
    targets,
) -> dict[tuple[int, int], IndicatorRow]:
    """Build (member, indicator) rows from value tuples and Target objects, as
    `indicator_rows` does for one organisation."""
    rows: dict[tuple[int, int], IndicatorRow] = {}
    for organisation_id, indicator_id, year, gender, value in values:
        row = rows.setdefault(
            (organisation_id, indicator_id), IndicatorRow(definitions[indicator_id])
        )
        row.by_gender.setdefault(gender, {})[year] = value
        if gender == Gender.TOTAL:
            row.values[year] = value
    grouped: dict[tuple[int, int], list[Target]] = defaultdict(list)
    for target in targets:
        grouped[(target.organisation_id, target.indicator_id)].append(target)
    for key, found in grouped.items():
        row = rows.setdefault(key, IndicatorRow(definitions[key[1]]))
        latest = row.latest_year or 0
        upcoming = [t for t in found if t.target_year > latest]
        row.target = upcoming[0] if upcoming else found[-1]
    for row in rows.values():
        _assess(row)
    return rows


def rollup_scope(who, member_ids: list[int]):
    """Return the members' total ('T') values and their targets that `who` may see: all that
    a roll-up's statuses count."""
    visible = access.scope(
        who,
        "followup.value.view",
        IndicatorValue.objects.filter(organisation_id__in=member_ids, gender=Gender.TOTAL),
    )
    targets = access.scope(
        who, "followup.target.view", Target.objects.filter(organisation_id__in=member_ids)
    ).order_by("target_year")
    return visible, targets


# The roll-up depends on the members' follow-up data and on who the members are.
ROLLUP = declare("followup.rollup", depends_on=("followup", "organisations"))


def body_rollup(who, body: Organisation) -> BodyRollup:
    """Return, per indicator, how many of the body's members are on track, at risk, off
    track or have too little data, from what the members let `who` see.

    Cached twice: the whole roll-up per data version and sharing scope (a repeat view), and
    each member's statuses under that member's own data version, so that the first view
    after a write recomputes only the members whose data changed (a fixed number of
    queries, whatever the number of members)."""
    members = organisation_selectors.body_members(body)
    # The rules are asked here, also when the roll-up comes from the cache (strict mode);
    # a build scopes only the members it computes (short id lists compile fast).
    rollup_scope(who, [m.pk for m in members])
    return cached_value(
        who,
        ROLLUP,
        build=lambda: _rollup_build(who, body, members),
        parts=(body.pk,),
    )


# Each member's statuses are kept under the id of its last audited follow-up write (every
# follow-up write is audited), so they stay valid across other members' writes.
MEMBER_STATUSES = declare("followup.member_statuses", depends_on=())


def _last_writes(member_ids: list[int]) -> dict[int, int | None]:
    """Return per member the id of its last audited follow-up write (one query)."""
    last = dict(
        AuditEvent.objects.filter(
            organisation_id__in=member_ids, object_type__startswith="followup."
        )
        .values("organisation_id")
        .annotate(last=Max("id"))
        .values_list("organisation_id", "last")
        .order_by()
    )
    return {pk: last.get(pk) for pk in member_ids}


# What the statuses of one member depend on besides its own data: the definitions' directions.
def _definitions_part(definitions: dict[int, IndicatorDefinition]) -> str:
    return repr(sorted((pk, d.direction) for pk, d in definitions.items()))


def _same_pair() -> dict:
    """Lookups of a subquery on the outer row's organisation and indicator."""
    return {
        "organisation_id": OuterRef("organisation_id"),
        "indicator_id": OuterRef("indicator_id"),
    }


def window_sums_query(values):
    """Return a query of (organisation, indicator, points, latest year, Σx, Σy, Σxy, Σx²) per
    pair of `values` (one gender's visible values) over its trend window (x = year −
    `trends.SUMS_ORIGIN`).

    A value is in its pair's window when its year is one of the last `trends.WINDOW` years up
    to the pair's latest year in `values`, as `trends.window` has it.
    """
    pair = _same_pair()
    latest = values.filter(**pair).order_by("-year").values("year")[:1]
    # No window starts before the earliest of the pairs' latest years: a cheap first filter
    # that spares the per-row subquery most rows when the pairs are about as current.
    earliest_latest = (
        values.order_by()
        .values("organisation_id", "indicator_id")
        .annotate(latest=Max("year"))
        .order_by("latest")
        .values("latest")[:1]
    )
    x = F("year") - trends.SUMS_ORIGIN
    return (
        values.order_by()
        .filter(year__gt=Subquery(earliest_latest) - trends.WINDOW)
        .alias(latest=Subquery(latest))
        .filter(year__gt=F("latest") - trends.WINDOW)
        .values("organisation_id", "indicator_id")
        .annotate(
            points=Count("pk"),
            latest_year=Max("year"),
            sum_x=Sum(x),
            sum_y=Sum("value"),
            sum_xy=Sum(x * F("value"), output_field=FloatField()),
            sum_xx=Sum(x * x),
        )
        .values_list(
            "organisation_id",
            "indicator_id",
            "points",
            "latest_year",
            "sum_x",
            "sum_y",
            "sum_xy",
            "sum_xx",
        )
    )


def window_sums(values) -> dict[tuple[int, int], trends.WindowSums]:
    """Return per (organisation, indicator) of `values` (one gender's visible values) the
    sums of its trend window, summed by the database (one query, `window_sums_query`)."""
    return {(row[0], row[1]): trends.WindowSums._make(row[2:]) for row in window_sums_query(values)}


class TargetForStatus(NamedTuple):
    """A target's numbers as the status needs them, with the visible values it may need."""

    organisation_id: int
    indicator_id: int
    base_year: int
    target_year: int
    target_value: float
    trajectory: str
    base_value: float | None  # the target's own, else the visible value of the base year
    latest_value: float | None  # the pair's visible value of its latest year


def targets_for_status(targets, values) -> list[TargetForStatus]:
    """Return `targets` by target year, each with its base value (its own, else the value of
    its base year in `values`) and its pair's latest value in `values` (one query)."""
    pair = _same_pair()
    found_base = values.filter(**pair, year=OuterRef("base_year")).values("value")[:1]
    latest_value = values.filter(**pair).order_by("-year").values("value")[:1]
    rows = (
        targets.order_by("target_year", "pk")
        .annotate(
            base=Coalesce("base_value", Subquery(found_base)),
            latest_value=Subquery(latest_value),
        )
        .values_list(
            "organisation_id",
            "indicator_id",
            "base_year",
            "target_year",
            "target_value",
            "trajectory",
            "base",
            "latest_value",
        )
    )
    return list(map(TargetForStatus._make, rows))


def member_assessments(
    definitions: dict[int, IndicatorDefinition], visible, targets
) -> dict[tuple[int, int], tuple[trends.Assessment | None, bool]]:
    """Return per (member, indicator) its assessment (None without a target) and whether it
    has visible values, with the trends summed by the database (two queries). `visible` and
    `targets` are the members' total values and targets as `rollup_scope` gives them (not
    filtered again here: each id list costs on every row the database reads).

    The same as `indicator_rows` gives from the values themselves: a pair's status uses its
    earliest target that has not passed by its latest year with a value, else its latest
    target; the base value is the target's own, else the visible value of the base year."""
    sums = window_sums(visible)
    grouped: dict[tuple[int, int], list[TargetForStatus]] = defaultdict(list)
    for target in targets_for_status(targets, visible):
        grouped[(target.organisation_id, target.indicator_id)].append(target)
    result: dict[tuple[int, int], tuple[trends.Assessment | None, bool]] = dict.fromkeys(
        sums, (None, True)
    )
    for key, found in grouped.items():
        if key[1] not in definitions:
            continue
        window = sums.get(key)
        latest = window.latest_year if window else 0
        upcoming = [t for t in found if t.target_year > latest]
        target = upcoming[0] if upcoming else found[-1]
        assessment = trends.status_from_sums(
            window,
            latest_value=target.latest_value,
            lower_is_better=definitions[key[1]].lower_is_better,
            base_year=target.base_year,
            base_value=target.base_value,
            target_year=target.target_year,
            target_value=target.target_value,
            trajectory=target.trajectory,
        )
        result[key] = (assessment, window is not None)
    return result


def member_statuses(
    definitions: dict[int, IndicatorDefinition], visible, targets, member_ids: list[int]
) -> dict[int, dict[int, tuple[str | None, bool]]]:
    """Return per member {indicator id: (status or None without a target, has values)}
    from `rollup_scope(who, member_ids)` (two queries, see `member_assessments`)."""
    result: dict[int, dict[int, tuple[str | None, bool]]] = {pk: {} for pk in member_ids}
    found = member_assessments(definitions, visible, targets)
    for (organisation_id, indicator_id), (assessment, has_values) in found.items():
        status = assessment.status if assessment is not None else None
        result[organisation_id][indicator_id] = (status, has_values)
    return result


def _rollup_build(who, body, members) -> BodyRollup:
    definitions = {d.pk: d for d in IndicatorDefinition.objects.all()}
    statuses = cached_incremental(
        who,
        MEMBER_STATUSES,
        markers=_last_writes([m.pk for m in members]),
        build=lambda missing: member_statuses(definitions, *rollup_scope(who, missing), missing),
        parts=(body.pk, _definitions_part(definitions)),
    )
    by_indicator: dict[int, RollupRow] = {}
    statuses_all = trends.Status.values  # once: each call builds the choices anew
    for organisation_id, per_indicator in statuses.items():
        for indicator_id, (status, has_values) in per_indicator.items():
            if indicator_id not in definitions:
                continue
            rollup = by_indicator.get(indicator_id)
            if rollup is None:
                rollup = by_indicator[indicator_id] = RollupRow(
                    definitions[indicator_id], dict.fromkeys(statuses_all, 0), {}, 0
                )
            rollup.reporting += has_values
            if status is not None:
                rollup.counts[status] += 1
                rollup.by_member[organisation_id] = status
    return BodyRollup(
        body=body,
        members=members,
        rows=[by_indicator[pk] for pk in sorted(by_indicator)],
    )


# --- Capacity next to commitments -------------------------------------------------------------


@dataclass
class CapitalScores:
    """An organisation's published capital scores by year, as far as the viewer may see."""

    years: list[int]
    # (capital key, label, {year: score}, linked to a visible commitment)
    rows: list[tuple[str, str, dict[int, float | None], bool]]


def capital_scores(who, organisation: Organisation, commitments) -> CapitalScores:
    """Return the capital scores of the organisation's published self-assessments (the
    latest one per year) next to the capitals its commitments name (one query)."""
    assessments = capacity_selectors.assessments_of(who, organisation).filter(
        status=AssessmentStatus.PUBLISHED
    )
    scores: dict[str, dict[int, float | None]] = defaultdict(dict)
    years: set[int] = set()
    for year, key, score in (
        AssessmentResult.objects.filter(assessment__in=assessments)
        .order_by("assessment__year", "assessment__published_at", "assessment_id")
        .values_list("assessment__year", "capital_key", "score")
    ):
        scores[key][year] = score
        years.add(year)
    linked = {key for commitment in commitments for key in commitment.capitals}
    return CapitalScores(
        years=sorted(years),
        rows=[
            (key, label, scores.get(key, {}), key in linked) for key, label in CapitalKey.choices
        ],
    )


# --- The annual report -----------------------------------------------------------------------


@dataclass
class ReportCommitment:
    commitment: Commitment
    roots: list[ActionNode]
    rows: list[IndicatorRow]

    @property
    def progress(self) -> float | None:
        return trends.weighted_progress([node.progress_node() for node in self.roots])

    def actions(self) -> list[ActionNode]:
        return [node for root in self.roots for node in root.flat()]


@dataclass
class AnnualReport:
    organisation: Organisation
    year: int
    commitments: list[ReportCommitment]
    rows: list[IndicatorRow]
    emission_targets: list[EmissionTargetPage]

    def changes(self) -> list[tuple[IndicatorRow, float | None, float | None]]:
        """Return (row, value the year before, value this year) for every indicator."""
        return [
            (row, row.values.get(self.year - 1), row.values.get(self.year)) for row in self.rows
        ]


def _active_in(commitment: Commitment, year: int) -> bool:
    start, end = commitment.period_start, commitment.period_end
    return (start is None or start.year <= year) and (end is None or end.year >= year)


def annual_report(who, organisation: Organisation, year: int) -> AnnualReport:
    """Return the organisation's commitments active in `year` with their actions and
    indicators, its indicators' change since the year before and its emission targets, as
    far as `who` may see them (a fixed number of queries, whatever the number of
    commitments)."""
    commitments = [
        c
        for c in commitments_visible(who, organisation).prefetch_related("indicators")
        if _active_in(c, year)
    ]
    rows = indicator_rows(who, organisation)
    by_indicator = {row.indicator.pk: row for row in rows}
    actions: dict[int, list[Action]] = defaultdict(list)
    for action in (
        Action.objects.filter(commitment__in=commitments)
        .select_related("unit")
        .prefetch_related("projects")
        .order_by("id")
    ):
        actions[action.commitment_id].append(action)
    return AnnualReport(
        organisation=organisation,
        year=year,
        commitments=[
            ReportCommitment(
                commitment=c,
                roots=action_tree(actions[c.pk]),
                rows=[by_indicator[i.pk] for i in c.indicators.all() if i.pk in by_indicator],
            )
            for c in commitments
        ],
        rows=rows,
        emission_targets=emission_target_pages(who, organisation),
    )


# --- The yearly follow-up round -----------------------------------------------------------------


def reminder_recipients(round_: FollowupRound) -> list[tuple[RoundReport, list[tuple[str, str]]]]:
    """Return each report still to submit with the (e-mail, language) of who reports it:
    the unit's people, or the organisation's administrators and editors when the report has
    no unit or the unit nobody (three queries)."""
    reports = list(
        round_.reports.filter(status__in=[ReportStatus.TO_REPORT, ReportStatus.RETURNED])
        .select_related("organisation", "unit")
        .prefetch_related("unit__people")
    )
    editors: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for org_id, email, language in (
        OrganisationRole.objects.filter(
            organisation_id__in={r.organisation_id for r in reports},
            user__is_active=True,
            role__in=sorted(EDIT_ROLES),
        )
        .order_by("user__email")
        .values_list("organisation_id", "user__email", "user__language")
    ):
        editors[org_id].append((email, language or "sv"))
    result = []
    for report in reports:
        people = (
            [(p.email, p.language or "sv") for p in report.unit.people.all() if p.is_active]
            if report.unit_id
            else []
        )
        result.append((report, people or editors[report.organisation_id]))
    return result


def rounds_of(who, organisation: Organisation) -> list[FollowupRound]:
    """Return the organisation's rounds and those of the bodies it reports to, as far as
    `who` may see them; published rounds are public."""
    rounds = FollowupRound.objects.filter(
        Q(organisation=organisation) | Q(reports__organisation=organisation)
    ).distinct()
    visible = access.scope(who, "followup.round.view", rounds)
    return list(
        rounds.filter(Q(pk__in=visible.values("pk")) | Q(status=RoundStatus.PUBLISHED))
        .select_related("organisation")
        .annotate(
            report_count=Count("reports", distinct=True),
            approved_count=Count(
                "reports", filter=Q(reports__status=ReportStatus.APPROVED), distinct=True
            ),
        )
        .order_by("-year", "-id")
    )


def round_get(who, pk: int) -> FollowupRound:
    """Return a round `who` may follow (or a published one); others are 404."""
    round_ = FollowupRound.objects.select_related("organisation").filter(pk=pk).first()
    if round_ is None or not (
        round_.status == RoundStatus.PUBLISHED or access.allows(who, "followup.round.view", round_)
    ):
        raise Http404
    return round_


def round_reports(who, round_: FollowupRound) -> list[RoundReport]:
    """Return the round's reports `who` may see, with their counts of lines (two queries)."""
    reports = round_.reports.select_related("organisation", "unit").annotate(
        entry_count=Count("entries")
    )
    reports = access.scope(who, "followup.report.view", reports)
    return list(reports.order_by("organisation__name", "unit__path", "id"))


def report_get(who, pk: int) -> RoundReport:
    """Return a report `who` may see (its organisation's people and the round's
    administrators: a report may name private commitments); others get 404."""
    return access.get_visible(
        who,
        "followup.report.view",
        RoundReport.objects.select_related("round", "round__organisation", "organisation", "unit"),
        pk=pk,
    )


def report_entries(report: RoundReport) -> list[ReportEntry]:
    return list(
        report.entries.select_related("action", "action__commitment", "indicator").order_by(
            "action_id", "indicator_id"
        )
    )


def round_rows(who, round_: FollowupRound) -> list[tuple[RoundReport, ReportEntry]]:
    """Return every visible line of the round with its report (for exports)."""
    reports = {r.pk: r for r in round_reports(who, round_)}
    return [
        (reports[e.report_id], e)
        for e in ReportEntry.objects.filter(report_id__in=list(reports))
        .select_related("action", "indicator")
        .order_by("report_id", "action_id", "indicator_id")
    ]


def published_round(organisation: Organisation, year: int) -> FollowupRound | None:
    """Return the published round in which the organisation reported `year`, if any."""
    return (
        FollowupRound.objects.filter(
            status=RoundStatus.PUBLISHED, year=year, reports__organisation=organisation
        )
        .order_by("-published_at")
        .first()
    )


def published_changes(
    who, organisation: Organisation, round_: FollowupRound | None
) -> list[ReportEntry]:
    """Return the actions whose status or progress the published round changed, of the
    commitments `who` may see."""
    if round_ is None:
        return []
    return [
        e
        for e in ReportEntry.objects.filter(
            report__round=round_,
            report__organisation=organisation,
            action__commitment__in=commitments_visible(who, organisation),
        )
        .select_related("action", "action__commitment")
        .order_by("action_id")
        if e.status != e.previous_status or e.progress != e.previous_progress
    ]


def published_commitments(who, organisation: Organisation) -> tuple[FollowupRound | None, list]:
    """Return the organisation's latest published round and the commitments it reported on
    (as far as `who` may see them) with their status and progress, for its public page."""
    round_ = (
        FollowupRound.objects.filter(
            status=RoundStatus.PUBLISHED, reports__organisation=organisation
        )
        .order_by("-year", "-published_at")
        .first()
    )
    if round_ is None:
        return None, []
    reported = set(
        ReportEntry.objects.filter(
            report__round=round_, report__organisation=organisation, action__isnull=False
        ).values_list("action__commitment_id", flat=True)
    )
    return round_, [
        (c, progress)
        for c, progress in commitments_with_progress(who, organisation)
        if c.pk in reported
    ]


@dataclass
class RoundRollupRow:
    organisation: Organisation
    reports: int = 0
    approved: int = 0
    statuses: dict[str, int] = field(default_factory=dict)


def round_rollup(reports: list[RoundReport]) -> list[RoundRollupRow]:
    """Return per organisation its reports, how many are approved, and its reported
    actions per status (one query): a body's roll-up across its members."""
    rows: dict[int, RoundRollupRow] = {}
    for report in reports:
        row = rows.setdefault(
            report.organisation_id,
            RoundRollupRow(report.organisation, statuses={s: 0 for s in ProgressStatus.values}),
        )
        row.reports += 1
        row.approved += report.status == ReportStatus.APPROVED
    for org_id, status, count in (
        ReportEntry.objects.filter(report__in=reports, action__isnull=False)
        .values_list("report__organisation_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        if status in rows[org_id].statuses:
            rows[org_id].statuses[status] += count
    return sorted(rows.values(), key=lambda row: row.organisation.name)


PUBLIC_PANEL = declare("followup.public_panel", depends_on=("followup",))


def public_panel(who, organisation: Organisation) -> dict | None:
    """Return the organisation page's panel: the commitments of its latest published
    round that `who` may see, with status and progress; None without one (cached per
    data version and sharing scope, so that a repeat view of the page asks nothing)."""

    def build() -> dict:
        round_, commitments = published_commitments(who, organisation)
        if round_ is None or not commitments:
            return {}
        return {"round": round_, "commitments": commitments, "organisation": organisation}

    return cached_value(who, PUBLIC_PANEL, build=build, parts=(organisation.pk,)) or None


def people_of(organisation: Organisation):
    """Return the active people with a role in the organisation (for the unit form)."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(organisation_roles__organisation=organisation, is_active=True)
        .distinct()
        .order_by("full_name", "email")
    )


def unit_people(units: list[ResponsibleUnit]) -> dict[int, list]:
    """Return the people of each unit (one query), for the organisation's administrators."""
    people: dict[int, list] = defaultdict(list)
    for link in ResponsibleUnit.people.through.objects.filter(
        responsibleunit__in=units
    ).select_related("user"):
        people[link.responsibleunit_id].append(link.user)
    return people


# --- A body's capacity follow-up -------------------------------------------------------------


@dataclass
class MemberCapacity:
    """One member's capital scores by year and what changed after it took part in offers."""

    organisation: Organisation
    scores: dict[str, dict[int, float | None]]  # capital key -> {year: score}
    first_enrolled: datetime.datetime | None  # its first enrolment in one of the body's offers
    baseline_year: int | None  # the last assessment published before that enrolment
    latest_year: int | None  # the latest assessment, when published after that enrolment

    @property
    def took_part(self) -> bool:
        return self.first_enrolled is not None

    def change(self, key: str) -> float | None:
        """Return latest minus baseline score of the capital; None when either is missing."""
        if self.baseline_year is None or self.latest_year is None:
            return None
        before = self.scores.get(key, {}).get(self.baseline_year)
        after = self.scores.get(key, {}).get(self.latest_year)
        if before is None or after is None:
            return None
        return after - before


@dataclass
class BodyCapacity:
    body: Organisation
    years: list[int]
    capitals: list[tuple[str, str]]
    members: list[MemberCapacity]
    include_demo: bool = False

    def table(self) -> list[tuple[MemberCapacity, list[tuple[str, list, float | None]]]]:
        """Return per member (capital label, scores in year order, change) for the page."""
        return [
            (
                member,
                [
                    (
                        label,
                        [member.scores.get(key, {}).get(year) for year in self.years],
                        member.change(key),
                    )
                    for key, label in self.capitals
                ],
            )
            for member in self.members
        ]


def body_capacity(who, body: Organisation) -> BodyCapacity:
    """Return per member of the body its capital scores over time, whether it took part in
    the body's support offers and the change per capital since before its first enrolment.

    Scores are those of each member's latest published assessment per year, limited to what
    the viewer may see by `capacity.assessment.view` AND to what the member shares with its
    bodies (region or public), so a staff viewer sees no more than the body does. "Before"
    and "after" compare publication dates with the date of the first (kept) enrolment in an
    offer the body provides. Four queries, whatever the number of members and years.
    """
    members = organisation_selectors.body_members(body)
    member_ids = [m.pk for m in members]
    assessments = access.scope(
        who,
        "capacity.assessment.view",
        Assessment.objects.filter(
            organisation_id__in=member_ids,
            status=AssessmentStatus.PUBLISHED,
            sharing_level__in=capacity_selectors.SHARED_LEVELS,
        ),
    ).order_by("organisation_id", "year", "published_at", "pk")
    # The latest assessment of each member and year wins (later rows overwrite earlier ones).
    latest: dict[tuple[int, int], tuple[int, datetime.datetime, bool]] = {}
    for pk, organisation_id, year, published_at, is_demo in assessments.values_list(
        "pk", "organisation_id", "year", "published_at", "is_demo"
    ):
        latest[(organisation_id, year)] = (pk, published_at, is_demo)
    by_pk = {pk: (org, year) for (org, year), (pk, _at, _demo) in latest.items()}
    published: dict[int, list[tuple[int, datetime.datetime]]] = defaultdict(list)
    for (organisation_id, year), (_pk, at, _demo) in sorted(latest.items()):
        published[organisation_id].append((year, at))
    scores: dict[int, dict[str, dict[int, float | None]]] = defaultdict(lambda: defaultdict(dict))
    for assessment_id, key, score in AssessmentResult.objects.filter(
        assessment_id__in=list(by_pk)
    ).values_list("assessment_id", "capital_key", "score"):
        organisation_id, year = by_pk[assessment_id]
        scores[organisation_id][key][year] = score
    first_enrolled = dict(
        Enrolment.objects.filter(
            offer__provider=body,
            organisation_id__in=member_ids,
            status=EnrolmentStatus.ENROLLED,
        )
        .values("organisation_id")
        .annotate(first=Min("created_at"))
        .values_list("organisation_id", "first")
        .order_by()
    )
    rows = []
    for member in members:
        enrolled = first_enrolled.get(member.pk)
        baseline = latest_year = None
        if enrolled is not None:
            before = [year for year, at in published[member.pk] if at < enrolled]
            after = [year for year, at in published[member.pk] if at > enrolled]
            baseline = before[-1] if before else None
            latest_year = after[-1] if after else None
        rows.append(
            MemberCapacity(
                organisation=member,
                scores={key: dict(by_year) for key, by_year in scores[member.pk].items()},
                first_enrolled=enrolled,
                baseline_year=baseline,
                latest_year=latest_year,
            )
        )
    return BodyCapacity(
        body=body,
        years=sorted({year for _org, year in latest}),
        capitals=list(CapitalKey.choices),
        members=rows,
        include_demo=any(demo for _pk, _at, demo in latest.values()),
    )
