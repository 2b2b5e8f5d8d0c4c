"""Forms of the twinning pages: the matching's purpose, weights and programme (GET)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from kraftsamla.core.forms import SubmitOnceMixin, SwedishDecimalField
from kraftsamla.core.limits import NOTE_MAX
from kraftsamla.core.translation import translated
from kraftsamla.organisations.models import Organisation, OrganisationKind
from kraftsamla.twinning import matching, selectors
from kraftsamla.twinning.matching import Component, Purpose
from kraftsamla.twinning.models import LinkKind, LinkRole, MeetingKind, Participant

WEIGHT_MAX = Decimal(100)


def weight_field_name(component: str) -> str:
    return f"w_{component}"


class MatchingForm(forms.Form):
    """What to match for: purpose, weights (blank: the purpose's preset) and programme.

    Negative or all-zero weights, and a pilot–twin pair without a programme that has a
    pilot group, are errors at their fields.
    """

    purpose = forms.ChoiceField(
        label=_("Purpose"), choices=Purpose.choices, initial=Purpose.TWIN, required=False
    )
    programme = forms.ModelChoiceField(
        label=_("Programme with the pilot group"),
        queryset=Organisation.objects.none(),
        to_field_name="slug",
        required=False,
        help_text=_("For a pilot–twin pair: one side must take part in this programme."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = selectors.programme_choices()
        for component in Component:
            self.fields[weight_field_name(component.value)] = SwedishDecimalField(
                label=_("Weight: %(component)s") % {"component": component.label},
                required=False,
                max_value=WEIGHT_MAX,
                max_digits=6,
                decimal_places=2,
            )

    def weight_fields(self):
        return [self[weight_field_name(c)] for c in matching.COMPONENTS]

    def clean(self):
        data = super().clean()
        purpose = data.get("purpose") or Purpose.TWIN
        data["purpose"] = purpose
        preset = matching.PRESETS[purpose]
        weights = {}
        for component in matching.COMPONENTS:
            name = weight_field_name(component)
            if name in self.errors:
                continue
            value = data.get(name)
            weights[component] = float(preset[component] if value is None else value)
        if len(weights) == len(matching.COMPONENTS):
            for key, message in matching.weights_problems(weights).items():
                self.add_error(weight_field_name(key) if key else None, message)
        data["weights"] = weights
        if purpose == Purpose.PILOT_TWIN:
            programme = data.get("programme")
            if programme is None:
                self.add_error(
                    "programme",
                    _("A pilot–twin pair needs a programme with a pilot group: choose one."),
                )
            elif not selectors.pilot_group(programme):
                self.add_error(
                    "programme",
                    _("%(programme)s has no pilot group: no municipality takes part in it today.")
                    % {"programme": programme.display_name},
                )
        return data


class LinkForm(SubmitOnceMixin, forms.Form):
    """Record a link of this municipality: its role, the partners, the period, the programme."""

    kind = forms.ChoiceField(label=_("Kind of link"), choices=LinkKind.choices)
    role = forms.ChoiceField(label=_("Role of this municipality"), choices=LinkRole.choices)
    partners = forms.ModelMultipleChoiceField(
        label=_("Other municipalities"),
        queryset=Organisation.objects.none(),
        to_field_name="slug",
        help_text=_("A pair has one other municipality; a peer group may have several."),
    )
    programme = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=Organisation.objects.none(),
        to_field_name="slug",
        required=False,
    )
    start_date = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    description = forms.CharField(
        label=_("Description"), required=False, max_length=500, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args, organisation: Organisation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partners"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.MUNICIPALITY
        ).exclude(pk=organisation.pk)
        self.fields["programme"].queryset = selectors.programme_choices()

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date must not be before the start date."))
        return data


class ReplicationPlanForm(SubmitOnceMixin, forms.Form):
    """One text per section of the plan's template version."""

    def __init__(self, *args, sections: list[dict], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sections = sections
        for section in sections:
            self.fields[section["key"]] = forms.CharField(
                label=str(translated(section["title"])),
                help_text=str(translated(section.get("help") or {})),
                required=False,
                max_length=NOTE_MAX,
                widget=forms.Textarea({"rows": 3}),
            )

    def answers(self) -> dict[str, str]:
        return {
            section["key"]: self.cleaned_data.get(section["key"], "") for section in self.sections
        }


def note_field(label, **extra) -> forms.CharField:
    """An optional text of a few lines (agenda, notes, goals)."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea({"rows": 2}),
        **extra,
    )


DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class MeetingForm(SubmitOnceMixin, forms.Form):
    """A meeting of the programme: kind, time, place, agenda, participants, notes, decisions."""

    kind = forms.ChoiceField(label=_("Kind of meeting"), choices=MeetingKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DATETIME_INPUT)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DATETIME_INPUT)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    agenda = note_field(_("Agenda"))
    notes = note_field(_("Notes"))
    decisions = note_field(_("Decisions"))
    follow_up = note_field(
        _("Follow-up actions"), help_text=_("Who does what by when, one action a line.")
    )
    participants = forms.ModelMultipleChoiceField(
        label=_("Participants"),
        queryset=Participant.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, programme, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = programme.participants.select_related("organisation")
        self.fields["participants"].label_from_instance = lambda p: p.organisation.display_name

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends < starts:
            self.add_error("ends_at", _("A meeting cannot end before it starts."))
        return data


class TravelClaimForm(SubmitOnceMixin, forms.Form):
    participant = forms.ModelChoiceField(
        label=_("Municipality"), queryset=Participant.objects.none()
    )
    amount = SwedishDecimalField(
        label=_("Amount (SEK)"), min_value=Decimal(1), max_digits=10, decimal_places=0
    )
    description = forms.CharField(label=_("What the claim is for"), max_length=300, required=False)

    def __init__(self, *args, participants, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participant"].queryset = participants.select_related(
            "organisation", "programme"
        )
        self.fields["participant"].label_from_instance = lambda p: p.organisation.display_name


class ProgrammeForm(SubmitOnceMixin, forms.Form):
    """A new programme: title, organiser, period, ceiling, modules and participants."""

    title_sv = forms.CharField(label=_("Title in Swedish"), max_length=200)
    title_en = forms.CharField(label=_("Title in English"), max_length=200, required=False)
    organiser = forms.ModelChoiceField(
        label=_("Organiser"), queryset=Organisation.objects.none(), to_field_name="slug"
    )
    start_date = forms.DateField(label=_("Starts"), widget=forms.DateInput(attrs={"type": "date"}))
    months = forms.IntegerField(label=_("Length in months"), min_value=1, max_value=120, initial=20)
    travel_ceiling = SwedishDecimalField(
        label=_("Travel-cost ceiling per participant (SEK)"),
        required=False,
        min_value=Decimal(0),
        max_digits=10,
        decimal_places=0,
    )
    modules = forms.CharField(
        label=_("Modules, one a line in order"),
        widget=forms.Textarea({"rows": 3}),
        help_text=_("The period is split evenly between them."),
    )
    lead_role = forms.ChoiceField(
        label=_("Role of the leading municipalities"),
        choices=[
            (LinkRole.PILOT, LinkRole.PILOT.label),
            (LinkRole.PIONEER, LinkRole.PIONEER.label),
        ],
    )
    leads = forms.ModelMultipleChoiceField(
        label=_("Pilot or pioneer cities"),
        queryset=Organisation.objects.none(),
        to_field_name="slug",
        required=False,
    )
    twins = forms.ModelMultipleChoiceField(
        label=_("Twin cities"),
        queryset=Organisation.objects.none(),
        to_field_name="slug",
        required=False,
    )
    peers = forms.ModelMultipleChoiceField(
        label=_("Peers"),
        queryset=Organisation.objects.none(),
        to_field_name="slug",
        required=False,
    )

    def __init__(self, *args, organisers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = organisers
        municipalities = Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY)
        for name in ("leads", "twins", "peers"):
            self.fields[name].queryset = municipalities

    def clean(self):
        data = super().clean()
        chosen = [
            *(data.get("leads") or []),
            *(data.get("twins") or []),
            *(data.get("peers") or []),
        ]
        if len({o.pk for o in chosen}) != len(chosen):
            self.add_error("twins", _("A municipality can have one role only."))
        elif len(chosen) < 2:
            self.add_error("twins", _("Choose at least two municipalities."))
        titles = [line.strip() for line in (data.get("modules") or "").splitlines() if line.strip()]
        if not titles and "modules" not in self.errors:
            self.add_error("modules", _("Give at least one module."))
        data["module_titles"] = titles
        return data


DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class ModuleForm(SubmitOnceMixin, forms.Form):
    """A module's title, goal, dates and place in the order."""

    title_sv = forms.CharField(label=_("Title in Swedish"), max_length=200)
    title_en = forms.CharField(label=_("Title in English"), max_length=200, required=False)
    goal_sv = note_field(_("Goal in Swedish"))
    goal_en = note_field(_("Goal in English"))
    start_date = forms.DateField(label=_("Starts"), widget=DATE_INPUT)
    end_date = forms.DateField(label=_("Ends"), widget=DATE_INPUT)
    order = forms.IntegerField(label=_("Place in the order"), min_value=1)

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date must not be before the start date."))
        return data


def module_initial(module) -> dict:
    title, goal = module.title.as_dict(), module.goal.as_dict()
    return {
        "title_sv": title.get("sv", ""),
        "title_en": title.get("en", ""),
        "goal_sv": goal.get("sv", ""),
        "goal_en": goal.get("en", ""),
        "start_date": module.start_date,
        "end_date": module.end_date,
        "order": module.order,
    }


def bilingual(sv: str, en: str) -> dict:
    return {"sv": sv, **({"en": en} if en else {})} if sv or en else {}


class ParticipantAddForm(SubmitOnceMixin, forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY).order_by("name"),
        to_field_name="slug",
    )
    role = forms.ChoiceField(label=_("Role"), choices=LinkRole.choices)


class ParticipantForm(SubmitOnceMixin, forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=LinkRole.choices)
    left_on = forms.DateField(
        label=_("Took part until"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Leave empty while the municipality takes part."),
    )
