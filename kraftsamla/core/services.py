"""Building blocks that every app's services share."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from kraftsamla.core import access
from kraftsamla.core.audit import audit_record, snapshot
from kraftsamla.core.models import AuditAction, FormSubmission

ModelT = TypeVar("ModelT", bound=models.Model)
ResultT = TypeVar("ResultT")

# How long a form's submission token is remembered (a double click is seconds apart).
SUBMISSION_KEPT = datetime.timedelta(days=2)


def model_save_audited(
    *,
    actor,
    obj: ModelT,
    data: Mapping[str, Any],
    fields: Iterable[str],
    organisation=None,
    clean_exclude: Iterable[str] = (),
) -> ModelT:
    """Apply `data` to `fields` of `obj`, validate it fully, save it and audit before/after.

    Call inside the service's transaction. Creates when `obj` has no primary key yet.
    """
    fields = list(fields)
    created = obj.pk is None
    before = None if created else snapshot(obj, fields)
    for name in fields:
        if name in data:
            setattr(obj, name, data[name])
    obj.full_clean(exclude=list(clean_exclude) or None)
    obj.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=obj,
        organisation=organisation,
        before=before,
        after=snapshot(obj, fields),
    )
    return obj


def model_upsert_audited(
    *,
    actor,
    model: type[ModelT],
    lookup: Mapping[str, Any],
    values: Mapping[str, Any],
    organisation=None,
    object_repr: str | None = None,
) -> ModelT:
    """Create or update the one row matching `lookup` with `values`; audit before/after.

    Call inside the service's transaction, after asking the policy. The values are
    validated by their model fields (length limits, choices) before anything is written.
    """
    fields = list(values)
    _validate_values(model, values)
    existing = model.objects.select_for_update().filter(**lookup).first()
    before = snapshot(existing, fields) if existing is not None else None
    obj, created = model.objects.update_or_create(**lookup, defaults=dict(values))
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=obj,
        organisation=organisation,
        object_repr=object_repr,
        before=before,
        after=snapshot(obj, fields),
    )
    return obj


def _validate_values(model: type[models.Model], values: Mapping[str, Any]) -> None:
    """Raise a ValidationError keyed by field for values their model field refuses."""
    errors = {}
    for name, value in values.items():
        field = model._meta.get_field(name)
        if field.is_relation:
            continue
        try:
            field.clean(value, None)
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def form_submission_once(
    *, user, token: str, save: Callable[[], ResultT], result_url: Callable[[ResultT], str]
) -> tuple[bool, ResultT | None, str]:
    """Run `save` once per (user, token): a second submission of the same form saves nothing.

    Returns (saved, result, url): on the first submission `save()`'s result and
    `result_url(result)`; on a repeated one (False, None, the first one's page). The
    token is claimed in the same transaction as the save, so a refused save (a
    ValidationError) leaves the token free for the corrected form. Concurrent
    submissions wait on the unique (user, token) row.
    """
    try:
        with transaction.atomic():
            claim = FormSubmission.objects.create(user=user, token=token)
    except IntegrityError:
        earlier = FormSubmission.objects.get(user=user, token=token)
        return False, None, earlier.result_url
    result = save()
    claim.result_url = result_url(result)
    claim.save(update_fields=["result_url"])
    FormSubmission.objects.filter(
        user=user, created_at__lt=timezone.now() - SUBMISSION_KEPT
    ).delete()
    return True, result, claim.result_url


@transaction.atomic
def admin_object_save(
    *, actor, rule: str, obj: models.Model, changed_fields: Iterable[str], rule_object=None
) -> models.Model:
    """Save an object edited in the Django admin: ask `rule` and audit the changed fields.

    `rule_object` is what the rule is asked about (default: the object itself).
    """
    access.require(actor, rule, obj if rule_object is None else rule_object)
    created = obj.pk is None
    obj.save()
    fields = [f.name for f in obj._meta.concrete_fields if f.name in set(changed_fields)]
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=obj,
        after=snapshot(obj, fields or None),
    )
    return obj


@transaction.atomic
def admin_object_delete(*, actor, rule: str, obj: models.Model, rule_object=None) -> None:
    """Delete an object from the Django admin: ask `rule` and audit what was deleted."""
    access.require(actor, rule, obj if rule_object is None else rule_object)
    audit_record(actor=actor, action=AuditAction.DELETE, obj=obj, before=snapshot(obj))
    obj.delete()
