"""Write audit events; every service that changes data calls this."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.db import models
from django.forms.models import model_to_dict

from kraftsamla.core.limits import AUDIT_VALUE_MAX
from kraftsamla.core.models import AuditAction, AuditEvent
from kraftsamla.core.translation import TranslatedText
from kraftsamla.core.versions import bump_for_event


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, TranslatedText):
        return value.as_dict()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _capped(value: Any) -> Any:
    """Cut long texts (also inside lists and dicts) so an audit row stays small."""
    if isinstance(value, str) and len(value) > AUDIT_VALUE_MAX:
        return f"{value[:AUDIT_VALUE_MAX]}… [{len(value)}]"
    if isinstance(value, dict):
        return {key: _capped(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_capped(item) for item in value]
    return value


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """Return a JSON-ready dict of the model's field values (secrets never included).

    Texts longer than AUDIT_VALUE_MAX are cut and end with "… [full length]".
    """
    data = model_to_dict(obj, fields=fields)
    for secret in ("password", "token_hash", "key_hash"):
        data.pop(secret, None)
    return {k: _capped(_jsonable(v)) for k, v in data.items()}


def audit_record(
    *,
    actor,
    action: str | AuditAction,
    obj: models.Model | None = None,
    organisation=None,
    before: dict | None = None,
    after: dict | None = None,
    object_type: str | None = None,
    object_repr: str | None = None,
) -> AuditEvent:
    """Store one audit event. Call inside the same transaction as the write.

    `actor` is the person, or `kraftsamla.core.access.SYSTEM` for loaders and commands
    (stored as "system"). There is no anonymous write: `None` is refused. Long texts
    in `before` and `after` are cut as in `snapshot`.
    """
    if actor is None:
        raise ValueError("audit_record needs an actor; loaders and commands pass SYSTEM.")
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    object_type = object_type or (obj._meta.label_lower if obj is not None else "")
    # Every write is audited, so this is where cached pages learn that data changed.
    bump_for_event(object_type, getattr(organisation, "pk", organisation))
    return AuditEvent.objects.create(
        actor=actor if is_user else None,
        actor_label=(actor.email if is_user else "system"),
        organisation=organisation,
        action=action,
        object_type=object_type,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:300],
        before=_capped(before),
        after=_capped(after),
    )
