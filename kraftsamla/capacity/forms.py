"""Forms for starting assessments, adding respondents, answering and agreeing."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kraftsamla.accounts.models import User
from kraftsamla.capacity.models import CollaborationForm, Mode, Purpose, RoleGroup
from kraftsamla.core.models import SharingLevel
from kraftsamla.organisations.models import PopulationClass


class AssessmentCreateForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
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
    sharing_level = forms.ChoiceField(
        label=_("Who may see the published results?"),
        choices=SharingLevel.choices,
        initial=SharingLevel.REGION,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class RespondentForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none())
    role_group = forms.ChoiceField(label=_("Role group"), choices=RoleGroup.choices)

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisation is not None:
            self.fields["user"].queryset = User.objects.filter(
                organisation_roles__organisation=organisation, is_active=True
            ).order_by("full_name", "email")
        self.fields["user"].label_from_instance = lambda u: f"{u.full_name or u.email} ({u.email})"


class RespondentInviteForm(forms.Form):
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
        label=_("Sharing"), choices=SharingLevel.choices, widget=forms.RadioSelect
    )


SCORE_CHOICES = [
    ("0", "0"),
    ("1", "1"),
    ("2", "2"),
    ("3", "3"),
    ("4", "4"),
    ("dont_know", _("Don't know")),
]


def answer_field_names(statement_id: int) -> tuple[str, str]:
    return f"s{statement_id}-score", f"s{statement_id}-evidence"


class AgreedScoreForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Agreed score"), coerce=int, choices=[(i, str(i)) for i in range(5)]
    )
    rationale = forms.CharField(
        label=_("Why (what the group agreed)"),
        required=False,
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
