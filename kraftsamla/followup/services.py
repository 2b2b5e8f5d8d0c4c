"""Write follow-up data: indicators, their values and targets, emission targets.

Every function is atomic, keyword-only, takes the actor (a user, or
kraftsamla.core.access.SYSTEM for loaders), asks the follow-up policies and is audited.
Bad input is a ValidationError at the field, and nothing is saved.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kraftsamla.core import access
from kraftsamla.core.audit import audit_record
from kraftsamla.core.models import AuditAction, SharingLevel
from kraftsamla.core.services import model_save_audited
from kraftsamla.followup import imports, selectors, trends
from kraftsamla.followup.models import (
    IMPORT_JOB_ENDED,
    Action,
    Commitment,
    CommitmentKind,
    EmissionFigure,
    EmissionTarget,
    FollowupRound,
    Gender,
    ImportBatch,
    ImportJob,
    ImportJobStatus,
    ImportKind,
    ImportStatus,
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

INDICATOR_FIELDS = ["name", "unit", "direction", "description", "source", "kolada_kpi"]
VALUE_FIELDS = ["value", "source", "sharing_level"]
TARGET_FIELDS = [
    "target_value",
    "target_year",
    "base_year",
    "base_value",
    "trajectory",
    "note",
    "sharing_level",
]
EMISSION_TARGET_FIELDS = [
    "name",
    "kind",
    "reduction_percent",
    "base_year",
    "target_year",
    "sector",
    "series",
    "decision",
    "sharing_level",
]


def _person(actor):
    """Return the actor as a user to record; None for the system actor."""
    return actor if getattr(actor, "pk", None) else None


@transaction.atomic
def indicator_create(
    *,
    actor,
    owner: Organisation | None,
    data: Mapping[str, Any],
    is_demo: bool = False,
) -> IndicatorDefinition:
    """Define an indicator for the platform (staff, owner None) or for an organisation."""
    indicator = IndicatorDefinition(owner=owner, is_demo=is_demo)
    access.require(
        actor,
        "followup.indicator.manage",
        indicator,
        _("Only staff and the organisation's administrators and editors define indicators."),
    )
    return model_save_audited(
        actor=actor, obj=indicator, data=data, fields=INDICATOR_FIELDS, organisation=owner
    )


@transaction.atomic
def indicator_value_set(
    *,
    actor,
    organisation: Organisation,
    indicator: IndicatorDefinition,
    year: int,
    data: Mapping[str, Any],
    gender: str = Gender.TOTAL,
    is_demo: bool = False,
) -> IndicatorValue:
    """Set the organisation's value of an indicator for a year (replacing an earlier one)."""
    existing = (
        IndicatorValue.objects.select_for_update()
        .filter(indicator=indicator, organisation=organisation, year=year, gender=gender)
        .first()
    )
    value = existing or IndicatorValue(
        indicator=indicator, organisation=organisation, year=year, gender=gender, is_demo=is_demo
    )
    access.require(
        actor,
        "followup.value.edit",
        value,
        _("Only the organisation's administrators and editors report its values."),
    )
    return model_save_audited(
        actor=actor, obj=value, data=data, fields=VALUE_FIELDS, organisation=organisation
    )


@transaction.atomic
def target_create(
    *,
    actor,
    organisation: Organisation,
    indicator: IndicatorDefinition,
    data: Mapping[str, Any],
    is_demo: bool = False,
) -> Target:
    """Set a target for the organisation's indicator; the trajectory must be computable."""
    target = Target(organisation=organisation, indicator=indicator, is_demo=is_demo)
    access.require(
        actor,
        "followup.target.edit",
        target,
        _("Only the organisation's administrators and editors set its targets."),
    )
    return model_save_audited(
        actor=actor, obj=target, data=data, fields=TARGET_FIELDS, organisation=organisation
    )


@transaction.atomic
def emission_target_create(
    *,
    actor,
    organisation: Organisation,
    data: Mapping[str, Any],
    is_demo: bool = False,
) -> EmissionTarget:
    """Set a municipality's emission target; its series (SMHI's or the municipality's own
    figures) must have a figure for the base year."""
    target = EmissionTarget(organisation=organisation, created_by=_person(actor), is_demo=is_demo)
    access.require(
        actor,
        "followup.emissiontarget.edit",
        target,
        _("Only the municipality's administrators and editors set its emission targets."),
    )
    if not organisation.is_municipality:
        raise ValidationError(_("Emission targets follow a municipality's emission figures."))
    for name in EMISSION_TARGET_FIELDS:
        if name in data:
            setattr(target, name, data[name])
    target.full_clean()
    series = selectors.emission_series(organisation, target.sector, series=target.series, who=actor)
    try:
        trends.emission_plan(
            series,
            base_year=target.base_year,
            target_year=target.target_year,
            target_share=target.target_share,
        )
    except trends.TrajectoryError as exc:
        field = "target_year" if target.base_year in series else "base_year"
        raise ValidationError({field: str(exc)}) from None
    return model_save_audited(
        actor=actor,
        obj=target,
        data=data,
        fields=EMISSION_TARGET_FIELDS,
        organisation=organisation,
    )


# --- Units, commitments and actions ------------------------------------------------------------

UNIT_FIELDS = ["name", "kind", "parent"]
COMMITMENT_FIELDS = [
    "kind",
    "title",
    "description",
    "adopted_by",
    "adopted_on",
    "decision_reference",
    "period_start",
    "period_end",
    "responsible_unit",
    "responsible_person",
    "capitals",
    "emission_sectors",
    "status",
    "sharing_level",
]
ACTION_FIELDS = [
    "title",
    "parent",
    "unit",
    "starts_on",
    "ends_on",
    "cost",
    "funding",
    "status",
    "status_comment",
    "progress",
    "weight",
]
STATUS_FIELDS = ["status", "status_comment", "progress"]


@transaction.atomic
def unit_create(
    *,
    actor,
    organisation: Organisation,
    data: Mapping[str, Any],
    is_demo: bool = False,
) -> ResponsibleUnit:
    """Add a committee, administration or department (under `data["parent"]`, if given)."""
    unit = ResponsibleUnit(organisation=organisation, is_demo=is_demo)
    access.require(
        actor,
        "followup.unit.manage",
        unit,
        _("Only the organisation's administrators change its units."),
    )
    unit = model_save_audited(
        actor=actor, obj=unit, data=data, fields=UNIT_FIELDS, organisation=organisation
    )
    unit.path = f"{unit.parent.path if unit.parent else '/'}{unit.pk}/"
    unit.save(update_fields=["path"])
    return unit


@transaction.atomic
def unit_person_add(*, actor, unit: ResponsibleUnit, user) -> None:
    """Let a person act for the unit (and the units below it)."""
    access.require(
        actor,
        "followup.unit.manage",
        unit,
        _("Only the organisation's administrators change its units."),
    )
    if not unit.organisation.user_roles.filter(user=user).exists():
        raise ValidationError({"user": _("Choose a person of the organisation itself.")})
    unit.people.add(user)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=unit,
        organisation=unit.organisation,
        after={"person_added": user.pk},
    )


def _indicators_set(commitment: Commitment, indicators) -> None:
    if indicators is not None:
        commitment.indicators.set(indicators)


@transaction.atomic
def commitment_create(
    *,
    actor,
    organisation: Organisation,
    data: Mapping[str, Any],
    indicators: list[IndicatorDefinition] | None = None,
    promise: PromiseItem | None = None,
    is_demo: bool = False,
) -> Commitment:
    """Record a commitment of the organisation (a promise chosen from a menu via
    `promise_choose`)."""
    commitment = Commitment(organisation=organisation, promise=promise, is_demo=is_demo)
    access.require(
        actor,
        "followup.commitment.edit",
        commitment,
        _("Only the organisation's administrators and editors record its commitments."),
    )
    commitment = model_save_audited(
        actor=actor,
        obj=commitment,
        data=data,
        fields=COMMITMENT_FIELDS,
        organisation=organisation,
    )
    _indicators_set(commitment, indicators)
    return commitment


@transaction.atomic
def action_create(
    *,
    actor,
    commitment: Commitment,
    data: Mapping[str, Any],
    projects=None,
    is_demo: bool = False,
) -> Action:
    """Add an action (or a sub-action, with `data["parent"]`) under a commitment."""
    access.require(
        actor,
        "followup.commitment.edit",
        commitment,
        _("Only the organisation's administrators and editors add actions."),
    )
    action = Action(commitment=commitment, is_demo=is_demo)
    action = model_save_audited(
        actor=actor,
        obj=action,
        data=data,
        fields=ACTION_FIELDS,
        organisation=commitment.organisation,
    )
    if projects:
        action.projects.set(projects)
    return action


@transaction.atomic
def action_status_set(
    *,
    actor,
    action: Action,
    status: str,
    comment: str = "",
    progress: int | None = None,
) -> Action:
    """Change an action's status, with a comment and, optionally, its progress.

    Only the action's unit (or a unit above it) and the organisation's administrators may.
    """
    access.require(
        actor,
        "followup.action.change_status",
        action,
        _("Only the responsible unit and the organisation's administrators change this action."),
    )
    data = {"status": status, "status_comment": comment.strip(), "progress": progress}
    if status == ProgressStatus.DONE and progress is None and not action.children.exists():
        data["progress"] = 100
    return model_save_audited(
        actor=actor,
        obj=action,
        data=data,
        fields=STATUS_FIELDS,
        organisation=action.commitment.organisation,
    )


# --- Promise menus -----------------------------------------------------------------------------


@transaction.atomic
def promise_menu_create(
    *,
    actor,
    body: Organisation,
    data: Mapping[str, Any],
    items: list[Mapping[str, Any]],
    is_demo: bool = False,
) -> PromiseMenu:
    """Publish a list of promises for the body's members to choose from."""
    menu = PromiseMenu(body=body, is_demo=is_demo)
    access.require(
        actor,
        "followup.menu.manage",
        menu,
        _("Only the body's administrators and editors publish its promise menus."),
    )
    if not body.is_coordinating:
        raise ValidationError(_("Only a regional body or programme publishes promise menus."))
    menu = model_save_audited(
        actor=actor,
        obj=menu,
        data=data,
        fields=["title", "description", "published_on"],
        organisation=body,
    )
    for number, item in enumerate(items, 1):
        model_save_audited(
            actor=actor,
            obj=PromiseItem(menu=menu, number=item.get("number", number)),
            data=item,
            fields=["title", "description"],
            organisation=body,
        )
    return menu


@transaction.atomic
def promise_choose(
    *,
    actor,
    organisation: Organisation,
    promise: PromiseItem,
    data: Mapping[str, Any],
    is_demo: bool = False,
) -> Commitment:
    """Adopt a promise from a body's menu: the member's commitment, with its decision.

    Only a member of the body (membership in force) chooses from its menu; the decision
    that adopted the promise (who and when) is required.
    """
    body_id = promise.menu.body_id
    if not Membership.objects.in_force().filter(member=organisation, body_id=body_id).exists():
        raise ValidationError(_("Only the body's members choose promises from its menu."))
    missing = {
        name: _("Say who adopted the promise and when.")
        for name in ("adopted_by", "adopted_on")
        if not data.get(name)
    }
    if missing:
        raise ValidationError(missing)
    return commitment_create(
        actor=actor,
        organisation=organisation,
        data={
            "title": promise.title,
            "description": promise.description,
            **data,
            "kind": CommitmentKind.CLIMATE_PROMISE,
        },
        promise=promise,
        is_demo=is_demo,
    )


# --- Imports ------------------------------------------------------------------------------------


# Ids per DELETE statement (SQLite allows a limited number of parameters).
DELETE_CHUNK = 900


def _problem_messages(plan: imports.Plan, limit: int = 200) -> list[str]:
    messages = [
        _("Row %(row)s, column %(column)s: %(reason)s")
        % {"row": p.row, "column": p.column or "–", "reason": p.reason}
        for p in plan.problems[:limit]
    ]
    if len(plan.problems) > limit:
        messages.append(_("… and %(count)s more problems.") % {"count": len(plan.problems) - limit})
    return messages


@dataclass(frozen=True)
class _Written:
    """How an import kind writes its rows: the model, the fields that identify a row (named
    as on `imports.ParsedValue`), the field that holds the parsed value, and the fields an
    undo restores besides (foreign keys by their names without "_id")."""

    model: type
    related_name: str
    keys: tuple[str, ...]
    measure: str
    copied: tuple[str, ...]

    def key_of(self, row) -> tuple:
        return tuple(getattr(row, _attname(name)) for name in self.keys)

    def key_of_parsed(self, value: imports.ParsedValue) -> tuple:
        return tuple(_plain(getattr(value, name)) for name in self.keys)

    def remembered(self, row) -> dict:
        names = (*self.keys, self.measure, *self.copied)
        return {name: getattr(row, _attname(name)) for name in names}

    def restored(self, item: dict):
        return self.model(**{_attname(name): value for name, value in item.items()})

    def new(self, value: imports.ParsedValue, **common):
        keys = {name: getattr(value, name) for name in self.keys}
        return self.model(**keys, **{self.measure: value.value}, **common)

    def stored_like(self, keys: set[tuple], queryset):
        """Narrow `queryset` to rows whose foreign keys and year are among `keys`' (a cheap
        first filter; the caller compares whole keys)."""
        narrowing = {
            f"{_attname(name)}__in": {key[index] for key in keys}
            for index, name in enumerate(self.keys)
            if name in _FOREIGN_KEYS or name == "year"
        }
        return queryset.filter(**narrowing)


_FOREIGN_KEYS = {"indicator", "organisation", "import_batch"}


def _attname(name: str) -> str:
    return f"{name}_id" if name in _FOREIGN_KEYS else name


def _plain(value):
    return value.pk if isinstance(value, models.Model) else value


WRITTEN = {
    ImportKind.VALUES: _Written(
        IndicatorValue,
        "values",
        ("indicator", "organisation", "year", "gender"),
        "value",
        ("source", "sharing_level", "import_batch", "is_demo"),
    ),
    ImportKind.EMISSIONS: _Written(
        EmissionFigure,
        "emission_figures",
        ("organisation", "year", "sector"),
        "tonnes_co2e",
        ("source", "sharing_level", "import_batch", "is_demo"),
    ),
}


def _existing(written: _Written, good: list[imports.ParsedValue]) -> dict[tuple, Any]:
    """Return the stored rows the import's values would replace, locked, by key."""
    keys = {written.key_of_parsed(value) for value in good}
    stored = written.stored_like(keys, written.model.objects.select_for_update())
    return {key: row for row in stored if (key := written.key_of(row)) in keys}


@transaction.atomic
def values_import(
    *,
    actor,
    plan: imports.Plan,
    file_name: str,
    source: str = "",
    sharing_level: str = SharingLevel.REGION,
    skip_bad_rows: bool = False,
    is_demo: bool = False,
) -> ImportBatch:
    """Write a checked import plan (indicator values or emission figures, as the plan
    says): all of it, or its good rows when `skip_bad_rows`.

    With bad rows and without `skip_bad_rows` nothing is written: a ValidationError on
    "file" names every bad row. Values already stored are replaced, and remembered on
    the import so that undoing it restores them.
    """
    access.require(
        actor,
        "followup.import.run",
        None,
        _("Only administrators and editors of an organisation import values."),
    )
    if plan.problems and not skip_bad_rows:
        raise ValidationError({"file": _problem_messages(plan)})
    good = plan.good_values
    if not good:
        raise ValidationError({"file": [_("The file holds no values to import.")]})
    if sharing_level not in SharingLevel.values:
        raise ValidationError({"sharing_level": _("Choose who sees the values.")})
    written = WRITTEN[plan.kind]
    organisations = {value.organisation.pk: value.organisation for value in good}
    batch = ImportBatch.objects.create(
        organisation=good[0].organisation if len(organisations) == 1 else None,
        kind=plan.kind,
        file_name=file_name[:200],
        source=source[:300],
        rows_skipped=len(plan.bad_rows),
        created_by=_person(actor),
        is_demo=is_demo,
    )
    existing = _existing(written, good)
    # Replaced rows are deleted and written anew (far faster than updating them row by
    # row); the import keeps what they held, so undoing it writes them back.
    replaced = [
        written.remembered(old)
        for value in good
        if (old := existing.get(written.key_of_parsed(value))) is not None
    ]
    old_ids = [old.pk for old in existing.values()]
    for start in range(0, len(old_ids), DELETE_CHUNK):
        written.model.objects.filter(pk__in=old_ids[start : start + DELETE_CHUNK]).delete()
    written.model.objects.bulk_create(
        [
            written.new(
                value,
                source=source[:300],
                sharing_level=sharing_level,
                import_batch=batch,
                is_demo=is_demo,
            )
            for value in good
        ],
        batch_size=2000,
    )
    batch.rows_written = len(good)
    batch.replaced = replaced
    batch.save(update_fields=["rows_written", "replaced"])
    for organisation_id, organisation in sorted(organisations.items()):
        audit_record(
            actor=actor,
            action=AuditAction.LOAD,
            obj=batch,
            organisation=organisation,
            after={
                "file": batch.file_name,
                "kind": batch.kind,
                "values": sum(1 for v in good if v.organisation.pk == organisation_id),
                "skipped_rows": batch.rows_skipped,
            },
        )
    return batch


def _replaced_later(batch: ImportBatch) -> bool:
    """Return whether a later import, not undone, replaced values this one wrote."""
    later = ImportBatch.objects.filter(
        kind=batch.kind, status=ImportStatus.DONE, pk__gt=batch.pk
    ).values_list("replaced", flat=True)
    return any(
        item.get("import_batch") == batch.pk for replaced in later.iterator() for item in replaced
    )


@transaction.atomic
def import_undo(*, actor, batch: ImportBatch) -> ImportBatch:
    """Undo a finished import: remove the rows it added and restore those it replaced."""
    access.require(
        actor, "followup.import.undo", batch, _("Only the person who imported may undo it.")
    )
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status == ImportStatus.UNDONE:
        raise ValidationError(_("This import has already been undone."))
    written = WRITTEN[batch.kind]
    if _replaced_later(batch):
        raise ValidationError(
            _("A later import replaced values of this one: undo the later import first.")
        )
    added = getattr(batch, written.related_name)
    organisations = list(
        Organisation.objects.filter(
            pk__in=added.values_list("organisation_id", flat=True)
        ).order_by("pk")
    )
    removed, _count = added.all().delete()
    restored = [written.restored(item) for item in batch.replaced]
    keys = {written.key_of(row) for row in restored}
    if keys:
        later = written.stored_like(keys, written.model.objects.all())
        if any(written.key_of(row) in keys for row in later):
            raise ValidationError(
                _("A later import replaced values of this one: undo the later import first.")
            )
    written.model.objects.bulk_create(restored, batch_size=2000)
    batch.status = ImportStatus.UNDONE
    batch.save(update_fields=["status"])
    for organisation in organisations or [batch.organisation]:
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            obj=batch,
            organisation=organisation,
            before={"file": batch.file_name, "removed": removed, "restored": len(restored)},
        )
    return batch


# --- The yearly follow-up round -----------------------------------------------------------------

ROUND_FIELDS = ["name", "year", "deadline", "remind_days"]
ENTRY_FIELDS = ("status", "progress", "value", "comment")


def _round_members(organisation: Organisation) -> list[Organisation]:
    """Return who reports in a round: the municipality itself, or a body's members."""
    members = organisation_selectors.body_members(organisation)
    return members or [organisation]


def _round_tasks(round_: FollowupRound, members: list[Organisation]):
    """Return {(organisation id, unit id or None): ([actions], {indicator ids})} for the
    commitments active in the round's year. A body's round asks only for what the members
    share with it (not their private commitments)."""
    commitments = Commitment.objects.filter(organisation__in=members).prefetch_related("indicators")
    if round_.organisation not in members:
        commitments = commitments.exclude(sharing_level=SharingLevel.PRIVATE)
    year = round_.year
    active = [
        c
        for c in commitments
        if (c.period_start is None or c.period_start.year <= year)
        and (c.period_end is None or c.period_end.year >= year)
    ]
    tasks: dict[tuple[int, int | None], tuple[list, set]] = {}
    for commitment in active:
        indicator_ids = {i.pk for i in commitment.indicators.all()}
        if indicator_ids:
            key = (commitment.organisation_id, commitment.responsible_unit_id)
            tasks.setdefault(key, ([], set()))[1].update(indicator_ids)
    for action in (
        Action.objects.filter(commitment__in=active).select_related("commitment").order_by("id")
    ):
        key = (action.commitment.organisation_id, action.unit_id)
        tasks.setdefault(key, ([], set()))[0].append(action)
    return tasks


def _schedule_reminders(round_: FollowupRound) -> None:
    """Queue the reminder for its day, when the task backend can wait (the database
    backend and its worker can; the immediate backend of the tests cannot)."""
    from django_tasks import default_task_backend

    from kraftsamla.followup.tasks import send_round_reminders

    if not default_task_backend.supports_defer:
        return
    remind_on = round_.deadline - datetime.timedelta(days=round_.remind_days)
    run_after = timezone.make_aware(datetime.datetime.combine(remind_on, datetime.time(8)))
    if run_after <= timezone.now():
        send_round_reminders.enqueue(round_.pk)
    else:
        send_round_reminders.using(run_after=run_after).enqueue(round_.pk)


@transaction.atomic
def round_open(
    *,
    actor,
    organisation: Organisation,
    data: Mapping[str, Any],
    schedule_reminders: bool = True,
    is_demo: bool = False,
) -> FollowupRound:
    """Open a round: every responsible unit of the municipality (or of each member of the
    body) gets a task list of its actions and indicator values, with the deadline; the
    reminder is queued for its day (unless `schedule_reminders` is False)."""
    round_ = FollowupRound(organisation=organisation, opened_by=_person(actor), is_demo=is_demo)
    access.require(
        actor,
        "followup.round.manage",
        round_,
        _("Only the organisation's administrators open a follow-up round."),
    )
    deadline = data.get("deadline")
    if deadline and deadline < timezone.localdate():
        raise ValidationError({"deadline": _("The deadline must not be in the past.")})
    round_ = model_save_audited(
        actor=actor, obj=round_, data=data, fields=ROUND_FIELDS, organisation=organisation
    )
    tasks = _round_tasks(round_, _round_members(organisation))
    values = {
        (v.organisation_id, v.indicator_id): v.value
        for v in IndicatorValue.objects.filter(
            organisation_id__in={org for org, _unit in tasks},
            year=round_.year,
            gender=Gender.TOTAL,
        )
    }
    entries = []
    for (org_id, unit_id), (actions, indicator_ids) in sorted(
        tasks.items(), key=lambda item: (item[0][0], item[0][1] or 0)
    ):
        report = RoundReport.objects.create(round=round_, organisation_id=org_id, unit_id=unit_id)
        entries += [
            ReportEntry(
                report=report,
                action=a,
                previous_status=a.status,
                previous_progress=a.progress,
                status=a.status,
                progress=a.progress,
                comment=a.status_comment,
            )
            for a in actions
        ]
        entries += [
            ReportEntry(report=report, indicator_id=pk, value=values.get((org_id, pk)))
            for pk in sorted(indicator_ids)
        ]
    ReportEntry.objects.bulk_create(entries)
    if schedule_reminders:
        transaction.on_commit(lambda: _schedule_reminders(round_))
    return round_


@transaction.atomic
def round_remind(*, actor, round_: FollowupRound) -> None:
    """Send the reminder now to the units that have not yet submitted."""
    from kraftsamla.followup.tasks import send_round_reminders

    access.require(
        actor,
        "followup.round.manage",
        round_,
        _("Only the round's administrators send reminders."),
    )
    if round_.status != RoundStatus.OPEN:
        raise ValidationError(_("The round is closed: there is nobody to remind."))
    transaction.on_commit(lambda: send_round_reminders.enqueue(round_.pk))


def _refuse_when_closed(round_: FollowupRound) -> None:
    if round_.status != RoundStatus.OPEN:
        raise ValidationError(
            _("The round “%(name)s” is closed: reports are no longer accepted.")
            % {"name": round_.name}
        )
    if timezone.localdate() > round_.deadline:
        raise ValidationError(
            _(
                "The round “%(name)s” closed on %(date)s: reports are no longer accepted. "
                "Ask the round's administrator."
            )
            % {"name": round_.name, "date": round_.deadline.isoformat()}
        )


def _refuse_foreign_entries(entries: Mapping[int, Any], lines: list[ReportEntry]) -> None:
    """Refuse figures for lines of other reports (another unit's actions, say)."""
    unknown = sorted(set(entries) - {entry.pk for entry in lines})
    if unknown:
        raise ValidationError(
            {
                "entries": ngettext(
                    "The report has no line %(ids)s: a unit reports only its own actions "
                    "and indicators.",
                    "The report has no lines %(ids)s: a unit reports only its own actions "
                    "and indicators.",
                    len(unknown),
                )
                % {"ids": ", ".join(str(pk) for pk in unknown)}
            }
        )


def _refuse_misplaced_figures(entry: ReportEntry, given: Mapping[str, Any]) -> None:
    """An action's line takes a status, progress and comment; an indicator's a value."""
    misplaced = ("value",) if entry.action_id else ("status", "progress")
    errors = {
        f"e{entry.pk}_{name}": (
            _("“%(line)s” is an action: report its status, progress and comment.")
            if entry.action_id
            else _("“%(line)s” is an indicator: report its value.")
        )
        % {"line": entry}
        for name in misplaced
        if given.get(name) not in (None, "")
    }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def report_submit(
    *, actor, report: RoundReport, entries: Mapping[int, Mapping[str, Any]]
) -> RoundReport:
    """Submit a unit's report: per entry id the action's status, progress and comment, or
    the indicator's value (lines left out keep theirs). Refused after the round closed, once
    submitted or approved, for lines of other reports and for an action's value or an
    indicator's status."""
    access.require(
        actor,
        "followup.report.submit",
        report,
        _("Only the unit's people and the organisation's administrators submit this report."),
    )
    report = RoundReport.objects.select_for_update().select_related("round").get(pk=report.pk)
    _refuse_when_closed(report.round)
    if report.status in (ReportStatus.SUBMITTED, ReportStatus.APPROVED):
        raise ValidationError(_("The report is already submitted."))
    lines = list(report.entries.select_related("action", "indicator"))
    _refuse_foreign_entries(entries, lines)
    for entry in lines:
        given = entries.get(entry.pk, {})
        _refuse_misplaced_figures(entry, given)
        before = {name: getattr(entry, name) for name in ENTRY_FIELDS}
        for name in ENTRY_FIELDS:
            if name in given:
                setattr(entry, name, given[name])
        entry.comment = (entry.comment or "").strip()
        if entry.action_id and not entry.status:
            raise ValidationError(
                {
                    f"e{entry.pk}_status": _("Choose a status for “%(action)s”.")
                    % {"action": entry.action}
                }
            )
        try:
            entry.full_clean()
        except ValidationError as exc:
            raise ValidationError(
                {f"e{entry.pk}_{name}": errors for name, errors in exc.message_dict.items()}
            ) from exc
        if before != {name: getattr(entry, name) for name in ENTRY_FIELDS}:
            entry.save()
    before = {"status": report.status}
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = timezone.now()
    report.submitted_by = _person(actor)
    report.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=report,
        organisation=report.organisation,
        before=before,
        after={"status": report.status},
    )
    return report


def _apply(report: RoundReport, actor) -> None:
    """Write an approved report into the actions and indicator values (audited)."""
    for entry in report.entries.select_related("action", "indicator"):
        if entry.action_id:
            model_save_audited(
                actor=actor,
                obj=entry.action,
                data={
                    "status": entry.status,
                    "progress": entry.progress,
                    "status_comment": entry.comment,
                },
                fields=STATUS_FIELDS,
                organisation=report.organisation,
            )
        elif entry.value is not None:
            value = IndicatorValue.objects.filter(
                indicator_id=entry.indicator_id,
                organisation=report.organisation,
                year=report.round.year,
                gender=Gender.TOTAL,
            ).first() or IndicatorValue(
                indicator_id=entry.indicator_id,
                organisation=report.organisation,
                year=report.round.year,
                gender=Gender.TOTAL,
            )
            model_save_audited(
                actor=actor,
                obj=value,
                data={"value": entry.value, "source": report.round.name},
                fields=["value", "source"],
                organisation=report.organisation,
            )


@transaction.atomic
def report_review(*, actor, report: RoundReport, approve: bool, comment: str = "") -> RoundReport:
    """Approve a submitted report (its figures become the actions' and indicators'), or
    send it back with a comment saying what to fix."""
    access.require(
        actor,
        "followup.report.review",
        report,
        _("Only the round's administrators review reports."),
    )
    report = RoundReport.objects.select_for_update().select_related("round").get(pk=report.pk)
    if report.status != ReportStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted report is reviewed."))
    comment = comment.strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("Say what to fix when you send a report back.")})
    before = {"status": report.status}
    report.status = ReportStatus.APPROVED if approve else ReportStatus.RETURNED
    report.review_comment = comment
    report.reviewed_at = timezone.now()
    report.reviewed_by = _person(actor)
    report.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=report,
        organisation=report.round.organisation,
        before=before,
        after={"status": report.status, "comment": comment},
    )
    if approve:
        _apply(report, actor)
    return report


@transaction.atomic
def round_close(*, actor, round_: FollowupRound) -> FollowupRound:
    """Close the round for reports (before its deadline, or to stop late ones)."""
    access.require(
        actor, "followup.round.manage", round_, _("Only the round's administrators close it.")
    )
    if round_.status != RoundStatus.OPEN:
        raise ValidationError(_("The round is already closed."))
    return model_save_audited(
        actor=actor,
        obj=round_,
        data={"status": RoundStatus.CLOSED},
        fields=["status"],
        organisation=round_.organisation,
    )


@transaction.atomic
def round_publish(*, actor, round_: FollowupRound) -> FollowupRound:
    """Publish the round once every report is approved: the annual reports show it."""
    access.require(
        actor, "followup.round.manage", round_, _("Only the round's administrators publish it.")
    )
    if round_.status == RoundStatus.PUBLISHED:
        raise ValidationError(_("The round is already published."))
    waiting = round_.reports.exclude(status=ReportStatus.APPROVED).count()
    if waiting:
        raise ValidationError(
            ngettext(
                "%(count)d report is not approved yet.",
                "%(count)d reports are not approved yet.",
                waiting,
            )
            % {"count": waiting}
        )
    return model_save_audited(
        actor=actor,
        obj=round_,
        data={"status": RoundStatus.PUBLISHED, "published_at": timezone.now()},
        fields=["status", "published_at"],
        organisation=round_.organisation,
    )


# --- Long imports in the background ----------------------------------------------------------


@transaction.atomic
def import_job_create(
    *, actor, path: str, file_name: str, kind: str, options: Mapping[str, Any]
) -> ImportJob:
    """Queue a long import for the background worker; the file stays in the storage at
    `path` until the job ends. `options` holds what the file holds (`kind`), the
    mapping, indicator, source, sharing level and whether to skip bad rows."""
    access.require(
        actor,
        "followup.import.run",
        None,
        _("Only administrators and editors of an organisation import values."),
    )
    from kraftsamla.followup.tasks import run_import_job

    job = ImportJob.objects.create(
        created_by=actor,
        path=path,
        file_name=file_name[:200],
        kind=kind,
        options=dict(options),
        rows_total=int(options.get("rows") or 0),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=job,
        after={"file": job.file_name, "rows": job.rows_total},
    )
    transaction.on_commit(lambda: run_import_job.enqueue(job.pk))
    return job


def _job_step(job: ImportJob, status: str, progress: int, message: str = "") -> None:
    """Store the job's stage and progress at once (outside the import's transaction, so
    that the page polling it sees it while the import runs)."""
    job.status, job.progress, job.message = status, progress, message
    ImportJob.objects.filter(pk=job.pk).update(status=status, progress=progress, message=message)


def import_job_run(*, job: ImportJob) -> ImportJob:
    """Run a queued import as the person who queued it: read and check the rows (progress
    up to 60 %), then write them all in one transaction (or none); delete the file."""
    if job.status != ImportJobStatus.QUEUED:
        return job
    actor = job.created_by
    options = job.options
    _job_step(job, ImportJobStatus.CHECKING, 5)
    try:
        with default_storage.open(job.path, "rb") as file:
            data = file.read()
        if job.kind == "json":
            plan = selectors.kolada_plan(actor, data)
        else:
            rows = imports.read_rows(data, job.file_name)
            indicator = IndicatorDefinition.objects.filter(pk=options.get("indicator")).first()
            plan = selectors.table_plan(
                actor,
                rows,
                imports.mapping_from_json(options["mapping"]),
                indicator,
                on_progress=lambda share: _job_step(
                    job, ImportJobStatus.CHECKING, 5 + int(55 * share)
                ),
                kind=options.get("kind") or ImportKind.VALUES,
            )
        _job_step(job, ImportJobStatus.WRITING, 60)
        batch = values_import(
            actor=actor,
            plan=plan,
            file_name=job.file_name,
            source=options.get("source") or "",
            sharing_level=options.get("sharing_level") or SharingLevel.REGION,
            skip_bad_rows=bool(options.get("skip_bad_rows")),
        )
    except (ValidationError, imports.UnreadableFile, OSError) as exc:
        messages = (
            exc.message_dict.get("file") or exc.messages
            if isinstance(exc, ValidationError) and hasattr(exc, "error_dict")
            else getattr(exc, "messages", None) or [str(exc)]
        )
        _job_step(job, ImportJobStatus.FAILED, 100, "\n".join(str(m) for m in messages[:50]))
    else:
        ImportJob.objects.filter(pk=job.pk).update(batch=batch)
        job.batch = batch
        _job_step(job, ImportJobStatus.DONE, 100)
    default_storage.delete(job.path)
    return job


# Where import uploads wait for their preview and background job (views.import_start).
IMPORT_UPLOAD_DIRECTORY = "followup-imports"


@transaction.atomic
def import_uploads_clear(*, actor, older_than: datetime.timedelta) -> int:
    """Delete the uploads of import previews that were never finished: the files in the
    import directory last changed more than `older_than` ago, except those of background
    jobs that have not ended. Record one summary audit row when any went; return how many.
    """
    access.require(actor, "followup.import.clear", None)
    try:
        _dirs, names = default_storage.listdir(IMPORT_UPLOAD_DIRECTORY)
    except FileNotFoundError:
        return 0
    cutoff = timezone.now() - older_than
    paths = [f"{IMPORT_UPLOAD_DIRECTORY}/{name}" for name in names]
    expired = []
    for path in paths:
        try:
            if default_storage.get_modified_time(path) < cutoff:
                expired.append(path)
        except FileNotFoundError:  # deleted meanwhile (its import ended)
            continue
    # Read last, so that a job queued while the files were looked at keeps its file.
    in_use = set(
        ImportJob.objects.filter(path__in=expired)
        .exclude(status__in=IMPORT_JOB_ENDED)
        .values_list("path", flat=True)
    )
    deleted = [path for path in expired if path not in in_use]
    for path in deleted:
        default_storage.delete(path)
    if deleted:
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            object_type="followup.importupload",
            object_repr=f"{IMPORT_UPLOAD_DIRECTORY}/: {len(deleted)} expired upload(s)",
            after={
                "deleted": len(deleted),
                "older_than_hours": older_than.total_seconds() / 3600,
            },
        )
    return len(deleted)


# --- Changing and removing commitments and actions ---------------------------------------------

ACTION_EDIT_FIELDS = [
    "title",
    "parent",
    "unit",
    "starts_on",
    "ends_on",
    "cost",
    "funding",
    "weight",
]


def _refuse_when_reported(entries, what: str) -> None:
    """A commitment or action reported in a round stays: the round's report shows it."""
    round_ = entries.select_related("report__round").first()
    if round_ is not None:
        raise ValidationError(
            _(
                "%(what)s is part of the follow-up round “%(round)s” and cannot be removed; "
                "set its status to cancelled instead."
            )
            % {"what": what, "round": round_.report.round.name}
        )


@transaction.atomic
def commitment_update(
    *,
    actor,
    commitment: Commitment,
    data: Mapping[str, Any],
    indicators: list[IndicatorDefinition] | None = None,
) -> Commitment:
    """Change a commitment (a climate promise keeps its kind: it came from a menu)."""
    access.require(
        actor,
        "followup.commitment.edit",
        commitment,
        _("Only the organisation's administrators and editors change its commitments."),
    )
    fields = [
        f
        for f in COMMITMENT_FIELDS
        if f != "kind" or commitment.kind != CommitmentKind.CLIMATE_PROMISE
    ]
    commitment = model_save_audited(
        actor=actor,
        obj=commitment,
        data=data,
        fields=fields,
        organisation=commitment.organisation,
    )
    if indicators is not None:
        commitment.indicators.set(indicators)
    return commitment


@transaction.atomic
def commitment_delete(*, actor, commitment: Commitment) -> None:
    """Remove a commitment with its actions, unless a follow-up round reported on it."""
    access.require(
        actor,
        "followup.commitment.edit",
        commitment,
        _("Only the organisation's administrators and editors remove its commitments."),
    )
    _refuse_when_reported(
        ReportEntry.objects.filter(action__commitment=commitment),
        _("The commitment"),
    )
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        obj=commitment,
        organisation=commitment.organisation,
        before={"title": commitment.title, "kind": commitment.kind},
    )
    commitment.delete()


def _with_descendants(action: Action) -> set[int]:
    """Return the ids of the action and of every action below it (one query)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in action.commitment.actions.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found = [action.pk]
    for pk in found:
        found.extend(children.get(pk, []))
    return set(found)


@transaction.atomic
def action_update(*, actor, action: Action, data: Mapping[str, Any], projects=None) -> Action:
    """Change an action's title, place in the tree, unit, dates, cost, funding and weight
    (its status is changed by its unit, `action_status_set`)."""
    access.require(
        actor,
        "followup.commitment.edit",
        action.commitment,
        _("Only the organisation's administrators and editors change actions."),
    )
    parent = data.get("parent")
    if parent is not None and parent.pk in _with_descendants(action):
        raise ValidationError(
            {"parent": _("An action cannot be part of itself or of its own sub-actions.")}
        )
    action = model_save_audited(
        actor=actor,
        obj=action,
        data=data,
        fields=ACTION_EDIT_FIELDS,
        organisation=action.commitment.organisation,
    )
    if projects is not None:
        action.projects.set(projects)
    return action


@transaction.atomic
def action_delete(*, actor, action: Action) -> None:
    """Remove an action with its sub-actions, unless a follow-up round reported on them."""
    access.require(
        actor,
        "followup.commitment.edit",
        action.commitment,
        _("Only the organisation's administrators and editors remove actions."),
    )
    below = _with_descendants(action)
    _refuse_when_reported(ReportEntry.objects.filter(action_id__in=below), _("The action"))
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        obj=action,
        organisation=action.commitment.organisation,
        before={"title": action.title, "sub-actions": len(below) - 1},
    )
    action.delete()
