"""Hold what every domain shares: sharing levels, roles and the audit log."""

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _


class SharingLevel(models.TextChoices):
    """Who besides the owning organisation may see a piece of its data."""

    PRIVATE = "private", _("Private to the organisation")
    REGION = "region", _("Shared with the regional bodies we belong to")
    PUBLIC = "public", _("Public")


class Role(models.TextChoices):
    """A person's role in an organisation; policies decide what each role may do."""

    ADMIN = "admin", _("Administrator")
    EDITOR = "editor", _("Editor")
    VIEWER = "viewer", _("Viewer")


# Roles that change an organisation's data (administrators also manage its people).
EDIT_ROLES = frozenset({Role.ADMIN, Role.EDITOR})


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")
    INVITE = "invite", _("Invited")
    ACCEPT = "accept", _("Accepted invitation")
    LOAD = "load", _("Loaded data")


class AuditEvent(models.Model):
    """Record one write: who did what to which object, when, with before and after."""

    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    # Kept as text so the log still says who it was if the account is deleted.
    actor_label = models.CharField(_("who (as recorded)"), max_length=254, blank=True)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    action = models.CharField(_("action"), max_length=16, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["organisation", "-created_at"])]

    def __str__(self) -> str:
        return (
            f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"
        )

    def changed_fields(self) -> list[tuple[str, object, object]]:
        """Return (field, before, after) for every field whose value changed."""
        before = self.before or {}
        after = self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]

    def changes_display(self) -> list[tuple[str, object, object]]:
        """Return changed_fields() in the reader's words: field names as the model's
        verbose names and choice values as their labels, in the active language."""
        try:
            model = apps.get_model(self.object_type)
        except (LookupError, ValueError):
            model = None
        return [
            (
                _field_label(model, name),
                _value_label(model, name, before),
                _value_label(model, name, after),
            )
            for name, before, after in self.changed_fields()
        ]


def _model_field(model, name: str):
    try:
        return model._meta.get_field(name) if model is not None else None
    except FieldDoesNotExist:
        return None


def _field_label(model, name: str) -> str:
    field = _model_field(model, name)
    verbose_name = getattr(field, "verbose_name", None)
    return capfirst(str(verbose_name)) if verbose_name else name


def _value_label(model, name: str, value):
    """The label of a choice value (or of each value in a list); empty text as None."""
    if value == "":
        return None
    field = _model_field(model, name)
    choices = dict(getattr(field, "flatchoices", None) or ())
    base = getattr(field, "base_field", None)
    if base is not None:
        choices |= dict(getattr(base, "flatchoices", None) or ())
    if not choices or value is None:
        return value
    if isinstance(value, list):
        return ", ".join(str(choices.get(item, item)) for item in value)
    return str(choices.get(value, value))


class FormSubmission(models.Model):
    """A form's one-time submission token, stored when first used.

    A form rendered with a token (see `kraftsamla.core.forms.SubmitOnceMixin`) is saved
    once per person and token: sending it again (a double click, a reload) leads to
    `result_url`, the page of what the first submission created, and saves nothing.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    token = models.CharField(_("token"), max_length=64)
    result_url = models.CharField(_("result page"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")
        constraints = [
            models.UniqueConstraint(fields=["user", "token"], name="one_submission_per_token"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.token}"
