"""Invite colleagues, accept invitations, change roles and rotate API tokens; all audited."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kraftsamla.accounts.models import (
    ApiToken,
    EmailStatus,
    Invitation,
    OrganisationRole,
    User,
    token_hash,
)
from kraftsamla.accounts.signals import invitation_accepted
from kraftsamla.accounts.tasks import TOKEN_PLACEHOLDER, send_invitation_email
from kraftsamla.core import access
from kraftsamla.core.audit import audit_record, snapshot
from kraftsamla.core.models import AuditAction


@transaction.atomic
def invitation_create(
    *, actor, organisation, email: str, role: str, accept_url_builder
) -> Invitation:
    """Invite `email` to `organisation` with `role` and queue the e-mail.

    Only the organisation's administrators (and staff) may invite.
    `accept_url_builder(token)` returns the absolute link for the e-mail.
    """
    access.require(
        actor,
        "accounts.people.manage",
        organisation,
        _("Only the organisation's administrators may invite people."),
    )
    return invitation_send(
        actor=actor,
        organisation=organisation,
        email=email,
        role=role,
        accept_url_builder=accept_url_builder,
    )


@transaction.atomic
def invitation_send(
    *,
    actor,
    organisation,
    email: str,
    role: str,
    accept_url_builder,
    keep_existing_role: bool = False,
    note: str = "",
) -> Invitation:
    """Create, audit and e-mail an invitation; the caller has asked its own rule first.

    Other apps use it for invitations that come with a duty of theirs (e.g. capacity's
    respondents, with the viewer role and `keep_existing_role`): they ask their policy,
    call this and react to `signals.invitation_accepted`. `note` is an extra paragraph
    for the e-mail, already in the inviter's language.
    """
    email = email.strip().lower()
    if OrganisationRole.objects.filter(
        organisation=organisation, user__email__iexact=email
    ).exists():
        raise ValidationError(
            {"email": _("This person already has a role in the organisation.")}, code="exists"
        )
    open_invitations = Invitation.objects.filter(
        organisation=organisation, email__iexact=email, accepted_at__isnull=True
    )
    # An expired invitation no longer blocks a new one to the same address.
    open_invitations.filter(expires_at__lte=timezone.now()).delete()
    if open_invitations.exists():
        raise ValidationError(
            {"email": _("An invitation to this address is already waiting to be accepted.")},
            code="duplicate",
        )
    invitation = Invitation(
        organisation=organisation,
        keep_existing_role=keep_existing_role,
        email=email,
        role=role,
        # A hash of a token nobody has: the e-mail task makes the link's token.
        token_hash=token_hash(secrets.token_urlsafe(32)),
        invited_by=actor,
        expires_at=timezone.now() + datetime.timedelta(days=settings.INVITATION_VALID_DAYS),
        note=note,
    )
    # The one-open-invitation constraint is checked above and, for races, by the database.
    invitation.full_clean(exclude=["token_hash"], validate_constraints=False)
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"email": _("An invitation to this address is already waiting to be accepted.")},
            code="duplicate",
        ) from exc
    audit_record(
        actor=actor,
        action=AuditAction.INVITE,
        obj=invitation,
        organisation=organisation,
        after=snapshot(invitation, ["email", "role", "expires_at"]),
    )
    _invitation_email_enqueue(invitation, inviter=actor, accept_url_builder=accept_url_builder)
    return invitation


def _invitation_email_enqueue(invitation: Invitation, *, inviter, accept_url_builder) -> None:
    """Queue the invitation's e-mail, once the transaction has committed.

    The task makes the link's token itself, so the raw token is never stored, not even
    in the task queue. It retries and records on the invitation whether the e-mail went
    out, so a mail server that is down never breaks the request that invited.
    """
    link_template = accept_url_builder(TOKEN_PLACEHOLDER)
    # The e-mail is written in the inviter's current language.
    language = translation.get_language() or settings.LANGUAGE_CODE
    inviter_name = str(inviter)
    # Queued after commit so a rolled-back invitation never reaches anyone.
    transaction.on_commit(
        lambda: send_invitation_email.enqueue(invitation.pk, link_template, language, inviter_name)
    )


@transaction.atomic
def invitation_resend(*, actor, invitation: Invitation, accept_url_builder) -> Invitation:
    """Send an open invitation again with a new link (the old one stops working).

    The same invitation row gets a new token (made by the e-mail task), a new expiry
    date and a fresh e-mail status, so the one-open-invitation rule holds.
    """
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("organisation")
        .filter(pk=invitation.pk)
        .first()
    )
    if invitation is None:
        raise ValidationError(_("This invitation is not valid any more."), code="invalid")
    access.require(
        actor,
        "accounts.people.manage",
        invitation.organisation,
        _("Only the organisation's administrators may invite people."),
    )
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation is not valid any more."), code="invalid")
    fields = ["expires_at", "email_status", "email_attempts", "email_error"]
    before = snapshot(invitation, fields)
    # The old link stops working now; the e-mail task makes the new one.
    invitation.token_hash = token_hash(secrets.token_urlsafe(32))
    invitation.expires_at = timezone.now() + datetime.timedelta(days=settings.INVITATION_VALID_DAYS)
    invitation.email_status = EmailStatus.PENDING
    invitation.email_attempts = 0
    invitation.email_error = ""
    invitation.save(update_fields=["token_hash", *fields])
    audit_record(
        actor=actor,
        action=AuditAction.INVITE,
        obj=invitation,
        organisation=invitation.organisation,
        before=before,
        after=snapshot(invitation, fields),
    )
    _invitation_email_enqueue(invitation, inviter=actor, accept_url_builder=accept_url_builder)
    return invitation


def invitation_get_open(token: str) -> Invitation | None:
    """Return the open invitation with this token, or None."""
    invitation = (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitation is None or not invitation.is_open:
        return None
    return invitation


@transaction.atomic
def invitation_accept(
    *, token: str, actor: User | None = None, full_name: str = "", password: str | None = None
) -> User:
    """Accept an invitation: create the account if needed and grant the role.

    A logged-in `actor` accepts for themselves (their address must match);
    otherwise a new account is created with `full_name` and `password`.
    """
    invitation = Invitation.objects.select_for_update().filter(token_hash=token_hash(token)).first()
    if invitation is None or not invitation.is_open:
        raise ValidationError(_("This invitation is not valid any more."), code="invalid")
    if actor is not None and actor.is_authenticated:
        if actor.email.lower() != invitation.email.lower():
            raise ValidationError(
                _(
                    "This invitation was sent to another e-mail address. Log out and open the "
                    "link again, or ask for an invitation to your own address."
                ),
                code="wrong_user",
            )
        user = actor
    else:
        user = User.objects.filter(email__iexact=invitation.email).first()
        if user is not None:
            raise ValidationError(
                _("An account with this address exists. Log in first, then open the link again."),
                code="login_first",
            )
        if not password:
            raise ValidationError({"password1": _("Choose a password.")}, code="required")
        user = User.objects.create_user(
            email=invitation.email, password=password, full_name=full_name
        )
    role_defaults = {"role": invitation.role}
    if invitation.keep_existing_role:
        role, _created = OrganisationRole.objects.get_or_create(
            user=user, organisation=invitation.organisation, defaults=role_defaults
        )
    else:
        role, _created = OrganisationRole.objects.update_or_create(
            user=user, organisation=invitation.organisation, defaults=role_defaults
        )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    invitation_accepted.send(sender=Invitation, invitation=invitation, user=user)
    audit_record(
        actor=user,
        action=AuditAction.ACCEPT,
        obj=role,
        organisation=invitation.organisation,
        after={"user": user.email, "role": invitation.role},
    )
    return user


@transaction.atomic
def organisation_role_set(*, actor: User, organisation, user: User, role: str) -> OrganisationRole:
    """Give `user` the `role` in `organisation` (creating or changing it)."""
    access.require(
        actor,
        "accounts.people.manage",
        organisation,
        _("Only the organisation's administrators may change roles."),
    )
    existing = OrganisationRole.objects.filter(organisation=organisation, user=user).first()
    before = {"role": existing.role} if existing else None
    obj, created = OrganisationRole.objects.update_or_create(
        organisation=organisation, user=user, defaults={"role": role}
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=obj,
        organisation=organisation,
        before=before,
        after={"user": user.email, "role": role},
    )
    return obj


# --- API tokens -----------------------------------------------------------------------

API_TOKEN_PREFIX_LENGTH = 6


@transaction.atomic
def api_token_rotate(*, actor) -> str:
    """Replace the actor's API token with a new one; return the raw token (shown once).

    Only a hash is stored, so the old token stops working at once.
    """
    access.require(actor, "accounts.apitoken.create")
    previous = ApiToken.objects.select_for_update().filter(user=actor).first()
    before = {"prefix": previous.prefix} if previous else None
    if previous is not None:
        previous.delete()
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor, key_hash=token_hash(raw), prefix=raw[:API_TOKEN_PREFIX_LENGTH]
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE if previous else AuditAction.CREATE,
        obj=token,
        before=before,
        after={"prefix": token.prefix},
    )
    return raw


@transaction.atomic
def api_token_revoke(*, actor, user: User) -> None:
    """Delete the user's API token, if any (e.g. when their password changes)."""
    token = ApiToken.objects.filter(user=user).first()
    if token is None:
        return
    access.require(actor, "accounts.apitoken.revoke", token)
    audit_record(actor=actor, action=AuditAction.DELETE, obj=token, before={"prefix": token.prefix})
    token.delete()


@transaction.atomic
def user_password_changed(*, actor, user: User) -> None:
    """Record that `user`'s password was changed (never the password) and revoke their API
    token, which must not outlive the old password. Every path that sets a password (the
    account page, the reset link, the admin) calls this after saving it."""
    access.require(actor, "accounts.user.password_changed", user)
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=user, after={"password": "changed"})
    api_token_revoke(actor=actor, user=user)
