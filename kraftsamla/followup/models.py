"""Follow-up: indicators with values and targets, and emission targets.

The report behind the platform asks for a shared, digital follow-up with common
indicators, so that a region sees whether its work strengthens the municipalities'
transition (Göteborgsregionen & RISE 2025, ch. 3.3, 4.3 and 5.2; source document
002_9b25a710852bc7c4). Linköping follows its climate work with key figures in a public
service (source document 000_44f85679241c7aca). Hence:

- `IndicatorDefinition`: what is measured (name, unit, which direction is better,
  optionally the Kolada KPI it comes from);
- `IndicatorValue`: one organisation's value for one year (and gender split, as Kolada
  publishes them), with its source and the import it came from;
- `Target`: where an organisation wants an indicator to be by a year, from a baseline,
  along a linear or a constant-percentage trajectory;
- `EmissionTarget`: a municipality's target for its territorial emissions, as a
  reduction against a base year or net zero, followed on SMHI's series or on the
  municipality's own figures;
- `EmissionFigure`: a municipality's own emission figures per year and sector, imported
  from the files it receives (a newer release, a local inventory).

Values and targets are the organisation's own data and carry a sharing level.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kraftsamla.core.limits import DESCRIPTION_MAX, NOTE_MAX, TITLE_MAX, text_limit
from kraftsamla.core.models import SharingLevel
from kraftsamla.core.translation import TranslatedField
from kraftsamla.organisations.models import EmissionSector, Organisation
from kraftsamla.projects.models import validate_capitals, validate_sectors

YEAR_MIN, YEAR_MAX = 1900, 2100
KOLADA_KPI_PATTERN = r"^[NU][0-9]{5}$"


class Direction(models.TextChoices):
    """Which way an indicator should move."""

    LOWER = "lower", _("Lower is better")
    HIGHER = "higher", _("Higher is better")


class Gender(models.TextChoices):
    """Kolada's gender split: the total and, where published, women and men."""

    TOTAL = "T", _("Total")
    WOMEN = "K", _("Women")
    MEN = "M", _("Men")


class Trajectory(models.TextChoices):
    """The path from the baseline to the target."""

    LINEAR = "linear", _("Linear: the same change every year")
    PERCENT = "percent", _("Yearly percentage: the same relative change every year")


def _year_field(label, **kwargs):
    return models.PositiveSmallIntegerField(
        label,
        validators=[MinValueValidator(YEAR_MIN), MaxValueValidator(YEAR_MAX)],
        **kwargs,
    )


def _sharing_field(label=None, default=SharingLevel.REGION):
    return models.CharField(
        label or _("sharing"), max_length=16, choices=SharingLevel.choices, default=default
    )


class IndicatorDefinition(models.Model):
    """What an indicator measures; shared by every organisation that reports it."""

    name = TranslatedField(_("name"), max_length=TITLE_MAX)
    unit = models.CharField(_("unit"), max_length=60)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    description = TranslatedField(
        _("description"), max_length=DESCRIPTION_MAX, blank=True, default=dict
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    kolada_kpi = models.CharField(
        _("Kolada KPI"),
        max_length=6,
        blank=True,
        help_text=_("For example N00401; values imported from Kolada are matched by it."),
        validators=[
            RegexValidator(KOLADA_KPI_PATTERN, _("A Kolada KPI id is N or U and five digits."))
        ],
    )
    # None: a platform-wide definition (staff); else the organisation that defined it.
    owner = models.ForeignKey(
        Organisation,
        verbose_name=_("defined by"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="indicator_definitions",
    )
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.CheckConstraint(
                condition=Q(kolada_kpi="") | Q(kolada_kpi__regex=KOLADA_KPI_PATTERN),
                name="indicator_kolada_kpi_format",
                violation_error_message=_("A Kolada KPI id is N or U and five digits."),
            ),
            models.UniqueConstraint(
                fields=["kolada_kpi"],
                condition=~Q(kolada_kpi=""),
                name="indicator_kolada_kpi_unique",
                violation_error_message=_("Another indicator already has this Kolada KPI."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.name)

    @property
    def lower_is_better(self) -> bool:
        return self.direction == Direction.LOWER


class IndicatorValue(models.Model):
    """One organisation's value of an indicator for one year (and gender split)."""

    indicator = models.ForeignKey(
        IndicatorDefinition,
        verbose_name=_("indicator"),
        on_delete=models.CASCADE,
        related_name="values",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="indicator_values",
    )
    year = _year_field(_("year"))
    gender = models.CharField(
        _("gender"), max_length=1, choices=Gender.choices, default=Gender.TOTAL
    )
    value = models.FloatField(_("value"))
    source = models.CharField(_("source"), max_length=300, blank=True)
    import_batch = models.ForeignKey(
        "followup.ImportBatch",
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="values",
    )
    sharing_level = _sharing_field()
    is_demo = models.BooleanField(_("demo data"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["indicator", "organisation", "year", "gender"]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "organisation", "year", "gender"],
                name="indicator_value_unique",
                violation_error_message=_(
                    "There is already a value for this indicator, organisation and year."
                ),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=YEAR_MIN) & Q(year__lte=YEAR_MAX),
                name="indicator_value_year_plausible",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "indicator", "year"])]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.organisation_id} {self.year}{self.gender}: {self.value}"

    def clean(self) -> None:
        if self.year and self.year > timezone.localdate().year:
            raise ValidationError(
                {"year": _("A value cannot be reported for a year that has not begun.")}
            )


class EmissionFigure(models.Model):
    """A municipality's own emission figure for one year and sector (or the total).

    SMHI's series is reference data, loaded for every municipality. A municipality may
    also follow its target on figures it receives itself (a newer release than the one
    loaded, a local inventory); those are imported here and never mixed with SMHI's.
    """

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="own_emission_figures",
    )
    year = _year_field(_("year"))
    sector = models.CharField(
        _("sector"),
        max_length=32,
        choices=EmissionSector.choices,
        blank=True,
        help_text=_("Empty for the total of all sectors."),
    )
    tonnes_co2e = models.FloatField(_("tonnes CO2e"))
    source = models.CharField(_("source"), max_length=300, blank=True)
    import_batch = models.ForeignKey(
        "followup.ImportBatch",
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="emission_figures",
    )
    sharing_level = _sharing_field()
    is_demo = models.BooleanField(_("demo data"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["organisation", "year", "sector"]
        verbose_name = _("own emission figure")
        verbose_name_plural = _("own emission figures")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "sector"],
                name="emission_figure_unique",
                violation_error_message=_(
                    "There is already a figure for this municipality, year and sector."
                ),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=YEAR_MIN) & Q(year__lte=YEAR_MAX),
                name="emission_figure_year_plausible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.year} {self.sector or 'total'}: {self.tonnes_co2e}"


class Target(models.Model):
    """Where an organisation wants an indicator to be by a year, from a baseline."""

    indicator = models.ForeignKey(
        IndicatorDefinition,
        verbose_name=_("indicator"),
        on_delete=models.CASCADE,
        related_name="targets",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="indicator_targets",
    )
    target_value = models.FloatField(_("target value"))
    target_year = _year_field(_("target year"))
    base_year = _year_field(_("base year"))
    base_value = models.FloatField(
        _("base value"),
        null=True,
        blank=True,
        help_text=_("Leave empty to use the organisation's reported value for the base year."),
    )
    trajectory = models.CharField(
        _("trajectory"), max_length=8, choices=Trajectory.choices, default=Trajectory.LINEAR
    )
    note = models.TextField(_("note"), blank=True, **text_limit(NOTE_MAX))
    sharing_level = _sharing_field()
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["indicator", "organisation", "target_year"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.CheckConstraint(
                condition=Q(target_year__gt=models.F("base_year")),
                name="target_after_base_year",
                violation_error_message=_("The target year must come after the base year."),
            ),
            models.UniqueConstraint(
                fields=["indicator", "organisation", "target_year"],
                name="target_unique_year",
                violation_error_message=_(
                    "This organisation already has a target for this indicator and year."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.target_year}: {self.target_value}"

    def clean(self) -> None:
        if self.base_year and self.target_year and self.target_year <= self.base_year:
            raise ValidationError(
                {"target_year": _("The target year must come after the base year.")}
            )
        if self.trajectory == Trajectory.PERCENT:
            base_positive = self.base_value is None or self.base_value > 0
            if not base_positive or self.target_value <= 0:
                raise ValidationError(
                    {
                        "trajectory": _(
                            "A yearly percentage never reaches zero or crosses it: choose a "
                            "linear trajectory, or positive base and target values."
                        )
                    }
                )


class EmissionSeries(models.TextChoices):
    """Which emission figures a target is followed on."""

    SMHI = "smhi", _("SMHI's national emissions database")
    OWN = "own", _("The municipality's own figures (imported)")


class EmissionTargetKind(models.TextChoices):
    REDUCTION = "reduction", _("Reduction against a base year")
    NET_ZERO = "net_zero", _("Net zero")


class EmissionTarget(models.Model):
    """A municipality's target for its territorial emissions (SMHI's or its own series).

    Net zero is followed as territorial emissions reaching zero: what is left must be
    balanced by removals, which the series does not hold.
    """

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="emission_targets",
    )
    name = TranslatedField(_("name"), max_length=TITLE_MAX)
    kind = models.CharField(_("kind"), max_length=12, choices=EmissionTargetKind.choices)
    reduction_percent = models.FloatField(
        _("reduction (%)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    base_year = _year_field(_("base year"))
    target_year = _year_field(_("target year"))
    sector = models.CharField(
        _("sector"),
        max_length=32,
        choices=EmissionSector.choices,
        blank=True,
        help_text=_("Leave empty for the total of all sectors."),
    )
    series = models.CharField(
        _("emission figures"),
        max_length=8,
        choices=EmissionSeries.choices,
        default=EmissionSeries.SMHI,
    )
    decision = models.CharField(_("decision"), max_length=300, blank=True)
    sharing_level = _sharing_field(default=SharingLevel.PUBLIC)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["organisation", "target_year"]
        verbose_name = _("emission target")
        verbose_name_plural = _("emission targets")
        constraints = [
            models.CheckConstraint(
                condition=Q(target_year__gt=models.F("base_year")),
                name="emission_target_after_base_year",
                violation_error_message=_("The target year must come after the base year."),
            ),
            models.CheckConstraint(
                condition=Q(kind="net_zero")
                | (Q(reduction_percent__gte=0) & Q(reduction_percent__lte=100)),
                name="emission_target_reduction_given",
                violation_error_message=_("Give the reduction in per cent (0–100)."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.name)

    def clean(self) -> None:
        if self.base_year and self.target_year and self.target_year <= self.base_year:
            raise ValidationError(
                {"target_year": _("The target year must come after the base year.")}
            )
        if self.kind == EmissionTargetKind.REDUCTION and self.reduction_percent is None:
            raise ValidationError({"reduction_percent": _("Give the reduction in per cent.")})

    @property
    def target_share(self) -> float:
        """Return the share of the base year's emissions the target allows (0 for net zero)."""
        if self.kind == EmissionTargetKind.NET_ZERO:
            return 0.0
        return 1 - (self.reduction_percent or 0) / 100


class ImportKind(models.TextChoices):
    """What an import wrote."""

    VALUES = "values", _("Indicator values")
    EMISSIONS = "emissions", _("Emission figures")


class ImportStatus(models.TextChoices):
    DONE = "done", _("Imported")
    UNDONE = "undone", _("Undone")


class ImportBatch(models.Model):
    """One finished import of indicator values or emission figures: what came from which
    file, so it can be undone."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("imported for"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="indicator_imports",
        help_text=_("Empty when staff imported values for many organisations."),
    )
    file_name = models.CharField(_("file"), max_length=200)
    kind = models.CharField(
        _("what was imported"), max_length=10, choices=ImportKind.choices, default=ImportKind.VALUES
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    rows_written = models.PositiveIntegerField(_("values written"), default=0)
    rows_skipped = models.PositiveIntegerField(_("rows skipped"), default=0)
    status = models.CharField(
        _("status"), max_length=8, choices=ImportStatus.choices, default=ImportStatus.DONE
    )
    created_at = models.DateTimeField(_("imported"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The values the import replaced, so undoing it restores them.
    replaced = models.JSONField(_("replaced values"), default=list, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("indicator import")
        verbose_name_plural = _("indicator imports")

    def __str__(self) -> str:
        return f"{self.file_name} {self.created_at:%Y-%m-%d %H:%M}"


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    CHECKING = "checking", _("Reading and checking the rows")
    WRITING = "writing", _("Writing the values")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


# A job in one of these has ended; in any other, the worker still needs its file.
IMPORT_JOB_ENDED = (ImportJobStatus.DONE, ImportJobStatus.FAILED)


class ImportJob(models.Model):
    """A long import run by the background worker, with its progress.

    The writing itself is one transaction (all rows or none), so the progress moves by
    stages: waiting, reading and checking the rows (in steps), writing, done or failed.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    file_name = models.CharField(_("file"), max_length=200)
    # The uploaded file in the storage, deleted when the job ends.
    path = models.CharField(_("stored file"), max_length=300, editable=False)
    kind = models.CharField(_("kind of file"), max_length=8, default="table")
    options = models.JSONField(_("options"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    message = models.TextField(_("message"), blank=True)
    batch = models.OneToOneField(
        ImportBatch,
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="job",
    )
    created_at = models.DateTimeField(_("started"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("background import")
        verbose_name_plural = _("background imports")
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="import_job_percent"),
        ]

    def __str__(self) -> str:
        return self.file_name

    @property
    def finished(self) -> bool:
        return self.status in IMPORT_JOB_ENDED


# --- Commitments and actions -----------------------------------------------------------------
#
# The report asks for clear responsibility between committees, administrations and
# departments (Göteborgsregionen & RISE 2025, ch. 3.2 and appendix 2; source document
# 002_9b25a710852bc7c4); municipalities there adopt climate promises chosen from a shared
# list, each adopted by the municipal executive board. Linköping makes yearly climate
# contracts (source document 000_44f85679241c7aca).


class UnitKind(models.TextChoices):
    COMMITTEE = "committee", _("Committee")
    ADMINISTRATION = "administration", _("Administration")
    DEPARTMENT = "department", _("Department")


class ResponsibleUnit(models.Model):
    """A committee, administration or department of an organisation, in a tree."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="responsible_units",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices)
    # "/3/8/21/": the ids from the root down to this unit, for "this unit or below it".
    path = models.CharField(_("path"), max_length=500, editable=False, db_index=True, default="")
    people = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("people"),
        blank=True,
        related_name="responsible_units",
        help_text=_("They may change the status of the unit's actions and of the units below it."),
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["path"]
        verbose_name = _("responsible unit")
        verbose_name_plural = _("responsible units")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "parent", "name"],
                name="unit_unique_name",
                violation_error_message=_("The unit already has a part with this name."),
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="unit_not_its_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return max(self.path.count("/") - 2, 0)

    def clean(self) -> None:
        if self.parent_id and self.parent.organisation_id != self.organisation_id:
            raise ValidationError(
                {"parent": _("A unit belongs to a unit of its own organisation.")}
            )


class CommitmentKind(models.TextChoices):
    CLIMATE_CONTRACT = "climate_contract", _("Climate contract")
    CLIMATE_PROMISE = "climate_promise", _("Climate promise")
    STRATEGY_GOAL = "strategy_goal", _("Strategy goal")
    JOINT_PROJECT = "joint_project", _("Commitment in a joint project")


class ProgressStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    STARTED = "started", _("Started")
    DONE = "done", _("Done")
    POSTPONED = "postponed", _("Postponed")
    CANCELLED = "cancelled", _("Cancelled")


class PromiseMenu(models.Model):
    """A list of promises that a regional body publishes for its members to choose from."""

    body = models.ForeignKey(
        Organisation,
        verbose_name=_("body"),
        on_delete=models.CASCADE,
        related_name="promise_menus",
    )
    title = TranslatedField(_("title"), max_length=TITLE_MAX)
    description = TranslatedField(
        _("description"), max_length=DESCRIPTION_MAX, blank=True, default=dict
    )
    published_on = models.DateField(_("published"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["body", "-published_on", "id"]
        verbose_name = _("promise menu")
        verbose_name_plural = _("promise menus")

    def __str__(self) -> str:
        return str(self.title)


class PromiseItem(models.Model):
    """One promise on a body's menu."""

    menu = models.ForeignKey(
        PromiseMenu, verbose_name=_("menu"), on_delete=models.CASCADE, related_name="items"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    title = TranslatedField(_("title"), max_length=TITLE_MAX)
    description = TranslatedField(
        _("description"), max_length=DESCRIPTION_MAX, blank=True, default=dict
    )

    class Meta:
        ordering = ["menu", "number"]
        verbose_name = _("promise")
        verbose_name_plural = _("promises")
        constraints = [
            models.UniqueConstraint(
                fields=["menu", "number"],
                name="promise_number_unique",
                violation_error_message=_("The menu already has a promise with this number."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Commitment(models.Model):
    """What an organisation has committed to, who adopted it and who is responsible."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="commitments",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CommitmentKind.choices)
    title = TranslatedField(_("title"), max_length=TITLE_MAX)
    description = TranslatedField(
        _("description"), max_length=DESCRIPTION_MAX, blank=True, default=dict
    )
    adopted_by = models.CharField(
        _("adopted by"),
        max_length=200,
        blank=True,
        help_text=_("For example the municipal executive board."),
    )
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    decision_reference = models.CharField(_("decision reference"), max_length=100, blank=True)
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period until"), null=True, blank=True)
    responsible_unit = models.ForeignKey(
        ResponsibleUnit,
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commitments",
    )
    responsible_person = models.CharField(_("responsible person"), max_length=200, blank=True)
    capitals = models.JSONField(
        _("capitals"), default=list, blank=True, validators=[validate_capitals]
    )
    emission_sectors = models.JSONField(
        _("emission sectors"), default=list, blank=True, validators=[validate_sectors]
    )
    indicators = models.ManyToManyField(
        IndicatorDefinition,
        verbose_name=_("indicators"),
        blank=True,
        related_name="commitments",
    )
    promise = models.ForeignKey(
        PromiseItem,
        verbose_name=_("promise on a menu"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="choices",
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ProgressStatus.choices,
        default=ProgressStatus.NOT_STARTED,
    )
    sharing_level = _sharing_field()
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["organisation", "-adopted_on", "id"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__isnull=True)
                | Q(period_start__isnull=True)
                | Q(period_end__gte=models.F("period_start")),
                name="commitment_period_ordered",
                violation_error_message=_("The period must not end before it starts."),
            ),
            models.UniqueConstraint(
                fields=["organisation", "promise"],
                condition=Q(promise__isnull=False),
                name="commitment_promise_once",
                violation_error_message=_("The organisation has already chosen this promise."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.title)

    def clean(self) -> None:
        if (
            self.responsible_unit_id
            and self.responsible_unit.organisation_id != self.organisation_id
        ):
            raise ValidationError(
                {"responsible_unit": _("Choose a unit of the organisation itself.")}
            )


class Action(models.Model):
    """Something done under a commitment, by a unit, with status and progress."""

    commitment = models.ForeignKey(
        Commitment, verbose_name=_("commitment"), on_delete=models.CASCADE, related_name="actions"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    unit = models.ForeignKey(
        ResponsibleUnit,
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions",
    )
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    cost = models.DecimalField(
        _("cost (SEK)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    funding = models.CharField(_("funding"), max_length=300, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ProgressStatus.choices,
        default=ProgressStatus.NOT_STARTED,
    )
    status_comment = models.TextField(
        _("comment on the status"), blank=True, **text_limit(NOTE_MAX)
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_("Leave empty to weigh it from the sub-actions."),
    )
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, help_text=_("How much the action counts in its parent's progress.")
    )
    projects = models.ManyToManyField(
        "projects.Project", verbose_name=_("projects"), blank=True, related_name="followup_actions"
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["commitment", "id"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__isnull=True) | Q(progress__lte=100),
                name="action_progress_percent",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="action_dates_ordered",
                violation_error_message=_("The action must not end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if (
            self.unit_id
            and self.commitment_id
            and self.unit.organisation_id != self.commitment.organisation_id
        ):
            raise ValidationError({"unit": _("Choose a unit of the organisation itself.")})
        if self.parent_id and self.parent.commitment_id != self.commitment_id:
            raise ValidationError({"parent": _("A sub-action belongs to the same commitment.")})


# --- The yearly follow-up round ----------------------------------------------------------------


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    PUBLISHED = "published", _("Published")


class ReportStatus(models.TextChoices):
    TO_REPORT = "to_report", _("To report")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Sent back")
    APPROVED = "approved", _("Approved")


class FollowupRound(models.Model):
    """A yearly follow-up (e.g. "Uppföljning 2026") of a municipality, or of a body for all
    its members: each responsible unit reports its actions and indicator values by the
    deadline, a reviewer approves each report, and the round is then published."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="followup_rounds",
        help_text=_("A municipality, or a body whose members all report."),
    )
    name = models.CharField(_("name"), max_length=200)
    year = _year_field(_("year reported"))
    deadline = models.DateField(_("deadline"))
    remind_days = models.PositiveSmallIntegerField(
        _("reminder (days before the deadline)"),
        default=7,
        validators=[MaxValueValidator(60)],
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["-year", "-id"]
        verbose_name = _("follow-up round")
        verbose_name_plural = _("follow-up rounds")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year"],
                name="round_one_per_year",
                violation_error_message=_("The organisation already has a round for this year."),
            ),
            models.CheckConstraint(
                condition=Q(status="published", published_at__isnull=False)
                | ~Q(status="published"),
                name="round_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def accepts_reports(self) -> bool:
        return self.status == RoundStatus.OPEN and timezone.localdate() <= self.deadline


class RoundReport(models.Model):
    """One unit's task list in a round: its actions and indicator values to report."""

    round = models.ForeignKey(
        FollowupRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="reports"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="followup_reports",
    )
    unit = models.ForeignKey(
        ResponsibleUnit,
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reports",
        help_text=_("Empty: what no unit is responsible for."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.TO_REPORT
    )
    review_comment = models.TextField(_("reviewer's comment"), blank=True, **text_limit(NOTE_MAX))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)

    class Meta:
        ordering = ["round", "organisation__name", "unit__path", "id"]
        verbose_name = _("follow-up report")
        verbose_name_plural = _("follow-up reports")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "organisation", "unit"], name="report_one_per_unit"
            ),
            models.UniqueConstraint(
                fields=["round", "organisation"],
                condition=Q(unit__isnull=True),
                name="report_one_without_unit",
            ),
        ]

    def __str__(self) -> str:
        unit = self.unit.name if self.unit_id else _("No unit")
        return f"{self.organisation} – {unit}"


class ReportEntry(models.Model):
    """One line of a report: an action's status and progress, or an indicator's value.

    `previous_*` keep what was known when the round opened, for "what changed"."""

    report = models.ForeignKey(
        RoundReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="entries"
    )
    action = models.ForeignKey(
        Action,
        verbose_name=_("action"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="report_entries",
    )
    indicator = models.ForeignKey(
        IndicatorDefinition,
        verbose_name=_("indicator"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="report_entries",
    )
    previous_status = models.CharField(
        _("status before"), max_length=12, choices=ProgressStatus.choices, blank=True
    )
    previous_progress = models.PositiveSmallIntegerField(
        _("progress before"), null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ProgressStatus.choices, blank=True
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    value = models.FloatField(_("value"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True, **text_limit(NOTE_MAX))

    class Meta:
        ordering = ["report", "action_id", "indicator_id"]
        verbose_name = _("report line")
        verbose_name_plural = _("report lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(action__isnull=False, indicator__isnull=True)
                | Q(action__isnull=True, indicator__isnull=False),
                name="entry_action_or_indicator",
            ),
            models.CheckConstraint(
                condition=Q(progress__isnull=True) | Q(progress__lte=100),
                name="entry_progress_percent",
            ),
        ]

    def __str__(self) -> str:
        return str(self.action or self.indicator)
