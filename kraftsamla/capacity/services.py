"""Change assessments: create, invite respondents, answer, agree, move through the lifecycle.

Every function is atomic, asks the rules of capacity/policies.py through
`kraftsamla.core.access` and writes an audit event. Loaders pass `access.SYSTEM`
as the actor.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kraftsamla.accounts.models import OrganisationRole
from kraftsamla.capacity.models import (
    SCALE_MAX,
    SCALE_MIN,
    AgreedScore,
    Answer,
    Assessment,
    AssessmentResult,
    Capital,
    CapitalNote,
    CollaborationForm,
    Framework,
    Mode,
    Respondent,
    RespondentInvitation,
    RoleGroup,
    Statement,
    Status,
)
from kraftsamla.capacity.selectors import SHARED_RESULTS, shared_results_scope
from kraftsamla.core import access, versions
from kraftsamla.core.audit import audit_record, snapshot
from kraftsamla.core.models import AuditAction, Role, SharingLevel
from kraftsamla.core.services import model_upsert_audited


class StaleEditError(ValidationError):
    """Someone else saved first; carries the value they saved."""

    def __init__(self, message, *, current=None):
        super().__init__(message, code="stale")
        self.current = current


ACTION_LABELS = {
    "open": gettext_lazy("opened"),
    "close": gettext_lazy("closed"),
    "publish": gettext_lazy("published"),
    "reopen": gettext_lazy("reopened"),
}

TRANSITIONS = {
    "open": ({Status.DRAFT}, Status.OPEN),
    "close": ({Status.OPEN}, Status.CLOSED),
    "publish": ({Status.CLOSED}, Status.PUBLISHED),
    "reopen": ({Status.CLOSED, Status.PUBLISHED}, Status.OPEN),
}


@transaction.atomic
def assessment_create(
    *,
    actor,
    organisation,
    year: int,
    purpose: str,
    purpose_note: str = "",
    mode: str = Mode.GROUP,
    sharing_level: str = SharingLevel.PRIVATE,
    framework: Framework | None = None,
    is_demo: bool = False,
) -> Assessment:
    """Start a draft assessment with the current framework version."""
    access.require(
        actor,
        "capacity.assessment.create",
        organisation,
        _("Only the organisation's administrators and editors may start assessments."),
    )
    framework = framework or Framework.objects.filter(is_current=True).first()
    if framework is None:
        raise ValidationError(_("No framework version is marked as current."))
    assessment = Assessment(
        organisation=organisation,
        framework=framework,
        year=year,
        purpose=purpose,
        purpose_note=purpose_note,
        mode=mode,
        sharing_level=sharing_level,
        created_by=actor if getattr(actor, "pk", None) else None,
        is_demo=is_demo,
    )
    assessment.full_clean()
    try:
        with transaction.atomic():
            assessment.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"year": _("An assessment with this year and purpose already exists.")}
        ) from exc
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=assessment,
        organisation=organisation,
        after=snapshot(assessment),
    )
    return assessment


@transaction.atomic
def assessment_update_sharing(*, actor, assessment: Assessment, sharing_level: str) -> Assessment:
    access.require(
        actor, "capacity.assessment.manage", assessment, _("You may not change this assessment.")
    )
    if sharing_level not in SharingLevel.values:
        raise ValidationError({"sharing_level": _("Choose a valid sharing level.")})
    before = {"sharing_level": assessment.sharing_level}
    assessment.sharing_level = sharing_level
    assessment.save(update_fields=["sharing_level"])
    if assessment.status == Status.PUBLISHED:
        _shared_results_changed(assessment)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=assessment,
        organisation=assessment.organisation,
        before=before,
        after={"sharing_level": sharing_level},
    )
    return assessment


@transaction.atomic
def assessment_transition(*, actor, assessment: Assessment, action: str) -> Assessment:
    """Move the assessment: open, close, publish or reopen (reopening is audited like all)."""
    access.require(
        actor, "capacity.assessment.manage", assessment, _("You may not change this assessment.")
    )
    if action not in TRANSITIONS:
        raise ValidationError(_("Unknown action."))
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    allowed_from, target = TRANSITIONS[action]
    if assessment.status not in allowed_from:
        raise ValidationError(
            _("An assessment that is %(status)s cannot be %(action)s.")
            % {
                "status": assessment.get_status_display().lower(),
                "action": str(ACTION_LABELS[action]).lower(),
            },
            code="invalid_transition",
        )
    if action == "open" and not assessment.respondents.exists():
        raise ValidationError(_("Add at least one respondent before opening the assessment."))
    before = {"status": assessment.status}
    assessment.status = target
    if target == Status.PUBLISHED:
        assessment.published_at = timezone.now()
        _store_results(assessment)
    elif action == "reopen":
        assessment.published_at = None
        AssessmentResult.objects.filter(assessment=assessment).delete()
        _shared_results_changed(assessment)
    assessment.save(update_fields=["status", "published_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=assessment,
        organisation=assessment.organisation,
        before=before,
        after={"status": target, "transition": action},
    )
    return assessment


def _shared_results_changed(assessment: Assessment) -> None:
    """Give the shared results, and those of the assessment's year, new data versions
    on commit.

    Peer medians are kept under the first (`selectors.peer_comparison_stored`), the
    regional trend's medians of each year under the second (`selectors.regional_trends`),
    so a change recomputes only its own year. Every write that changes which results are
    published and shared calls this: publishing (through `_store_results`), reopening and
    changing the sharing of a published assessment.
    """
    versions.bump(SHARED_RESULTS, shared_results_scope(assessment.year))


def _store_results(assessment: Assessment) -> None:
    from kraftsamla.capacity.selectors import assessment_capital_results

    _shared_results_changed(assessment)
    AssessmentResult.objects.filter(assessment=assessment).delete()
    results = assessment_capital_results(assessment)
    AssessmentResult.objects.bulk_create(
        [
            AssessmentResult(
                assessment=assessment,
                capital_key=key,
                score=r.score,
                share_answered=round(r.share_answered, 3),
                consensus=r.consensus,
            )
            for key, r in results.items()
        ]
    )


@transaction.atomic
def respondent_add(*, actor, assessment: Assessment, user, role_group: str) -> Respondent:
    """Invite a person of the organisation to answer, in a role group."""
    access.require(
        actor, "capacity.assessment.manage", assessment, _("You may not change this assessment.")
    )
    # Read the status again under a lock: it may have been closed since the caller loaded it.
    assessment = (
        Assessment.objects.select_for_update().select_related("organisation").get(pk=assessment.pk)
    )
    if assessment.status in (Status.CLOSED, Status.PUBLISHED):
        raise ValidationError(_("Respondents cannot be added to a closed assessment."))
    if not OrganisationRole.objects.filter(
        user=user, organisation=assessment.organisation
    ).exists():
        raise ValidationError(
            {
                "user": _("Only people with a role in %(org)s can answer its assessment.")
                % {"org": assessment.organisation.name}
            }
        )
    if assessment.mode == Mode.INDIVIDUAL and assessment.respondents.exists():
        raise ValidationError({"user": _("An assessment made alone has exactly one respondent.")})
    respondent, created = Respondent.objects.get_or_create(
        assessment=assessment, user=user, defaults={"role_group": role_group}
    )
    if not created:
        raise ValidationError({"user": _("This person is already a respondent.")})
    respondent.full_clean()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=respondent,
        organisation=assessment.organisation,
        after={"user": user.email, "role_group": role_group},
    )
    return respondent


@transaction.atomic
def respondent_invite(
    *, actor, assessment: Assessment, email: str, role_group: str, accept_url_builder
):
    """Make the person with `email` a respondent, inviting them by e-mail if needed.

    Someone who already has a role in the organisation is added at once; anyone
    else gets an invitation that makes them a viewer and a respondent when they
    accept. Returns ("added", respondent) or ("invited", invitation).
    """
    from kraftsamla.accounts.models import User
    from kraftsamla.accounts.services import invitation_send

    access.require(
        actor, "capacity.assessment.manage", assessment, _("You may not change this assessment.")
    )
    if assessment.status in (Status.CLOSED, Status.PUBLISHED):
        raise ValidationError(_("Respondents cannot be added to a closed assessment."))
    if role_group not in RoleGroup.values:
        raise ValidationError({"role_group": _("Choose a role group.")})
    user = User.objects.filter(email__iexact=email.strip()).first()
    if (
        user is not None
        and OrganisationRole.objects.filter(
            user=user, organisation=assessment.organisation
        ).exists()
    ):
        return "added", respondent_add(
            actor=actor, assessment=assessment, user=user, role_group=role_group
        )
    if assessment.mode == Mode.INDIVIDUAL and assessment.respondents.exists():
        raise ValidationError({"email": _("An assessment made alone has exactly one respondent.")})
    # The assessment rule was asked above; the invitation only adds the viewer role.
    invitation = invitation_send(
        actor=actor,
        organisation=assessment.organisation,
        email=email,
        role=Role.VIEWER,
        accept_url_builder=accept_url_builder,
        keep_existing_role=True,
        note=_(
            "You are asked to answer the organisation's self-assessment of transition "
            "capacity for %(year)s."
        )
        % {"year": assessment.year},
    )
    RespondentInvitation.objects.create(
        invitation=invitation, assessment=assessment, role_group=role_group
    )
    return "invited", invitation


@transaction.atomic
def respondent_add_from_invitation(*, actor, invitation) -> Respondent | None:
    """Make the person who accepted `invitation` a respondent of its assessment, if any.

    The editor who sent the invitation was asked the manage rule then; the actor is
    the person accepting. Nothing happens once the assessment is closed.
    """
    link = (
        RespondentInvitation.objects.select_related("assessment__organisation")
        .filter(invitation=invitation)
        .first()
    )
    if link is None or link.assessment.status not in (Status.DRAFT, Status.OPEN):
        return None
    respondent, created = Respondent.objects.get_or_create(
        assessment=link.assessment,
        user=actor,
        defaults={"role_group": link.role_group or RoleGroup.OPERATIONAL},
    )
    if created:
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=respondent,
            organisation=link.assessment.organisation,
            after={"user": actor.email, "role_group": respondent.role_group},
        )
    return respondent


def _respondent_for(actor, assessment: Assessment) -> Respondent:
    respondent = (
        Respondent.objects.filter(assessment=assessment, user_id=actor.pk).first()
        if getattr(actor, "is_authenticated", False)
        else None
    )
    if respondent is None:
        raise PermissionDenied(_("You are not a respondent of this assessment."))
    if not access.allows(actor, "capacity.assessment.answer", assessment):
        if assessment.status != Status.OPEN:
            raise ValidationError(
                _("The assessment is not open for answers (status: %(status)s).")
                % {"status": assessment.get_status_display().lower()},
                code="not_open",
            )
        raise PermissionDenied(_("You may not answer for this organisation."))
    return respondent


def _check_statement(assessment: Assessment, statement: Statement) -> None:
    if statement.capital.framework_id != assessment.framework_id:
        raise ValidationError(
            {"statement": _("The statement belongs to another framework version.")},
            code="framework_mismatch",
        )


def _check_score(score) -> None:
    if not isinstance(score, int) or isinstance(score, bool) or not SCALE_MIN <= score <= SCALE_MAX:
        raise ValidationError(
            {"score": _("The score must be a whole number from 0 to 4.")}, code="out_of_scale"
        )


def _check_framework_version(assessment: Assessment, framework_version: str | None) -> None:
    """Refuse an answer given for another framework version than the assessment uses."""
    if framework_version is not None and framework_version != assessment.framework.version:
        raise ValidationError(
            {
                "framework_version": _(
                    "The assessment uses framework version %(v)s, not %(given)s."
                )
                % {"v": assessment.framework.version, "given": framework_version}
            },
            code="framework_mismatch",
        )


@transaction.atomic
def answer_save(
    *,
    actor,
    assessment: Assessment,
    statement: Statement,
    score: int | None,
    dont_know: bool = False,
    evidence: str = "",
    framework_version: str | None = None,
    sequence: int | None = None,
) -> Answer:
    """Save one answer and return the answer as stored.

    `score` None with dont_know=True means "don't know". `sequence` is the answer page's
    number for this save (growing with every choice): the last choice wins, so a save whose
    sequence is not newer than the stored one changes nothing and the stored answer is
    returned (its `client_sequence` then differs from `sequence`). Saves without a sequence
    (the page's Save buttons, the API) always apply and keep the stored sequence.
    """
    assessment = (
        Assessment.objects.select_for_update()
        .select_related("framework", "organisation")
        .get(pk=assessment.pk)
    )
    respondent = _respondent_for(actor, assessment)
    _check_framework_version(assessment, framework_version)
    _check_statement(assessment, statement)
    if dont_know:
        score = None
    elif score is None:
        raise ValidationError({"score": _("Choose a level from 0 to 4 or “don't know”.")})
    else:
        _check_score(score)
    values = {"score": score, "dont_know": dont_know, "evidence": evidence}
    # The row (and the assessment above) stays locked until the transaction ends, so the
    # compare and the write below are one step for concurrent saves of the same answer.
    answer, created = Answer.objects.select_for_update().get_or_create(
        respondent=respondent, statement=statement, defaults=values
    )
    if not created and _is_outdated(sequence, answer.client_sequence):
        return answer
    before = None if created else snapshot(answer, list(values))
    for name, value in values.items():
        setattr(answer, name, value)
    if sequence is not None:
        answer.client_sequence = sequence
    answer.full_clean()
    answer.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=answer,
        organisation=assessment.organisation,
        object_repr=f"{assessment} · {statement.key}",
        before=before,
        after=values,
    )
    return answer


def _is_outdated(sequence: int | None, stored: int | None) -> bool:
    """Whether the save numbered `sequence` was chosen before the stored one (or is it)."""
    return sequence is not None and stored is not None and sequence <= stored


class AnswerInput(NamedTuple):
    """One answer to save: `score` None with dont_know=True means "don't know"."""

    statement: Statement
    score: int | None
    dont_know: bool
    evidence: str


@transaction.atomic
def capital_answers_save(
    *,
    actor,
    assessment: Assessment,
    capital: Capital,
    answers: Iterable[AnswerInput],
    strengthen: str,
    collaboration_form: str,
) -> None:
    """Save a respondent's answers to one capital and their note on it: all or nothing.

    The note is saved when it has content or when an earlier note is being emptied.
    """
    assessment = (
        Assessment.objects.select_for_update().select_related("organisation").get(pk=assessment.pk)
    )
    if not assessment.accepts_answers:
        raise ValidationError(_("The assessment is not open for answers."), code="not_open")
    for answer in answers:
        answer_save(
            actor=actor,
            assessment=assessment,
            statement=answer.statement,
            score=answer.score,
            dont_know=answer.dont_know,
            evidence=answer.evidence,
        )
    has_note = CapitalNote.objects.filter(
        respondent__assessment=assessment, respondent__user_id=actor.pk, capital=capital
    ).exists()
    if strengthen or collaboration_form or has_note:
        capital_note_save(
            actor=actor,
            assessment=assessment,
            capital=capital,
            strengthen=strengthen,
            collaboration_form=collaboration_form,
        )


@transaction.atomic
def capital_note_save(
    *, actor, assessment: Assessment, capital: Capital, strengthen: str, collaboration_form: str
) -> CapitalNote:
    """Save what would strengthen a capital and which collaboration form would help."""
    assessment = (
        Assessment.objects.select_for_update().select_related("organisation").get(pk=assessment.pk)
    )
    respondent = _respondent_for(actor, assessment)
    if capital.framework_id != assessment.framework_id:
        raise ValidationError({"capital": _("The capital belongs to another framework version.")})
    if collaboration_form and collaboration_form not in CollaborationForm.values:
        raise ValidationError({"collaboration_form": _("Choose a valid collaboration form.")})
    return model_upsert_audited(
        actor=actor,
        model=CapitalNote,
        lookup={"respondent": respondent, "capital": capital},
        values={"strengthen": strengthen, "collaboration_form": collaboration_form},
        organisation=assessment.organisation,
        object_repr=f"{assessment} · {capital.key}",
    )


@transaction.atomic
def respondent_mark_done(*, actor, assessment: Assessment) -> Respondent:
    assessment = (
        Assessment.objects.select_for_update().select_related("organisation").get(pk=assessment.pk)
    )
    respondent = _respondent_for(actor, assessment)
    respondent.submitted_at = timezone.now()
    respondent.save(update_fields=["submitted_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=respondent,
        organisation=assessment.organisation,
        after={"submitted": True},
    )
    return respondent


@transaction.atomic
def agreed_score_save(
    *,
    actor,
    assessment: Assessment,
    statement: Statement,
    score: int,
    rationale: str = "",
    expected_version: int | None = None,
) -> AgreedScore:
    """Record the score a group agreed on.

    `expected_version` is the version the coordinator saw (None if there was no
    agreed score yet). If someone saved in between, nothing is written and
    StaleEditError carries the other person's value.
    """
    access.require(
        actor,
        "capacity.assessment.manage",
        assessment,
        _("Only the organisation's coordinators may record agreed scores."),
    )
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.status not in (Status.OPEN, Status.CLOSED):
        raise ValidationError(
            _(
                "Agreed scores can be recorded while the assessment is open or closed, not when "
                "it is %(status)s."
            )
            % {"status": assessment.get_status_display().lower()},
            code="not_editable",
        )
    _check_statement(assessment, statement)
    _check_score(score)
    current = _agreed_score_locked(assessment, statement, expected_version)
    before = {"score": current.score, "rationale": current.rationale} if current else None
    if current is None:
        current = AgreedScore(assessment=assessment, statement=statement, version=1)
    else:
        current.version += 1
    current.score, current.rationale, current.updated_by = score, rationale, actor
    current.full_clean(validate_constraints=False)
    current.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        obj=current,
        organisation=assessment.organisation,
        object_repr=f"{assessment} · {statement.key}",
        before=before,
        after={"score": score, "rationale": rationale},
    )
    return current


def _agreed_score_locked(
    assessment: Assessment, statement: Statement, expected_version: int | None
) -> AgreedScore | None:
    """Return the agreed score under a lock; StaleEditError if it is not the version seen."""
    current = (
        AgreedScore.objects.select_for_update()
        .filter(assessment=assessment, statement=statement)
        .first()
    )
    if (current.version if current else 0) != (expected_version or 0):
        raise StaleEditError(
            _(
                "Someone else saved an agreed score for this statement while you were looking. "
                "Their value is shown; save again to replace it."
            ),
            current=current,
        )
    return current


FRAMEWORK_COPIED_FIELDS = (
    "title",
    "overall",
    "source",
    "building_steps",
    "building_order",
    "scale",
    "collaboration_forms",
)


@transaction.atomic
def framework_import(*, actor, data: dict, make_current: bool = True) -> Framework:
    """Create a framework version from the JSON structure in framework_data/."""
    access.require(
        actor, "capacity.framework.change", None, _("Only platform staff may edit the framework.")
    )
    _check_statement_keys_unique(data)
    if make_current:
        Framework.objects.filter(is_current=True).update(is_current=False)
    framework = Framework.objects.create(
        version=data["version"],
        title=data["title"],
        overall=data["overall"],
        source=data["source"],
        building_steps=data.get("building_steps") or [[k] for k in data["building_order"]],
        building_order=data.get("building_order_explanation", {}),
        scale=data["scale"],
        collaboration_forms=data.get("collaboration_forms", []),
        is_current=make_current,
    )
    for index, capital_data in enumerate(data["capitals"]):
        _capital_import(framework, index, capital_data)
    audit_record(
        actor=actor, action=AuditAction.CREATE, obj=framework, after={"version": framework.version}
    )
    return framework


def _check_statement_keys_unique(data: dict) -> None:
    """Answers are looked up by statement key within a version, so keys must be unique."""
    keys = [s["key"] for c in data["capitals"] for s in c["statements"]]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ValidationError(
            _("Statement keys must be unique within a framework version: %(keys)s")
            % {"keys": ", ".join(duplicates)}
        )


def _capital_import(framework: Framework, order: int, data: dict) -> Capital:
    capital = Capital.objects.create(
        framework=framework,
        key=data["key"],
        order=order,
        name=data["name"],
        definition=data["definition"],
        question=data["guiding_question"],
    )
    Statement.objects.bulk_create(
        Statement(capital=capital, key=s["key"], order=index, text=s["text"], levels=s["levels"])
        for index, s in enumerate(data["statements"])
    )
    return capital


@transaction.atomic
def framework_new_version(*, actor, source: Framework, version: str) -> Framework:
    """Copy a framework into a new version that staff can then reword or extend."""
    access.require(
        actor, "capacity.framework.change", source, _("Only platform staff may edit the framework.")
    )
    new = Framework.objects.create(
        version=version,
        is_current=False,
        **{name: getattr(source, name) for name in FRAMEWORK_COPIED_FIELDS},
    )
    for capital in source.capitals.prefetch_related("statements"):
        statements = list(capital.statements.all())
        capital.pk = None
        capital.framework = new
        capital.save()
        for statement in statements:
            statement.pk = None
            statement.capital = capital
        Statement.objects.bulk_create(statements)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=new,
        after={"version": version, "copied_from": source.version},
    )
    return new
