"""Forms for calls (the call with its rules, the import, the list filters, sending to members)
and for joint applications (the application, parties, budget lines, attachments, work
packages and status)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kraftsamla.capacity.models import CapitalKey
from kraftsamla.core.forms import SubmitOnceMixin, SwedishDecimalField
from kraftsamla.core.limits import DESCRIPTION_MAX, NOTE_MAX, TITLE_MAX
from kraftsamla.core.models import SharingLevel
from kraftsamla.core.translation import TranslatedFormField, TranslatedWidget
from kraftsamla.funding import rules as engine
from kraftsamla.funding import transfer
from kraftsamla.funding.facts import AttachmentType, PartyRole, SignerRole
from kraftsamla.funding.models import AMOUNT_DECIMALS, AMOUNT_DIGITS, CallStatus
from kraftsamla.funding.schema import Invalid
from kraftsamla.organisations.models import EmissionSector, Organisation, OrganisationKind

DATE_INPUT = forms.DateInput(attrs={"type": "date"})
PLATFORM = ""
# The sharing levels in a call's words: a body's call is for everyone, its members or itself.
CALL_SHARING = [
    (SharingLevel.PUBLIC, _("Everyone (public)")),
    (SharingLevel.REGION, _("The body's members only")),
    (SharingLevel.PRIVATE, _("Only the body itself (e.g. while it is being written)")),
]
# Uploaded call documents are small; a bigger file is refused before it is read.
UPLOAD_MAX_BYTES = transfer.DOCUMENT_MAX_BYTES


def _owner_choices(bodies: Sequence[Organisation], platform: bool) -> list[tuple[str, str]]:
    choices = [(PLATFORM, _("Kraftsamla (the platform)"))] if platform else []
    return choices + [(str(body.pk), body.name) for body in bodies]


class OwnerMixin(forms.Form):
    """Who publishes the call: one of the person's bodies, or the platform for staff."""

    owner = forms.ChoiceField(label=_("Published by"), required=False)

    def __init__(self, *args, bodies: Sequence[Organisation] = (), platform=False, **kwargs):
        super().__init__(*args, **kwargs)
        self._bodies = {str(body.pk): body for body in bodies}
        self.fields["owner"].choices = _owner_choices(bodies, platform)
        self.fields["owner"].required = not platform

    def clean_owner(self) -> Organisation | None:
        value = self.cleaned_data.get("owner") or PLATFORM
        return self._bodies.get(value)


class RulesField(forms.CharField):
    """The call's rules as JSON: a list of {"kind", "parameters", "source", "interpretation"}.

    Each problem is shown with its path ("rules[2].parameters.minimum: required").
    """

    widget = forms.Textarea(attrs={"rows": 14, "spellcheck": "false", "class": "code"})

    def to_python(self, value):
        text = super().to_python(value).strip()
        if not text:
            return []
        try:
            rules = json.loads(text)
        except ValueError as exc:
            raise ValidationError(
                _("The rules are not valid JSON: %(error)s"), params={"error": str(exc)}
            ) from None
        try:
            return transfer.rules_clean(rules)
        except Invalid as exc:
            raise ValidationError([str(problem) for problem in exc.problems]) from None

    def validate(self, value) -> None:
        """The rules were checked while read."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return transfer.rules_text(value)
        return value


def rule_kind_help() -> str:
    """List the rule kinds and their parameters for the rules field's help text."""
    return "; ".join(
        f"{key} ({', '.join(kind.schema.fields)})" for key, kind in engine.KINDS.items()
    )


class CallForm(SubmitOnceMixin, forms.Form):
    funder = forms.CharField(label=_("Funder"), max_length=200)
    programme = forms.CharField(label=_("Programme"), max_length=200, required=False)
    title = TranslatedFormField(label=_("Title"), max_length=TITLE_MAX)
    link = forms.URLField(label=_("Link to the call"), required=False, assume_scheme="https")
    summary = TranslatedFormField(
        label=_("Summary in your own words"),
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=TranslatedWidget(multiline=True),
    )
    who_may_apply = TranslatedFormField(
        label=_("Who may apply"),
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=TranslatedWidget(multiline=True),
    )
    applicant_kinds = forms.MultipleChoiceField(
        label=_("Kinds of organisation that may apply"),
        choices=OrganisationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Leave all unticked when any kind of organisation may apply."),
    )
    opens_on = forms.DateField(label=_("Opens"), widget=DATE_INPUT)
    closes_on = forms.DateField(
        label=_("Closes"), widget=DATE_INPUT, help_text=_("The last day applications are accepted.")
    )
    decision_on = forms.DateField(label=_("Decision expected"), required=False, widget=DATE_INPUT)
    project_start_earliest = forms.DateField(
        label=_("Projects start at the earliest"), required=False, widget=DATE_INPUT
    )
    project_end_latest = forms.DateField(
        label=_("Projects end at the latest"), required=False, widget=DATE_INPUT
    )
    max_support = SwedishDecimalField(
        label=_("Maximum support (SEK)"),
        required=False,
        min_value=Decimal(0),
        max_digits=AMOUNT_DIGITS,
        decimal_places=AMOUNT_DECIMALS,
        help_text=_("For example 3 000 000 or 1 000 000,50."),
    )
    max_support_share = SwedishDecimalField(
        label=_("Maximum support share (%)"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
        help_text=_("Of the project's total budget, for example 50."),
    )
    required_attachments = TranslatedFormField(
        label=_("Required attachments"),
        max_length=NOTE_MAX,
        required=False,
        widget=TranslatedWidget(multiline=True),
    )
    capitals = forms.MultipleChoiceField(
        label=_("Capitals it fits"),
        choices=CapitalKey.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    emission_sectors = forms.MultipleChoiceField(
        label=_("Emission sectors it fits"),
        choices=EmissionSector.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    sharing_level = forms.ChoiceField(
        label=_("Who sees the call"),
        choices=CALL_SHARING,
        initial=SharingLevel.PUBLIC,
        widget=forms.RadioSelect,
    )
    is_invented_example = forms.BooleanField(
        label=_("This is an invented example, not a real call"), required=False
    )
    rules = RulesField(
        label=_("Eligibility rules (JSON)"),
        required=False,
        help_text=_(
            "A list of rules, each with a kind, its parameters, the section of the call it "
            "comes from and, where the call leaves room, our interpretation. The kinds and "
            "their parameters are listed below the form."
        ),
    )


class CallCreateForm(OwnerMixin, CallForm):
    field_order = ["owner"]


class CallImportForm(OwnerMixin, SubmitOnceMixin, forms.Form):
    document = forms.FileField(
        label=_("Call document (JSON)"),
        help_text=_(
            "A file downloaded from a call's page in Kraftsamla (this or another installation)."
        ),
    )
    sharing_level = forms.ChoiceField(
        label=_("Who sees the call"),
        choices=CALL_SHARING,
        initial=SharingLevel.PUBLIC,
        widget=forms.RadioSelect,
    )

    def clean_document(self) -> bytes:
        upload = self.cleaned_data["document"]
        if upload.size > UPLOAD_MAX_BYTES:
            raise ValidationError(_("The file is too large for a call's document."))
        return upload.read()


class CallFilterForm(forms.Form):
    """The filters of the call list, also read by the API."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *CallStatus.choices]
    )
    capital = forms.ChoiceField(
        label=_("Capital"), required=False, choices=[("", _("All capitals")), *CapitalKey.choices]
    )
    sector = forms.ChoiceField(
        label=_("Emission sector"),
        required=False,
        choices=[("", _("All sectors")), *EmissionSector.choices],
    )
    funder = forms.ChoiceField(label=_("Funder"), required=False)

    def __init__(self, *args, funders: Sequence[tuple[str, str]] | None = None, **kwargs):
        """`funders`: the funders to choose from; without them (the API) any text is taken."""
        super().__init__(*args, **kwargs)
        if funders is None:
            self.fields["funder"] = forms.CharField(
                label=_("Funder"), required=False, max_length=200
            )
        else:
            self.fields["funder"].choices = [("", _("All funders")), *funders]


class SendForm(SubmitOnceMixin, forms.Form):
    body = forms.ModelChoiceField(
        label=_("Send to the members of"), queryset=Organisation.objects.none(), empty_label=None
    )
    note = forms.CharField(
        label=_("Note to the members (optional)"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example why the call suits them, or an offer to apply together."),
    )

    def __init__(self, *args, bodies: Sequence[Organisation] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = Organisation.objects.filter(
            pk__in=[body.pk for body in bodies]
        ).order_by("name")


# --- Joint applications ------------------------------------------------------------------------


def _amount_input(label, **kwargs) -> SwedishDecimalField:
    """An amount ≥ 0 in SEK; "1 000 000,50" and "1000000.50" are both understood."""
    return SwedishDecimalField(
        label=label,
        max_digits=AMOUNT_DIGITS,
        decimal_places=AMOUNT_DECIMALS,
        min_value=Decimal(0),
        error_messages={
            "invalid": _("Write an amount in SEK, e.g. 1 000 000,50."),
            "min_value": _("The amount cannot be negative."),
        },
        **kwargs,
    )


class ApplicationForm(forms.Form):
    """The application's own facts (and, when editing, its coordinator and projects)."""

    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    summary = forms.CharField(
        label=_("Summary"), required=False, max_length=DESCRIPTION_MAX, widget=forms.Textarea
    )
    project_start = forms.DateField(label=_("Project starts"), required=False, widget=DATE_INPUT)
    project_end = forms.DateField(label=_("Project ends"), required=False, widget=DATE_INPUT)

    def clean(self):
        data = super().clean()
        start, end = data.get("project_start"), data.get("project_end")
        if start and end and end < start:
            self.add_error("project_end", _("The project cannot end before it starts."))
        return data


class ApplicationCreateForm(SubmitOnceMixin, ApplicationForm):
    coordinator = forms.ModelChoiceField(
        label=_("Coordinator"), queryset=Organisation.objects.none(), empty_label=None
    )
    field_order = ["coordinator", "title", "summary", "project_start", "project_end"]

    def __init__(self, *args, organisations: Sequence[Organisation] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coordinator"].queryset = Organisation.objects.filter(
            pk__in=[org.pk for org in organisations]
        ).order_by("name")


class ApplicationEditForm(ApplicationForm):
    coordinator = forms.ModelChoiceField(
        label=_("Coordinator"),
        queryset=Organisation.objects.none(),
        empty_label=None,
        help_text=_("The coordinator is one of the parties that have accepted."),
    )
    projects = forms.ModelMultipleChoiceField(
        label=_("Projects in the project bank"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, organisations=(), projects=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coordinator"].queryset = Organisation.objects.filter(
            pk__in=[org.pk for org in organisations]
        ).order_by("name")
        self.fields["projects"].queryset = projects


class PartyForm(SubmitOnceMixin, forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.order_by("name")
    )
    role = forms.ChoiceField(label=_("Role"), choices=[])
    email = forms.EmailField(
        label=_("Send the invitation to (e-mail)"),
        required=False,
        help_text=_("Empty: the organisation's administrators and editors are invited."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [
            (value, label) for value, label in PartyRole.choices if value != PartyRole.COORDINATOR
        ]


class RespondForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Answer"), choices=[("accept", _("Accept")), ("decline", _("Decline"))]
    )


class BudgetLineForm(forms.Form):
    """One line of a party's budget; co-funding in time is hours × hourly rate."""

    line = forms.IntegerField(required=False, widget=forms.HiddenInput)
    activity = forms.CharField(
        label=_("Activity"),
        max_length=200,
        help_text=_("Name the activity as the call does, e.g. “Transition Lab”."),
    )
    support = _amount_input(_("Support requested (SEK)"), required=False)
    cofunding_money = _amount_input(_("Co-funding in money (SEK)"), required=False)
    hours = SwedishDecimalField(
        label=_("Co-funding in time (hours)"),
        required=False,
        max_digits=9,
        decimal_places=2,
        min_value=Decimal(0),
        error_messages={
            "invalid": _("Write a number of hours, e.g. 120 or 37,5."),
            "min_value": _("The number of hours cannot be negative."),
        },
    )
    hourly_rate = _amount_input(_("Hourly rate (SEK)"), required=False)

    def clean(self):
        data = super().clean()
        for name in ("support", "cofunding_money", "hours", "hourly_rate"):
            if name in data and data[name] is None:
                data[name] = Decimal(0)
        return data


class ApplicationAttachmentForm(SubmitOnceMixin, forms.Form):
    type = forms.ChoiceField(label=_("Type of attachment"), choices=AttachmentType.choices)
    file = forms.FileField(label=_("File"))
    signed_by = forms.CharField(
        label=_("Signed by"),
        max_length=200,
        required=False,
        help_text=_("For a support letter: the name of the person who signed it."),
    )
    signer_role = forms.ChoiceField(
        label=_("Signed in the role of"),
        choices=[("", "–"), *SignerRole.choices],
        required=False,
    )


class WorkPackageForm(SubmitOnceMixin, forms.Form):
    package = forms.IntegerField(required=False, widget=forms.HiddenInput)
    number = forms.IntegerField(label=_("Number"), min_value=1, max_value=99, required=False)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    lead = forms.ModelChoiceField(label=_("Lead party"), queryset=None)
    parties = forms.ModelMultipleChoiceField(
        label=_("Parties"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    goal = forms.CharField(
        label=_("Goal"), required=False, max_length=DESCRIPTION_MAX, widget=forms.Textarea
    )
    deliverables = forms.CharField(
        label=_("Deliverables"), required=False, max_length=DESCRIPTION_MAX, widget=forms.Textarea
    )
    start_month = forms.IntegerField(label=_("First month"), min_value=1, max_value=120)
    end_month = forms.IntegerField(label=_("Last month"), min_value=1, max_value=120)

    def __init__(self, *args, parties=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = parties
        self.fields["parties"].queryset = parties
        self.fields["lead"].label_from_instance = lambda party: party.organisation.display_name
        self.fields["parties"].label_from_instance = lambda party: party.organisation.display_name

    def clean(self):
        data = super().clean()
        first, last = data.get("start_month"), data.get("end_month")
        if first and last and last < first:
            self.add_error("end_month", _("The last month cannot come before the first."))
        if not data.get("number"):
            data.pop("number", None)
        return data


class StatusForm(forms.Form):
    """Move the application on: mark it ready, take it back, submit it, record the decision."""

    action = forms.ChoiceField(
        choices=[
            ("ready", _("Mark ready to submit")),
            ("reopen", _("Back to draft")),
            ("submit", _("Record as submitted")),
            ("granted", _("Granted")),
            ("rejected", _("Rejected")),
        ]
    )
    decision = forms.CharField(
        label=_("Decision"), required=False, max_length=NOTE_MAX, widget=forms.Textarea
    )
