"""Building blocks that every app's services share."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.db import models

from kraftsamla.core.audit import audit_record, snapshot
from kraftsamla.core.models import AuditAction

ModelT = TypeVar("ModelT", bound=models.Model)


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
