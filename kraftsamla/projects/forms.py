"""Forms for ideas and projects, their lifecycle decisions, good examples, attachments and
the list filters."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from kraftsamla.capacity.models import CapitalKey, CollaborationForm
from kraftsamla.core.forms import SubmitOnceMixin
from kraftsamla.core.limits import DESCRIPTION_MAX, NOTE_MAX, TITLE_MAX
from kraftsamla.core.models import SharingLevel
from kraftsamla.core.uploads import FILE_TYPES, type_list
from kraftsamla.organisations.models import EmissionSector, Organisation, PopulationClass
from kraftsamla.projects.models import (
    JOIN_ROLES,
    BusinessCollaboration,
    ParticipationRole,
    ProjectStatus,
)

# The years a list may be filtered by.
YEAR_MIN, YEAR_MAX = 1900, 2100
DATE_INPUT = forms.DateInput(attrs={"type": "date"})
# One funding source per line: "Funder; amount" (spaces in the amount are allowed).
FUNDING_LINE = re.compile(r"^(?P<name>[^;]+);(?P<amount>[^;]+)$")


class FundingSourcesField(forms.CharField):
    """Funding sources written one per line as "Funder; amount in SEK"."""

    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value) -> list[dict]:
        text = super().to_python(value)
        sources = []
        for number, line in enumerate(filter(None, map(str.strip, text.splitlines())), start=1):
            match = FUNDING_LINE.match(line)
            amount = None
            if match:
                try:
                    amount = Decimal(re.sub(r"\s", "", match["amount"]).replace(",", "."))
                except InvalidOperation:
                    amount = None
            if amount is None:
                raise forms.ValidationError(
                    _("Line %(number)s: write the funder, a semicolon and the amount."),
                    params={"number": number},
                )
            sources.append({"funder_name": match["name"].strip(), "amount": amount})
        return sources

    def validate(self, value) -> None:
        """The list is parsed; the service checks the amounts against the budget."""


def funding_sources_text(sources) -> str:
    """Write funding sources back as the field's lines."""
    return "\n".join(f"{source.funder_name}; {source.amount:.0f}" for source in sources)


class ProjectForm(SubmitOnceMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A few lines are enough for an idea."),
    )
    challenge = forms.CharField(
        label=_("Challenge it addresses"),
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    capitals = forms.MultipleChoiceField(
        label=_("Capitals it strengthens"),
        choices=CapitalKey.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    collaboration_form = forms.ChoiceField(
        label=_("Collaboration form"),
        choices=[("", _("Not decided")), *CollaborationForm.choices],
        required=False,
    )
    emission_sectors = forms.MultipleChoiceField(
        label=_("Emission sectors"),
        choices=EmissionSector.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    business_collaboration = forms.ChoiceField(
        label=_("Business collaboration"),
        choices=[("", _("None")), *BusinessCollaboration.choices],
        required=False,
    )
    contact_name = forms.CharField(label=_("Contact"), max_length=200, required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    start_date = forms.DateField(label=_("Starts"), required=False, widget=DATE_INPUT)
    end_date = forms.DateField(label=_("Ends"), required=False, widget=DATE_INPUT)
    budget = forms.DecimalField(label=_("Budget (SEK)"), decimal_places=0, required=False)
    funding_sources = FundingSourcesField(
        label=_("Funding sources"),
        required=False,
        help_text=_("One per line: the funder, a semicolon and the amount in SEK."),
    )
    sharing_level = forms.ChoiceField(
        label=_("Sharing"), choices=SharingLevel.choices, initial=SharingLevel.REGION
    )


class ReasonForm(forms.Form):
    """A lifecycle decision with its reason (prioritise, park, decline, start)."""

    reason = forms.CharField(
        label=_("Reason"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class StartForm(forms.Form):
    reason = forms.CharField(
        label=_("Note (optional)"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PrepareForm(forms.Form):
    reason = forms.CharField(
        label=_("Decision and reason"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    next_step = forms.CharField(
        label=_("Next step"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    participants = forms.ModelMultipleChoiceField(
        label=_("Who takes part"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, members: Sequence[Organisation] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = Organisation.objects.filter(
            pk__in=[member.pk for member in members]
        ).order_by("name")


class CompleteForm(forms.Form):
    results = forms.CharField(
        label=_("Results"), max_length=DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    lessons = forms.CharField(
        label=_("Lessons learnt"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reusable = forms.CharField(
        label=_("What others can reuse"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReplicateForm(SubmitOnceMixin, forms.Form):
    owner = forms.ModelChoiceField(
        label=_("Replicate for"), queryset=Organisation.objects.none(), empty_label=None
    )

    def __init__(self, *args, organisations: Sequence[Organisation] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = Organisation.objects.filter(
            pk__in=[organisation.pk for organisation in organisations]
        ).order_by("name")


class JoinRequestForm(SubmitOnceMixin, forms.Form):
    """Ask to join a project for one of one's organisations, with a message to the owner."""

    organisation = forms.ModelChoiceField(
        label=_("Ask for"), queryset=Organisation.objects.none(), empty_label=None
    )
    message = forms.CharField(
        label=_("Message to the owner"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What your organisation would bring, and what you hope to get out of it."),
    )

    def __init__(self, *args, organisations: Sequence[Organisation] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(
            pk__in=[organisation.pk for organisation in organisations]
        ).order_by("name")


class JoinAcceptForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role in the project"),
        choices=[(role.value, role.label) for role in JOIN_ROLES],
        initial=ParticipationRole.PARTICIPANT,
        widget=forms.RadioSelect,
    )


class JoinDeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for declining"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The organisation that asked is e-mailed the reason."),
    )


class GoodExampleForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is a good example"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown with the project in the list of good examples."),
    )


class GoodExampleRemoveForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# What the file chooser offers first; the server checks the content whatever is chosen.
ATTACHMENT_ACCEPT = ",".join(
    [
        *(extension for file_type in FILE_TYPES.values() for extension in file_type.extensions),
        *(file_type.content_type for file_type in FILE_TYPES.values()),
    ]
)


class AttachmentForm(SubmitOnceMixin, forms.Form):
    """One file to attach; the service checks its size, type and the project's count."""

    file = forms.FileField(
        label=_("File"),
        widget=forms.FileInput(attrs={"accept": ATTACHMENT_ACCEPT}),
        error_messages={
            "required": _("Choose a file to attach."),
            "empty": _("The file is empty."),
            "invalid": _("No file was sent. Choose the file again."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "%(types)s, at most %(limit)s a file and %(count)s files a project."
        ) % {
            "types": type_list(),
            "limit": filesizeformat(settings.KRAFTSAMLA_ATTACHMENT_MAX_BYTES),
            "count": settings.KRAFTSAMLA_ATTACHMENTS_PER_PROJECT,
        }


class SubjectFilterForm(forms.Form):
    """Filters by what a project is about: a capital, a collaboration form, an emission sector."""

    capital = forms.ChoiceField(
        label=_("Capital"), required=False, choices=[("", _("All capitals")), *CapitalKey.choices]
    )
    collaboration_form = forms.ChoiceField(
        label=_("Collaboration form"),
        required=False,
        choices=[("", _("All forms")), *CollaborationForm.choices],
    )
    sector = forms.ChoiceField(
        label=_("Emission sector"),
        required=False,
        choices=[("", _("All sectors")), *EmissionSector.choices],
    )


class ProjectFilterForm(SubjectFilterForm):
    """The filters of a body's project list, also read by the API."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *ProjectStatus.choices]
    )
    municipality = forms.ChoiceField(label=_("Municipality"), required=False)
    year = forms.IntegerField(
        label=_("Year"), required=False, min_value=YEAR_MIN, max_value=YEAR_MAX
    )

    field_order = ["status", "capital", "collaboration_form", "sector", "municipality", "year"]

    def __init__(self, *args, members: Sequence[Organisation] | None = None, **kwargs):
        """`members`: the organisations to choose from (a body's members); others are errors.
        Without them (the API over all visible projects) any organisation's slug is taken."""
        super().__init__(*args, **kwargs)
        if members is None:
            self.fields["municipality"] = forms.SlugField(label=_("Municipality"), required=False)
        else:
            self.fields["municipality"].choices = [
                ("", _("All members")),
                *((member.slug, member.name) for member in members),
            ]


POPULATION_CLASS_CHOICES = [("", _("All sizes")), *PopulationClass.choices]


class GoodExampleFilterForm(SubjectFilterForm):
    """The filters of the list of good examples."""

    population_class = forms.ChoiceField(
        label=_("Size of the owner"), required=False, choices=POPULATION_CLASS_CHOICES
    )


class ProjectApiFilterForm(ProjectFilterForm):
    """The API's project list filters: a body list's, and size class and good examples."""

    population_class = forms.ChoiceField(
        label=_("Size of the owner"), required=False, choices=POPULATION_CLASS_CHOICES
    )
    good_example = forms.TypedChoiceField(
        label=_("Good examples"),
        required=False,
        choices=[
            ("", _("All")),
            ("true", _("Only good examples")),
            ("false", _("No good examples")),
        ],
        coerce=lambda value: value == "true",
        empty_value=None,
    )
