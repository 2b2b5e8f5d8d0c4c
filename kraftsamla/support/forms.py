"""Forms for offers, needs, enrolments, ratings, the digest setting and the grid filter."""

from collections.abc import Sequence

from django import forms
from django.utils.translation import gettext_lazy as _

from kraftsamla.accounts.models import User
from kraftsamla.capacity.models import CapitalKey, CollaborationForm
from kraftsamla.core.forms import SubmitOnceMixin, current_year, sharing_level_field
from kraftsamla.core.limits import COMMENT_MAX, DESCRIPTION_MAX, TITLE_MAX
from kraftsamla.core.translation import TranslatedFormField, TranslatedWidget
from kraftsamla.support import selectors
from kraftsamla.support.models import OfferFormat, OfferStatus, Priority, TargetGroup

CHOOSE_PARTICIPANT = _("Choose a participant from your organisation.")
GIVE_RATING = _("Give a rating from 1 to 5.")


class OfferForm(SubmitOnceMixin, forms.Form):
    # The Swedish text is required, the English one optional (see core/translation.py).
    title = TranslatedFormField(label=_("Title"), max_length=TITLE_MAX)
    description = TranslatedFormField(
        label=_("Description"),
        max_length=DESCRIPTION_MAX,
        widget=TranslatedWidget(multiline=True),
    )
    capitals = forms.MultipleChoiceField(
        label=_("Capitals it strengthens"),
        choices=CapitalKey.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    collaboration_form = forms.ChoiceField(
        label=_("Collaboration form"), choices=CollaborationForm.choices, widget=forms.RadioSelect
    )
    target_groups = forms.MultipleChoiceField(
        label=_("Target groups"),
        choices=TargetGroup.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    format = forms.ChoiceField(label=_("Format"), choices=OfferFormat.choices)
    delivered_by = forms.CharField(label=_("Delivered by"), max_length=200, required=False)
    seats = forms.IntegerField(
        label=_("Seats"), min_value=1, required=False, help_text=_("Leave empty for no limit.")
    )
    is_continuous = forms.BooleanField(label=_("Continuous (no end date)"), required=False)
    start_date = forms.DateField(
        label=_("Starts"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(
        label=_("Ends"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    cost = forms.CharField(
        label=_("Cost"), max_length=200, required=False, help_text=_("Empty if free.")
    )
    status = forms.ChoiceField(label=_("Status"), choices=OfferStatus.choices)
    contact_name = forms.CharField(label=_("Contact"), max_length=200, required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    open_to_all_members = forms.BooleanField(
        label=_("Open to all members"), required=False, initial=True
    )

    @staticmethod
    def initial_from_query(query) -> dict:
        """Prefill a new offer from a coverage-grid link (`?capitals=…&collaboration_form=…`).

        Unknown values are dropped: the prefill is only a suggestion.
        """
        return {
            "capitals": [key for key in query.getlist("capitals") if key in CapitalKey.values],
            "collaboration_form": next(
                (
                    key
                    for key in query.getlist("collaboration_form")
                    if key in CollaborationForm.values
                ),
                None,
            ),
        }

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date must not be before the start date."))
        return cleaned


class NeedForm(SubmitOnceMixin, forms.Form):
    capital = forms.ChoiceField(label=_("Capital"), choices=CapitalKey.choices)
    collaboration_form = forms.ChoiceField(
        label=_("Preferred collaboration form"),
        required=False,
        choices=[("", _("No preference")), *CollaborationForm.choices],
    )
    description = forms.CharField(
        label=_("What do you need?"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"), coerce=int, choices=Priority.choices, initial=Priority.MEDIUM
    )
    target_group = forms.ChoiceField(
        label=_("Target group"), required=False, choices=[("", _("Any")), *TargetGroup.choices]
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, initial=current_year)
    sharing_level = sharing_level_field(_("Sharing"))


class EnrolForm(SubmitOnceMixin, forms.Form):
    participant = forms.ModelChoiceField(
        label=_("Participant"),
        queryset=User.objects.none(),
        empty_label=None,
        error_messages={"required": CHOOSE_PARTICIPANT, "invalid_choice": CHOOSE_PARTICIPANT},
    )

    def __init__(self, *args, organisation=None, offer=None, **kwargs):
        """`offer`: leave out the people already enrolled in it or waiting (for the page)."""
        super().__init__(*args, **kwargs)
        if organisation is not None:
            people = User.objects.filter(
                organisation_roles__organisation=organisation, is_active=True
            ).order_by("full_name", "email")
            if offer is not None:
                people = people.exclude(pk__in=selectors.participants_of(offer))
            self.fields["participant"].queryset = people
        self.fields["participant"].label_from_instance = lambda person: (
            f"{person.full_name or person.email} ({person.email})"
        )


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How useful was it? (1 = not at all, 5 = very)"),
        coerce=int,
        choices=[(score, str(score)) for score in range(1, 6)],
        widget=forms.RadioSelect,
        error_messages={"required": GIVE_RATING, "invalid_choice": GIVE_RATING},
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class GridFilterForm(forms.Form):
    target_group = forms.ChoiceField(
        label=_("Target group"),
        required=False,
        choices=[("", _("All target groups")), *TargetGroup.choices],
    )
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, years: Sequence[int], **kwargs):
        """`years`: the years with data (see selectors.coverage_years); others are errors."""
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years")), *((y, str(y)) for y in years)]


class NeedsFromAssessmentForm(forms.Form):
    """Choose one of the organisation's assessments whose notes become needs."""

    assessment = forms.ModelChoiceField(
        label=_("Turn an assessment's notes into needs"), queryset=None, empty_label=None
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["assessment"]
        field.queryset = selectors.assessments_of(organisation)
        field.label_from_instance = lambda assessment: (
            f"{assessment.year} – {assessment.get_purpose_display()}"
        )


class DigestForm(forms.Form):
    """Start ("1") or stop ("0") the weekly e-mail of new offers."""

    active = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1"
    )
