"""Forms for ideas and projects, their lifecycle decisions, good examples, attachments,
checklists and the list filters."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from kraftsamla.capacity.models import CapitalKey, CollaborationForm
from kraftsamla.core.forms import LongSelect, SubmitOnceMixin, add_service_error
from kraftsamla.core.limits import DESCRIPTION_MAX, NOTE_MAX, TITLE_MAX
from kraftsamla.core.models import SharingLevel
from kraftsamla.core.uploads import FILE_TYPES, type_list
from kraftsamla.organisations.models import EmissionSector, Organisation, PopulationClass
from kraftsamla.projects.models import (
    JOIN_ROLES,
    SCORE_MAX,
    SCORE_MIN,
    WEIGHT_MAX,
    WEIGHT_MIN,
    BusinessCollaboration,
    ChecklistItem,
    CriterionAxis,
    ParticipationRole,
    ProjectStatus,
)

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
            self.fields["municipality"].widget = LongSelect()
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


class ChecklistItemForm(forms.Form):
    """One checklist item: who is responsible, by when, done, a note."""

    responsible = forms.CharField(label=_("Responsible"), max_length=200, required=False)
    responsible_user = forms.TypedChoiceField(
        label=_("Or a person with an account"),
        coerce=int,
        empty_value=None,
        required=False,
    )
    due = forms.DateField(label=_("Due"), required=False, widget=DATE_INPUT)
    done = forms.BooleanField(label=_("Done"), required=False)
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    # The service's names for what the form calls otherwise.
    SERVICE_FIELDS = {"responsible_name": "responsible"}

    def __init__(self, *args, item: ChecklistItem, people: Sequence[tuple[Any, str]], **kwargs):
        """`people`: (user, label) of those who may be made responsible."""
        kwargs.setdefault("prefix", f"item-{item.pk}")
        kwargs.setdefault(
            "initial",
            {
                "responsible": item.responsible_name,
                "responsible_user": item.responsible_user_id,
                "due": item.due,
                "done": item.done,
                "note": item.note,
            },
        )
        super().__init__(*args, **kwargs)
        self.item = item
        self.people = {user.pk: user for user, _label in people}
        self.fields["responsible_user"].choices = [
            ("", _("Nobody chosen")),
            *((user.pk, label) for user, label in people),
        ]

    def values(self) -> dict:
        """The changed values, as `checklist_item_update` takes them."""
        values = {name: self.cleaned_data[name] for name in self.changed_data}
        if values.get("responsible_user") is not None:
            values["responsible_user"] = self.people[values["responsible_user"]]
        return values

    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            error = ValidationError(
                {
                    self.SERVICE_FIELDS.get(name, name): messages
                    for name, messages in error.message_dict.items()
                }
            )
        add_service_error(self, error)


class ChecklistForms:
    """One form per item of a checklist, sent together; only changed items are saved."""

    def __init__(self, data=None, *, items: Sequence[ChecklistItem], people):
        self.forms = [ChecklistItemForm(data, item=item, people=people) for item in items]
        self.non_form_errors: list[str] = []

    def __iter__(self):
        return iter(self.forms)

    def is_valid(self) -> bool:
        # Every form is validated, so all errors show at once.
        return all([form.is_valid() for form in self.forms])

    @property
    def is_bound(self) -> bool:
        return any(form.is_bound for form in self.forms)

    @property
    def errors(self) -> bool:
        return bool(self.non_form_errors) or any(form.errors for form in self.forms)

    def changes(self) -> list[tuple[ChecklistItem, dict]]:
        """(item, changed values) of every changed form (call after `is_valid`)."""
        return [(form.item, form.values()) for form in self.forms if form.has_changed()]

    def add_item_errors(self, by_item: dict[int, ValidationError]) -> None:
        for form in self.forms:
            if form.item.pk in by_item:
                form.add_service_errors(by_item[form.item.pk])

    def add_error(self, error: ValidationError) -> None:
        self.non_form_errors.extend(error.messages)

    def refresh(self, items: Sequence[ChecklistItem]) -> None:
        """Show the items as saved (after a refused save left edited copies in memory)."""
        by_pk = {item.pk: item for item in items}
        for form in self.forms:
            form.item = by_pk.get(form.item.pk, form.item)


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


# --- A body's portfolio ----------------------------------------------------------------------


class PortfolioFilterForm(ProjectFilterForm):
    """The filters of a body's portfolio: a body list's, and the owner's size class."""

    population_class = forms.ChoiceField(
        label=_("Size of the owner"), required=False, choices=POPULATION_CLASS_CHOICES
    )

    field_order = [
        "status",
        "capital",
        "collaboration_form",
        "sector",
        "municipality",
        "population_class",
        "year",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Rendered in Python: the page is a working list, opened and filtered often.
        for field in self.fields.values():
            if type(field.widget) is forms.Select:
                field.widget = LongSelect(choices=field.choices)


class PortfolioApiFilterForm(PortfolioFilterForm):
    """The API's portfolio filters: the page's, with any organisation's slug taken."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, members=None, **kwargs)


CRITERION_FIELDS = ("name", "description", "weight", "axis")


class CriteriaForm(forms.Form):
    """A body's criteria: for each, its name, what a high score means, weight and axis.

    Fields are named `<field>_<key>` (as the service's errors are keyed).
    """

    def __init__(self, *args, criteria: Sequence = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            key = criterion.key
            names = {"criterion": criterion.name}
            self.fields[f"name_{key}"] = forms.CharField(
                label=_("Name of “%(criterion)s”") % names, max_length=120, initial=criterion.name
            )
            self.fields[f"description_{key}"] = forms.CharField(
                label=_("What a high score on “%(criterion)s” means") % names,
                max_length=NOTE_MAX,
                initial=criterion.description,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"weight_{key}"] = forms.IntegerField(
                label=_("Weight of “%(criterion)s” (0–10)") % names,
                min_value=WEIGHT_MIN,
                max_value=WEIGHT_MAX,
                initial=criterion.weight,
            )
            self.fields[f"axis_{key}"] = forms.ChoiceField(
                label=_("Chart axis of “%(criterion)s”") % names,
                choices=CriterionAxis.choices,
                required=False,
                initial=criterion.axis,
            )

    def groups(self) -> list[tuple]:
        """Return (criterion, its bound fields) for the template, in order."""
        return [
            (
                criterion,
                [self[f"{name}_{criterion.key}"] for name in CRITERION_FIELDS],
            )
            for criterion in self.criteria
        ]

    def rows(self) -> list[dict[str, Any]]:
        """Return the service's criteria from the cleaned data."""
        return [
            {
                "key": criterion.key,
                **{
                    name: self.cleaned_data.get(f"{name}_{criterion.key}")
                    for name in CRITERION_FIELDS
                },
            }
            for criterion in self.criteria
        ]


SCORE_CHOICES = [
    ("", _("Not scored")),
    *((str(n), str(n)) for n in range(SCORE_MIN, SCORE_MAX + 1)),
]


class ScoreForm(forms.Form):
    """A project's scores on the body's criteria: for each, 0–4 (or none) and the reason.

    Fields are named `score_<key>` and `reason_<key>` (as the service's errors are keyed).
    """

    def __init__(self, *args, criteria: Sequence = (), scores: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        scores = scores or {}
        for criterion in self.criteria:
            key = criterion.key
            score, reason = scores.get(key, (None, ""))
            names = {"criterion": criterion.name}
            self.fields[f"score_{key}"] = forms.TypedChoiceField(
                label=_("Score on “%(criterion)s” (0–4)") % names,
                choices=SCORE_CHOICES,
                required=False,
                coerce=int,
                empty_value=None,
                initial="" if score is None else str(score),
                help_text=criterion.description,
            )
            self.fields[f"reason_{key}"] = forms.CharField(
                label=_("Reason for the score on “%(criterion)s”") % names,
                required=False,
                max_length=NOTE_MAX,
                initial=reason,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def groups(self) -> list[tuple]:
        return [
            (criterion, self[f"score_{criterion.key}"], self[f"reason_{criterion.key}"])
            for criterion in self.criteria
        ]

    def scores(self) -> dict[str, tuple]:
        """Return the service's {key: (score, reason)} from the cleaned data."""
        return {
            criterion.key: (
                self.cleaned_data.get(f"score_{criterion.key}"),
                self.cleaned_data.get(f"reason_{criterion.key}") or "",
            )
            for criterion in self.criteria
        }


class DecisionForm(forms.Form):
    """A body's decision on a project from its portfolio: prioritise, park or decline."""

    action = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, actions: Sequence[tuple[str, str]] = (), **kwargs):
        """`actions`: the (action, label) the person may take from the project's status."""
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = list(actions)
