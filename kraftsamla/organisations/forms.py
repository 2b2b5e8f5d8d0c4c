"""Forms for filtering organisations and editing their own data."""

from django import forms
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from kraftsamla.organisations import selectors
from kraftsamla.organisations.models import (
    PROFILE_FIELDS,
    ClimateProfile,
    OrganisationKind,
    PopulationClass,
)

FILTER_FIELDS = ("q", "kind", "county", "population_class", "fa_region", "member_of", "code")


def _attributes(attrs: dict) -> str:
    """Render attributes as Django's attrs.html does: True alone, False and None left out."""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False and value is not None
    )


class PlainSelect(forms.Select):
    """A select rendered in Python: the same HTML as Django's template, without a template
    and a format_html per option (the organisation filters have about a hundred options;
    rendering them through templates was most of the list page's time). Every value,
    label and attribute is escaped."""

    def _render(self, template_name, context, renderer=None):
        widget = context["widget"]
        options = "".join(
            f'\n  <option value="{escape(option["value"])}"{_attributes(option["attrs"])}>'
            f"{escape(option['label'])}</option>"
            for _name, group, _index in widget["optgroups"]
            for option in group
        )
        return mark_safe(  # noqa: S308 - every part escaped above
            f'<select name="{escape(widget["name"])}"{_attributes(widget["attrs"])}>'
            f"{options}\n</select>"
        )


class OrganisationFilterForm(forms.Form):
    """Validate the organisation list's filters; shared by the page, exports and the API."""

    q = forms.CharField(label=_("Search by name"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds")), *OrganisationKind.choices],
        widget=PlainSelect,
    )
    county = forms.ChoiceField(label=_("County"), required=False, widget=PlainSelect)
    population_class = forms.ChoiceField(
        label=_("Population"),
        required=False,
        choices=[("", _("All sizes")), *PopulationClass.choices],
        widget=PlainSelect,
    )
    fa_region = forms.ChoiceField(label=_("FA region"), required=False, widget=PlainSelect)
    member_of = forms.ChoiceField(label=_("Member of"), required=False, widget=PlainSelect)
    code = forms.RegexField(
        label=_("Official code"),
        required=False,
        regex=r"^[0-9]{2}([0-9]{2})?$",
        error_messages={
            "invalid": _("A code is two digits (county) or four digits (municipality).")
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = selectors.filter_choices()
        self.fields["county"].choices = [("", _("All counties")), *choices["county"]]
        self.fields["fa_region"].choices = [("", _("All FA regions")), *choices["fa_region"]]
        self.fields["member_of"].choices = [("", _("Any")), *choices["member_of"]]
        for name in ("county", "fa_region", "member_of", "kind", "population_class"):
            self.fields[name].error_messages["invalid_choice"] = _(
                "“%(value)s” is not one of the available choices."
            )

    def filters(self) -> dict[str, str]:
        """Return the valid, non-empty filters (call after is_valid())."""
        data = getattr(self, "cleaned_data", {})
        return {k: v for k, v in data.items() if v}


class ClimateProfileForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    strategy_url = forms.URLField(
        label=_("Link to climate strategy"), required=False, assume_scheme="https"
    )

    class Meta:
        model = ClimateProfile
        fields = PROFILE_FIELDS
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 5}),
            "sharing_level": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff_fte"].widget.attrs.update(
            {"step": "0.01", "min": "0", "inputmode": "decimal"}
        )
        self.fields["target_year"].widget.attrs.update({"min": "2020", "max": "2100"})
        self.fields["staff_fte"].min_value = 0

    def clean_staff_fte(self):
        value = self.cleaned_data.get("staff_fte")
        if value is not None and value < 0:
            raise forms.ValidationError(_("Staff cannot be negative."))
        return value

    def clean_target_year(self):
        value = self.cleaned_data.get("target_year")
        if value is not None and not 2020 <= value <= 2100:
            raise forms.ValidationError(_("Give a year between 2020 and 2100."))
        return value


class MapForm(forms.Form):
    """The map's search, county zoom and colouring (GET parameters; they work without JS)."""

    q = forms.CharField(
        label=_("Find a municipality"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"list": "municipality-names", "autocomplete": "off"}),
    )
    county = forms.ChoiceField(label=_("Zoom to a county"), required=False, widget=PlainSelect)
    metric = forms.ChoiceField(
        label=_("Map"),
        required=False,
        widget=PlainSelect,
        choices=[
            ("", _("Show the plain map")),
            ("emissions", _("Colour by emissions per inhabitant")),
        ],
    )

    def __init__(self, *args, county_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = [("", _("All of Sweden")), *county_choices]
        for name in ("county", "metric"):
            self.fields[name].error_messages["invalid_choice"] = _(
                "“%(value)s” is not one of the available choices."
            )
