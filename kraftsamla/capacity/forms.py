"""Forms for starting assessments, adding respondents, answering and agreeing."""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy as _

from kraftsamla.accounts.models import User
from kraftsamla.capacity.models import (
    Capital,
    CollaborationForm,
    Mode,
    Purpose,
    RoleGroup,
    Statement,
)
from kraftsamla.capacity.services import TRANSITIONS, AnswerInput
from kraftsamla.core.forms import SubmitOnceMixin, current_year, sharing_level_field
from kraftsamla.core.limits import EVIDENCE_MAX, NOTE_MAX
from kraftsamla.core.models import SharingLevel
from kraftsamla.organisations.models import PopulationClass


class AssessmentCreateForm(SubmitOnceMixin, forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, initial=current_year)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    purpose_note = forms.CharField(
        label=_("Purpose in your words"),
        required=False,
        max_length=300,
        help_text=_("For example: baseline before the new climate strategy."),
    )
    mode = forms.ChoiceField(
        label=_("How will you answer?"),
        choices=Mode.choices,
        initial=Mode.GROUP,
        widget=forms.RadioSelect,
    )
    sharing_level = sharing_level_field(_("Who may see the published results?"))


class RespondentForm(SubmitOnceMixin, forms.Form):
    user = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none())
    role_group = forms.ChoiceField(label=_("Role group"), choices=RoleGroup.choices)

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisation is not None:
            self.fields["user"].queryset = User.objects.filter(
                organisation_roles__organisation=organisation, is_active=True
            ).order_by("full_name", "email")
        self.fields["user"].label_from_instance = lambda u: f"{u.full_name or u.email} ({u.email})"


class RespondentInviteForm(SubmitOnceMixin, forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("A person without an account gets an invitation by e-mail."),
    )
    role_group = forms.ChoiceField(label=_("Role group"), choices=RoleGroup.choices)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "invite")
        super().__init__(*args, **kwargs)


class SharingForm(forms.Form):
    sharing_level = forms.ChoiceField(
        label=_("Sharing"),
        choices=SharingLevel.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a valid sharing level."),
            "invalid_choice": _("Choose a valid sharing level."),
        },
    )


class TransitionForm(forms.Form):
    """The lifecycle step named in the URL (open, close, publish, reopen)."""

    action = forms.ChoiceField(
        choices=[(action, action) for action in TRANSITIONS],
        error_messages={"invalid_choice": _("Unknown action.")},
    )


DONT_KNOW = "dont_know"
SCORE_CHOICES = [
    ("0", "0"),
    ("1", "1"),
    ("2", "2"),
    ("3", "3"),
    ("4", "4"),
    (DONT_KNOW, _("Don't know")),
]
SCORE_ERRORS = {
    "required": _("Choose a level from 0 to 4 or “don't know”."),
    "invalid_choice": _("Choose a level from 0 to 4 or “don't know”."),
}


def score_field(*, required: bool) -> forms.ChoiceField:
    return forms.ChoiceField(choices=SCORE_CHOICES, required=required, error_messages=SCORE_ERRORS)


def score_value(raw: str) -> tuple[int | None, bool]:
    """Return (score, dont_know) for a chosen level or "don't know"."""
    return (None, True) if raw == DONT_KNOW else (int(raw), False)


def answer_field_names(statement_id: int) -> tuple[str, str]:
    """The page's names for a statement's level and evidence (the autosave script reads them)."""
    return f"s{statement_id}-score", f"s{statement_id}-evidence"


class CapitalAnswersForm(forms.Form):
    """One capital's page: a level and evidence per statement, and the capital note.

    Field names are `s<statement id>-score` and `s<statement id>-evidence`; a statement
    left unanswered may be answered later.
    """

    strengthen = forms.CharField(required=False, max_length=NOTE_MAX)
    collaboration_form = forms.ChoiceField(
        required=False,
        choices=lambda: collaboration_form_choices(),
        error_messages={"invalid_choice": _("Choose a valid collaboration form.")},
    )
    go = forms.ChoiceField(required=False, choices=[("next", "next"), ("stay", "stay")])

    def __init__(self, *args, capital: Capital, **kwargs):
        super().__init__(*args, **kwargs)
        self.statements = list(capital.statements.all())
        for statement in self.statements:
            score_name, evidence_name = answer_field_names(statement.pk)
            self.fields[score_name] = score_field(required=False)
            self.fields[evidence_name] = forms.CharField(required=False, max_length=EVIDENCE_MAX)

    def answers(self) -> list[AnswerInput]:
        """Return the answered statements of the valid form."""
        chosen = []
        for statement in self.statements:
            score_name, evidence_name = answer_field_names(statement.pk)
            raw = self.cleaned_data.get(score_name)
            if raw:
                score, dont_know = score_value(raw)
                chosen.append(
                    AnswerInput(statement, score, dont_know, self.cleaned_data[evidence_name])
                )
        return chosen

    def statement_errors(self) -> dict[str, str]:
        """Return the errors keyed as the page shows them: `s<id>`, a field, or "__all__"."""
        errors = {}
        for name, messages in self.errors.items():
            key = "__all__" if name == NON_FIELD_ERRORS else name
            errors[key.removesuffix("-score").removesuffix("-evidence")] = " ".join(messages)
        return errors


SEQUENCE_MAX = 2**53  # the largest integer JavaScript counts exactly


class AutosaveForm(forms.Form):
    """One answer sent by the answer page's script."""

    statement = forms.ModelChoiceField(
        queryset=Statement.objects.select_related("capital"),
        error_messages={
            "required": _("Unknown statement."),
            "invalid_choice": _("Unknown statement."),
        },
    )
    score = score_field(required=True)
    evidence = forms.CharField(required=False, max_length=EVIDENCE_MAX)
    # Grows with every choice on the page (a millisecond timestamp): the last choice wins.
    sequence = forms.IntegerField(required=False, min_value=0, max_value=SEQUENCE_MAX)


class AgreedScoreForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Agreed score"), coerce=int, choices=[(i, str(i)) for i in range(5)]
    )
    rationale = forms.CharField(
        label=_("Why (what the group agreed)"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RegionalFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)
    population_class = forms.ChoiceField(
        label=_("Population"),
        required=False,
        choices=[("", _("All sizes")), *PopulationClass.choices],
    )

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("Latest year"))] + [(y, str(y)) for y in years]


def collaboration_form_choices():
    return [("", _("No preference")), *CollaborationForm.choices]
