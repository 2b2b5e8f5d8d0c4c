"""Forms for ideas and projects, their lifecycle decisions and the list filters."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from kraftsamla.capacity.models import CapitalKey, CollaborationForm
from kraftsamla.core.forms import SubmitOnceMixin
from kraftsamla.core.limits import DESCRIPTION_MAX, NOTE_MAX, TITLE_MAX
from kraftsamla.core.models import SharingLevel
from kraftsamla.organisations.models import EmissionSector, Organisation
from kraftsamla.projects.models import BusinessCollaboration, ProjectStatus

# The years a list may be filtered by.
YEAR_MIN, YEAR_MAX = 1900, 2100
DATE_INPUT = forms.DateInput(attrs={"type": "date"})
# The most text that "similar ideas" compares: the title and the opening of the summary
# and challenge say what an idea is about, and it keeps a GET request's URL short.
SIMILAR_TEXT_MAX = 1000
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


class ProjectFilterForm(forms.Form):
    """The filters of a body's project list, also read by the API."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *ProjectStatus.choices]
    )
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
    municipality = forms.ChoiceField(label=_("Municipality"), required=False)
    year = forms.IntegerField(
        label=_("Year"), required=False, min_value=YEAR_MIN, max_value=YEAR_MAX
    )

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


class SimilarTextForm(forms.Form):
    """The text to find similar ideas for (the idea form's live suggestions), as query
    parameters."""

    text = forms.CharField(label=_("Text"), max_length=SIMILAR_TEXT_MAX)
    # The project being edited, left out of its own suggestions.
    exclude = forms.IntegerField(label=_("Leave out project"), required=False, min_value=1)


class SimilarQueryForm(SimilarTextForm):
    """The API's query: the text, whose ideas to leave out and how many to answer."""

    LIMIT_MAX = 20

    owner = forms.SlugField(label=_("Leave out the ideas of"), required=False)
    limit = forms.IntegerField(
        label=_("How many"), required=False, min_value=1, max_value=LIMIT_MAX
    )

    def clean_owner(self) -> Organisation | None:
        """The organisation with the slug; an unknown one has no ideas to leave out."""
        slug = self.cleaned_data.get("owner")
        if not slug:
            return None
        return Organisation.objects.filter(slug=slug).first() or Organisation(slug=slug)


class ClusterFilterForm(forms.Form):
    EARLY, ALL = "early", "all"

    ideas = forms.ChoiceField(
        label=_("Ideas"),
        required=False,
        choices=[
            (EARLY, _("Not yet running (idea, in preparation, prioritised)")),
            (ALL, _("All ideas and projects")),
        ],
        initial=EARLY,
        widget=forms.RadioSelect,
    )


class MergeForm(SubmitOnceMixin, forms.Form):
    """Merge a cluster's chosen ideas into one joint project."""

    projects = forms.TypedMultipleChoiceField(
        label=_("Ideas to merge"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose at least two ideas of different organisations."),
    )
    title = forms.CharField(label=_("Title of the joint project"), max_length=TITLE_MAX)
    owner = forms.TypedChoiceField(
        label=_("Lead organisation (owner)"),
        coerce=int,
        help_text=_("It owns and runs the joint project; the other organisations take part in it."),
    )
    summary = forms.CharField(
        label=_("Summary"),
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, projects: Sequence = (), **kwargs):
        """`projects`: the ideas to choose from, with their owners."""
        super().__init__(*args, **kwargs)
        self.fields["projects"].choices = [
            (project.pk, f"{project.title} ({project.owner.name})") for project in projects
        ]
        owners = {project.owner_id: project.owner for project in projects}
        self.fields["owner"].choices = [
            (owner.pk, owner.name)
            for owner in sorted(owners.values(), key=lambda organisation: organisation.name)
        ]
