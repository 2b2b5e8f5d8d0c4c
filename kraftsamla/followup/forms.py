"""Forms of the follow-up pages: a value, a target, an emission target."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kraftsamla.capacity.models import CapitalKey
from kraftsamla.core.forms import (
    SubmitOnceMixin,
    SwedishDecimalField,
    current_year,
    sharing_level_field,
)
from kraftsamla.core.limits import DESCRIPTION_MAX, NOTE_MAX, TITLE_MAX
from kraftsamla.followup.models import (
    YEAR_MAX,
    YEAR_MIN,
    CommitmentKind,
    EmissionSeries,
    EmissionTargetKind,
    ImportKind,
    ProgressStatus,
    Trajectory,
    UnitKind,
)
from kraftsamla.organisations.models import EmissionSector


def _year(label, **kwargs) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=YEAR_MIN, max_value=YEAR_MAX, **kwargs)


class ValueForm(SubmitOnceMixin):
    year = _year(_("Year"), initial=lambda: current_year() - 1)
    value = SwedishDecimalField(label=_("Value"), max_digits=20, decimal_places=6)
    source = forms.CharField(label=_("Source"), max_length=300, required=False)
    sharing_level = sharing_level_field(_("Who sees the value"))


class TargetForm(SubmitOnceMixin):
    target_value = SwedishDecimalField(label=_("Target value"), max_digits=20, decimal_places=6)
    target_year = _year(_("Target year"))
    base_year = _year(_("Base year"))
    base_value = SwedishDecimalField(
        label=_("Base value"),
        max_digits=20,
        decimal_places=6,
        required=False,
        help_text=_("Leave empty to use the reported value for the base year."),
    )
    trajectory = forms.ChoiceField(
        label=_("Trajectory"), choices=Trajectory.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    sharing_level = sharing_level_field(_("Who sees the target"))

    def clean(self):
        data = super().clean()
        for name in ("target_value", "base_value"):
            if data.get(name) is not None:
                data[name] = float(data[name])
        return data


class EmissionTargetForm(SubmitOnceMixin):
    name_sv = forms.CharField(label=_("Name (Swedish)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    kind = forms.ChoiceField(
        label=_("Kind of target"), choices=EmissionTargetKind.choices, widget=forms.RadioSelect
    )
    reduction_percent = SwedishDecimalField(
        label=_("Reduction (%)"),
        max_digits=5,
        decimal_places=2,
        required=False,
        help_text=_("For a reduction against the base year, e.g. 70."),
    )
    base_year = _year(_("Base year"))
    target_year = _year(_("Target year"))
    sector = forms.ChoiceField(
        label=_("Sector"),
        choices=[("", _("All sectors (the total)")), *EmissionSector.choices],
        required=False,
    )
    series = forms.ChoiceField(
        label=_("Followed on"),
        choices=EmissionSeries.choices,
        initial=EmissionSeries.SMHI,
        widget=forms.RadioSelect,
        help_text=_("The municipality's own figures must first be imported (Follow-up → Import)."),
    )
    decision = forms.CharField(
        label=_("Decision"),
        max_length=300,
        required=False,
        help_text=_("Who adopted the target, when, and the decision's reference."),
    )
    sharing_level = sharing_level_field(_("Who sees the target"))

    def clean(self):
        data = super().clean()
        data["name"] = {"sv": data.pop("name_sv", ""), "en": data.pop("name_en", "")}
        if data.get("reduction_percent") is not None:
            data["reduction_percent"] = float(data["reduction_percent"])
        if data.get("kind") == EmissionTargetKind.NET_ZERO:
            data["reduction_percent"] = None
        return data


class ActionStatusForm(SubmitOnceMixin):
    status = forms.ChoiceField(label=_("Status"), choices=ProgressStatus.choices)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    progress = forms.IntegerField(
        label=_("Progress (%)"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Leave empty to weigh it from the sub-actions."),
    )


class PromiseChoiceForm(SubmitOnceMixin):
    """A member adopts a promise from a body's menu, with the adopting decision."""

    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=None)
    promise = forms.ModelChoiceField(label=_("Promise"), queryset=None)
    adopted_by = forms.CharField(
        label=_("Adopted by"),
        max_length=200,
        help_text=_("For example the municipal executive board."),
    )
    adopted_on = forms.DateField(
        label=_("Adopted on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    decision_reference = forms.CharField(
        label=_("Decision reference"), max_length=100, required=False
    )
    sharing_level = sharing_level_field(_("Who sees the commitment"))

    def __init__(self, *args, organisations, promises, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["promise"].queryset = promises


# Uploads larger than this are refused (a year of every municipality's values is far less).
IMPORT_FILE_MAX = 20 * 1024 * 1024


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (semicolon or comma, UTF-8 or Windows-1252), XLSX, or a Kolada API response "
            "as JSON."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_FILE_MAX:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload


def _column_choices(header: list[str]) -> list[tuple[str, str]]:
    from openpyxl.utils import get_column_letter

    return [("", _("(none)"))] + [
        (str(index), f"{get_column_letter(index + 1)}: {text or '–'}")
        for index, text in enumerate(header)
    ]


class ImportMappingForm(forms.Form):
    """What a CSV or XLSX file holds, which row is the header and which column holds what."""

    kind = forms.ChoiceField(
        label=_("The file holds"),
        widget=forms.RadioSelect,
        choices=(),
        help_text=_(
            "Emission figures are a municipality's own figures in tonnes CO₂e, per sector or "
            "for all sectors; an emission target can be followed on them instead of SMHI's."
        ),
    )
    header_row = forms.IntegerField(
        label=_("Header row"),
        min_value=1,
        help_text=_("The row of the file with the column names; rows above it are skipped."),
    )
    layout = forms.ChoiceField(label=_("Layout"), widget=forms.RadioSelect, choices=())
    organisation_column = forms.ChoiceField(label=_("Column with the code or name"))
    year_column = forms.ChoiceField(label=_("Column with the year (long files)"), required=False)
    value_column = forms.ChoiceField(label=_("Column with the value (long files)"), required=False)
    gender_column = forms.ChoiceField(label=_("Column with the gender (T, K, M)"), required=False)
    kpi_column = forms.ChoiceField(label=_("Column with the Kolada KPI"), required=False)
    sector_column = forms.ChoiceField(
        label=_("Column with the sector (emission figures)"),
        required=False,
        help_text=_("Without it, every figure is the total of all sectors."),
    )
    subsector_column = forms.ChoiceField(
        label=_("Column with the sub-sector (emission figures)"),
        required=False,
        help_text=_("With it, only the rows for all sub-sectors (Alla) are read."),
    )
    indicator = forms.ModelChoiceField(
        label=_("Indicator"),
        queryset=None,
        required=False,
        help_text=_(
            "For indicator values: the indicator of every row, unless a column names the "
            "Kolada KPI."
        ),
    )
    source = forms.CharField(label=_("Source"), max_length=300, required=False)
    sharing_level = sharing_level_field(_("Who sees the values"))
    skip_bad_rows = forms.BooleanField(
        label=_("Skip the bad rows and import the rest"), required=False
    )

    # Fields that matter for one kind of file only (the preview's script hides the others).
    FIELDS_OF_KIND = {
        ImportKind.VALUES: ["indicator", "gender_column", "kpi_column"],
        ImportKind.EMISSIONS: ["sector_column", "subsector_column"],
    }

    def __init__(self, *args, header: list[str], indicators, **kwargs):
        super().__init__(*args, **kwargs)
        from kraftsamla.followup.imports import LAYOUTS

        self.fields["kind"].choices = ImportKind.choices
        self.fields["layout"].choices = LAYOUTS
        choices = _column_choices(header)
        for name in (
            "organisation_column",
            "year_column",
            "value_column",
            "gender_column",
            "kpi_column",
            "sector_column",
            "subsector_column",
        ):
            self.fields[name].choices = choices
        self.fields["indicator"].queryset = indicators

    def clean(self):
        data = super().clean()
        for name in (
            "year_column",
            "value_column",
            "gender_column",
            "kpi_column",
            "sector_column",
            "subsector_column",
        ):
            data[name] = int(data[name]) if data.get(name) not in (None, "") else None
        if data.get("organisation_column") not in (None, ""):
            data["organisation_column"] = int(data["organisation_column"])
        if data.get("layout") == "long":
            for name in ("year_column", "value_column"):
                if data.get(name) is None:
                    self.add_error(name, _("A long file needs this column."))
        if (
            data.get("kind") == ImportKind.VALUES
            and data.get("indicator") is None
            and data.get("kpi_column") is None
        ):
            self.add_error("indicator", _("Choose the indicator, or the column with the KPI."))
        return data


class ImportConfirmForm(forms.Form):
    """For a Kolada file: who sees the values, whether bad rows are skipped."""

    source = forms.CharField(label=_("Source"), max_length=300, required=False, initial="Kolada")
    sharing_level = sharing_level_field(_("Who sees the values"))
    skip_bad_rows = forms.BooleanField(
        label=_("Skip the bad rows and import the rest"), required=False
    )


def _date(label, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}), **kwargs)


COMMITMENT_FORM_FIELDS = (
    "kind",
    "adopted_by",
    "adopted_on",
    "decision_reference",
    "period_start",
    "period_end",
    "responsible_person",
    "capitals",
    "emission_sectors",
    "sharing_level",
)


class CommitmentForm(SubmitOnceMixin):
    """A new commitment of the organisation (a climate promise is adopted from a menu)."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[c for c in CommitmentKind.choices if c[0] != CommitmentKind.CLIMATE_PROMISE],
    )
    title_sv = forms.CharField(label=_("Title (Swedish)"), max_length=TITLE_MAX)
    title_en = forms.CharField(label=_("Title (English)"), max_length=TITLE_MAX, required=False)
    description_sv = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    adopted_by = forms.CharField(
        label=_("Adopted by"),
        max_length=200,
        required=False,
        help_text=_("For example the municipal executive board."),
    )
    adopted_on = _date(_("Adopted on"), required=False)
    decision_reference = forms.CharField(
        label=_("Decision reference"), max_length=100, required=False
    )
    period_start = _date(_("Period from"), required=False)
    period_end = _date(_("Period until"), required=False)
    responsible_unit = forms.ModelChoiceField(
        label=_("Responsible unit"), queryset=None, required=False
    )
    responsible_person = forms.CharField(
        label=_("Responsible person"), max_length=200, required=False
    )
    capitals = forms.MultipleChoiceField(
        label=_("Capitals"),
        choices=CapitalKey.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    emission_sectors = forms.MultipleChoiceField(
        label=_("Emission sectors"),
        choices=EmissionSector.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    indicators = forms.ModelMultipleChoiceField(
        label=_("Indicators"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sharing_level = sharing_level_field(_("Who sees the commitment"))

    def __init__(self, *args, units, indicators, promise: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_unit"].queryset = units
        self.fields["indicators"].queryset = indicators
        if promise:  # a climate promise keeps its kind: it was adopted from a menu
            del self.fields["kind"]

    @classmethod
    def initial_of(cls, commitment) -> dict:
        """Return the form's initial data from a stored commitment (for the edit page)."""
        initial = {
            name: getattr(commitment, name)
            for name in cls.base_fields
            if name in COMMITMENT_FORM_FIELDS
        }
        initial["responsible_unit"] = commitment.responsible_unit_id
        initial["title_sv"] = commitment.title.get("sv")
        initial["title_en"] = commitment.title.get("en")
        initial["description_sv"] = commitment.description.get("sv")
        initial["indicators"] = [i.pk for i in commitment.indicators.all()]
        return initial

    def clean(self):
        data = super().clean()
        data["title"] = {"sv": data.pop("title_sv", ""), "en": data.pop("title_en", "")}
        data["description"] = {"sv": data.pop("description_sv", "")}
        return data


class ActionForm(SubmitOnceMixin):
    """A new action (or sub-action) under a commitment."""

    title = forms.CharField(label=_("Action"), max_length=TITLE_MAX)
    parent = forms.ModelChoiceField(
        label=_("Part of"),
        queryset=None,
        required=False,
        help_text=_("Leave empty for an action of its own; choose one to add a sub-action."),
    )
    unit = forms.ModelChoiceField(label=_("Responsible unit"), queryset=None, required=False)
    starts_on = _date(_("Starts"), required=False)
    ends_on = _date(_("Ends"), required=False)
    cost = SwedishDecimalField(
        label=_("Cost (SEK)"), max_digits=14, decimal_places=2, required=False, min_value=0
    )
    funding = forms.CharField(label=_("Funding"), max_length=300, required=False)
    weight = forms.IntegerField(
        label=_("Weight"),
        min_value=1,
        max_value=100,
        initial=1,
        help_text=_("How much the action counts in its parent's progress."),
    )
    projects = forms.ModelMultipleChoiceField(
        label=_("Projects in the project bank"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, actions, units, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = actions
        self.fields["unit"].queryset = units
        self.fields["projects"].queryset = projects

    @classmethod
    def initial_of(cls, action) -> dict:
        """Return the form's initial data from a stored action (for the edit page)."""
        initial = {
            name: getattr(action, name)
            for name in ("title", "starts_on", "ends_on", "cost", "funding", "weight")
        }
        initial["parent"] = action.parent_id
        initial["unit"] = action.unit_id
        initial["projects"] = [p.pk for p in action.projects.all()]
        return initial


# --- The yearly follow-up round -----------------------------------------------------------------


class RoundForm(SubmitOnceMixin):
    name = forms.CharField(
        label=_("Name"), max_length=200, help_text=_("For example “Uppföljning 2026”.")
    )
    year = _year(_("Year reported"), initial=lambda: current_year() - 1)
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    remind_days = forms.IntegerField(
        label=_("Reminder (days before the deadline)"), min_value=0, max_value=60, initial=7
    )


class ReportForm(SubmitOnceMixin):
    """A unit's report: per action its status, progress and comment; per indicator its
    value for the round's year. Fields are named e<entry id>_<field>."""

    def __init__(self, *args, entries=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.entries = list(entries)
        for entry in self.entries:
            prefix = f"e{entry.pk}_"
            if entry.action_id:
                self.fields[prefix + "status"] = forms.ChoiceField(
                    label=_("Status"), choices=ProgressStatus.choices, initial=entry.status
                )
                self.fields[prefix + "progress"] = forms.IntegerField(
                    label=_("Progress (%)"),
                    min_value=0,
                    max_value=100,
                    required=False,
                    initial=entry.progress,
                )
                self.fields[prefix + "comment"] = forms.CharField(
                    label=_("Comment"),
                    required=False,
                    max_length=NOTE_MAX,
                    initial=entry.comment,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
            else:
                self.fields[prefix + "value"] = SwedishDecimalField(
                    label=_("Value"),
                    max_digits=20,
                    decimal_places=6,
                    required=False,
                    initial=entry.value,
                )

    def rows(self):
        """Yield (entry, [bound fields]) in the order of the entries."""
        for entry in self.entries:
            names = ("status", "progress", "comment") if entry.action_id else ("value",)
            yield entry, [self[f"e{entry.pk}_{name}"] for name in names]

    def entry_data(self) -> dict[int, dict]:
        """Return the cleaned figures per entry id, as the service takes them."""
        data: dict[int, dict] = {}
        for entry in self.entries:
            prefix = f"e{entry.pk}_"
            if entry.action_id:
                data[entry.pk] = {
                    "status": self.cleaned_data[prefix + "status"],
                    "progress": self.cleaned_data[prefix + "progress"],
                    "comment": self.cleaned_data[prefix + "comment"],
                }
            else:
                value = self.cleaned_data[prefix + "value"]
                data[entry.pk] = {"value": None if value is None else float(value)}
        return data


class ReviewForm(SubmitOnceMixin):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("return", _("Send back"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you send the report back: say what to fix."),
    )


# --- Units and promise menus ---------------------------------------------------------------------


class UnitForm(SubmitOnceMixin):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices)
    parent = forms.ModelChoiceField(
        label=_("Part of"),
        queryset=None,
        required=False,
        help_text=_("Leave empty for a unit at the top, e.g. a committee."),
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = units


class UnitPersonForm(SubmitOnceMixin):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None)
    user = forms.ModelChoiceField(
        label=_("Person"),
        queryset=None,
        help_text=_("The person may change the status of the unit's actions and report for it."),
    )

    def __init__(self, *args, units, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["user"].queryset = people
        self.fields["user"].label_from_instance = lambda user: (
            f"{user.full_name or user.email} ({user.email})"
        )


class PromiseMenuForm(SubmitOnceMixin):
    title_sv = forms.CharField(label=_("Title (Swedish)"), max_length=TITLE_MAX)
    title_en = forms.CharField(label=_("Title (English)"), max_length=TITLE_MAX, required=False)
    description_sv = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    published_on = _date(_("Published on"), required=False)
    promises = forms.CharField(
        label=_("Promises"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("One promise per line, in the order they are numbered."),
    )

    def clean_promises(self) -> list[dict]:
        lines = [line.strip() for line in self.cleaned_data["promises"].splitlines()]
        lines = [line for line in lines if line]
        if not lines:
            raise forms.ValidationError(_("Write at least one promise."))
        too_long = [n for n, line in enumerate(lines, 1) if len(line) > TITLE_MAX]
        if too_long:
            raise forms.ValidationError(
                _("Line %(line)d is longer than %(max)d characters.")
                % {"line": too_long[0], "max": TITLE_MAX}
            )
        return [{"title": {"sv": line}} for line in lines]

    def clean(self):
        data = super().clean()
        data["title"] = {"sv": data.pop("title_sv", ""), "en": data.pop("title_en", "")}
        data["description"] = {"sv": data.pop("description_sv", "")}
        return data
