"""Store every actor in the climate transition and how they are linked."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kraftsamla.core.limits import DESCRIPTION_MAX, text_limit
from kraftsamla.core.models import SharingLevel


class ActorGroup(models.TextChoices):
    """The four actor groups that funders (e.g. Viable Cities) ask applicants to cover."""

    ACADEMIA = "academia", _("Academia and research")
    BUSINESS = "business", _("Business")
    PUBLIC = "public", _("Public sector")
    CIVIL_SOCIETY = "civil_society", _("Civil society")


class OrganisationKind(models.TextChoices):
    MUNICIPALITY = "municipality", _("Municipality")
    COUNTY = "county", _("County")
    REGION = "region", _("Region")
    REGIONAL_BODY = "regional_body", _("Regional body")
    NATIONAL_PROGRAMME = "national_programme", _("National programme")
    AGENCY = "agency", _("Government agency")
    COMPANY = "company", _("Company")
    UNIVERSITY = "university", _("University or research institute")
    CIVIL_SOCIETY = "civil_society", _("Civil-society organisation")


ACTOR_GROUP_BY_KIND = {
    OrganisationKind.MUNICIPALITY: ActorGroup.PUBLIC,
    OrganisationKind.COUNTY: ActorGroup.PUBLIC,
    OrganisationKind.REGION: ActorGroup.PUBLIC,
    OrganisationKind.REGIONAL_BODY: ActorGroup.PUBLIC,
    OrganisationKind.NATIONAL_PROGRAMME: ActorGroup.PUBLIC,
    OrganisationKind.AGENCY: ActorGroup.PUBLIC,
    OrganisationKind.COMPANY: ActorGroup.BUSINESS,
    OrganisationKind.UNIVERSITY: ActorGroup.ACADEMIA,
    OrganisationKind.CIVIL_SOCIETY: ActorGroup.CIVIL_SOCIETY,
}

# Kinds that coordinate other organisations and may receive what members share with them.
COORDINATING_KINDS = (
    OrganisationKind.REGIONAL_BODY,
    OrganisationKind.REGION,
    OrganisationKind.NATIONAL_PROGRAMME,
)


class PopulationClass(models.TextChoices):
    UNDER_10K = "lt10k", _("Under 10,000 inhabitants")
    FROM_10K = "10k-25k", _("10,000–24,999 inhabitants")
    FROM_25K = "25k-50k", _("25,000–49,999 inhabitants")
    FROM_50K = "50k-100k", _("50,000–99,999 inhabitants")
    FROM_100K = "100k-200k", _("100,000–199,999 inhabitants")
    FROM_200K = "200k+", _("200,000 inhabitants or more")


POPULATION_BOUNDS = {
    PopulationClass.UNDER_10K: (0, 10_000),
    PopulationClass.FROM_10K: (10_000, 25_000),
    PopulationClass.FROM_25K: (25_000, 50_000),
    PopulationClass.FROM_50K: (50_000, 100_000),
    PopulationClass.FROM_100K: (100_000, 200_000),
    PopulationClass.FROM_200K: (200_000, None),
}


def population_class_for(population: int | None) -> str | None:
    """Return the population class a population falls in, or None when unknown."""
    if population is None:
        return None
    for key, (low, high) in POPULATION_BOUNDS.items():
        if population >= low and (high is None or population < high):
            return key
    return None


class FARegion(models.Model):
    """A functional labour-market region (FA region) from Tillväxtverket."""

    code = models.CharField(_("code"), max_length=4, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("FA region")
        verbose_name_plural = _("FA regions")

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """An actor: a municipality, county, regional body, programme, company, university…"""

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    code = models.CharField(
        _("official code"),
        max_length=4,
        null=True,
        blank=True,
        unique=True,
        help_text=_("SCB code: four digits for municipalities, two for counties."),
    )
    county = models.ForeignKey(
        "self",
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="county_organisations",
        limit_choices_to={"kind": OrganisationKind.COUNTY},
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_date = models.DateField(_("population as of"), null=True, blank=True)
    fa_region = models.ForeignKey(
        FARegion,
        verbose_name=_("FA region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
    )
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True, **text_limit(DESCRIPTION_MAX))
    is_demo = models.BooleanField(
        _("demo data"), default=False, help_text=_("Invented for demonstration.")
    )
    # Lower-cased names for search: SQLite's LIKE folds only A–Z, not å, ä, ö.
    search_text = models.CharField(_("search text"), max_length=320, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [models.Index(fields=["kind", "name"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="municipality") | Q(code__regex=r"^[0-9]{4}$"),
                name="municipality_code_four_digits",
                violation_error_message=_("A municipality needs a four-digit code."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="county") | Q(code__regex=r"^[0-9]{2}$"),
                name="county_code_two_digits",
                violation_error_message=_("A county needs a two-digit code."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_text = f"{self.name} {self.short_name}".casefold()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("organisations:detail", kwargs={"slug": self.slug})

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    @property
    def actor_group(self) -> str:
        return ACTOR_GROUP_BY_KIND[self.kind]

    def get_actor_group_display(self) -> str:
        return ActorGroup(self.actor_group).label

    @property
    def is_municipality(self) -> bool:
        return self.kind == OrganisationKind.MUNICIPALITY

    @property
    def is_coordinating(self) -> bool:
        return self.kind in COORDINATING_KINDS

    @property
    def population_class(self) -> str | None:
        return population_class_for(self.population)

    def get_population_class_display(self) -> str:
        key = self.population_class
        return PopulationClass(key).label if key else ""


class MembershipRole(models.TextChoices):
    MEMBER = "member", _("Member")
    PARTICIPANT = "participant", _("Participant")
    TWIN_CITY = "twin_city", _("Twin city")
    PARTNER = "partner", _("Partner")


# Roles through which a body coordinates an organisation and sees what it shares.
COORDINATED_ROLES = (MembershipRole.MEMBER, MembershipRole.PARTICIPANT)


class MembershipQuerySet(models.QuerySet):
    """The one place that says which memberships count; every app uses these methods."""

    def current(self, on=None):
        """Keep memberships started and not ended on `on` (today by default), any role."""
        on = on or timezone.localdate()
        return self.filter(
            Q(start_date__isnull=True) | Q(start_date__lte=on),
            Q(end_date__isnull=True) | Q(end_date__gte=on),
        )

    def coordinating(self):
        """Keep roles through which a body coordinates its member (member, participant)."""
        return self.filter(role__in=COORDINATED_ROLES)

    def in_force(self, on=None):
        """Keep memberships that count on `on`: coordinating roles, started and not ended.

        Every rule about who a body coordinates (access, regional overviews,
        support) uses this, so they always agree.
        """
        return self.current(on).coordinating()


class Membership(models.Model):
    """Link an organisation to a body it belongs to, with a role and dates.

    A municipality is a member of a regional body; a city takes part in a
    programme; a twin city is linked to its pioneer city.
    """

    member = models.ForeignKey(
        Organisation,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    body = models.ForeignKey(
        Organisation,
        verbose_name=_("body"),
        on_delete=models.CASCADE,
        related_name="member_links",
    )
    role = models.CharField(_("role"), max_length=20, choices=MembershipRole.choices)
    start_date = models.DateField(_("from"), null=True, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["body__name", "member__name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=~Q(member=models.F("body")),
                name="membership_not_self",
                violation_error_message=_("An organisation cannot be a member of itself."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="membership_dates_ordered",
                violation_error_message=_("The end date must not be before the start date."),
            ),
            models.UniqueConstraint(
                fields=["member", "body", "role", "start_date"],
                name="membership_unique_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.body} ({self.get_role_display()})"


class EmissionSector(models.TextChoices):
    """The nine main sectors of Sweden's national emissions database (SMHI)."""

    WORK_MACHINERY = "work_machinery", _("Work machinery")
    WASTE = "waste", _("Waste (incl. sewage)")
    HEATING = "heating", _("Heating of homes and premises")
    ELECTRICITY_HEAT = "electricity_heat", _("Electricity and district heating")
    INDUSTRY = "industry", _("Industry (energy and processes)")
    AGRICULTURE = "agriculture", _("Agriculture")
    PRODUCT_USE = "product_use", _("Product use (incl. solvents)")
    TRANSPORT = "transport", _("Transport")
    INTERNATIONAL_TRANSPORT = "international_transport", _("International transport")


# The source file's Swedish sector names, mapped to our stable codes.
SECTOR_BY_SOURCE_NAME = {
    "Arbetsmaskiner": EmissionSector.WORK_MACHINERY,
    "Avfall (inkl.avlopp)": EmissionSector.WASTE,
    "Egen uppvärmning av bostäder och lokaler": EmissionSector.HEATING,
    "El och fjärrvärme": EmissionSector.ELECTRICITY_HEAT,
    "Industri (energi + processer)": EmissionSector.INDUSTRY,
    "Jordbruk": EmissionSector.AGRICULTURE,
    "Produktanvändning (inkl. lösningsmedel)": EmissionSector.PRODUCT_USE,
    "Transporter": EmissionSector.TRANSPORT,
    "Utrikes transporter": EmissionSector.INTERNATIONAL_TRANSPORT,
}


class DataRelease(models.Model):
    """One loaded release of a reference data set, with its provenance."""

    dataset = models.CharField(_("data set"), max_length=50)
    source = models.CharField(_("source"), max_length=300)
    checksum = models.CharField(_("SHA-256 checksum"), max_length=64)
    rows = models.PositiveIntegerField(_("rows"))
    loaded_at = models.DateTimeField(_("loaded"), auto_now_add=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("loaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )

    class Meta:
        ordering = ["-loaded_at"]
        get_latest_by = "loaded_at"
        verbose_name = _("data release")
        verbose_name_plural = _("data releases")

    def __str__(self) -> str:
        return f"{self.dataset} {self.loaded_at:%Y-%m-%d}"


class Emission(models.Model):
    """Territorial greenhouse-gas emissions of one municipality, sector and year."""

    municipality = models.ForeignKey(
        Organisation,
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="emissions",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    sector = models.CharField(_("sector"), max_length=32, choices=EmissionSector.choices)
    tonnes_co2e = models.FloatField(_("tonnes CO2e"))
    release = models.ForeignKey(
        DataRelease, verbose_name=_("release"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["municipality", "year", "sector"]
        verbose_name = _("emission figure")
        verbose_name_plural = _("emission figures")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "year", "sector"], name="emission_unique_cell"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=1970) & Q(year__lte=2100), name="emission_year_plausible"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.year} {self.sector}"


class PopulationFigure(models.Model):
    """A municipality's population on 31 December of one year (SCB)."""

    municipality = models.ForeignKey(
        Organisation,
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="population_figures",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    population = models.PositiveIntegerField(_("population"))
    release = models.ForeignKey(
        DataRelease, verbose_name=_("release"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["municipality", "year"]
        verbose_name = _("population figure")
        verbose_name_plural = _("population figures")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year"], name="population_unique_year"),
            models.CheckConstraint(
                condition=Q(year__gte=1900) & Q(year__lte=2100), name="population_year_plausible"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.year}: {self.population}"


class Boundary(models.Model):
    """A municipality's boundary, pre-projected to an SVG path for the map."""

    organisation = models.OneToOneField(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="boundary",
    )
    svg_path = models.TextField(_("SVG path"))
    centroid_x = models.FloatField(_("centroid x"))
    centroid_y = models.FloatField(_("centroid y"))
    release = models.ForeignKey(
        DataRelease, verbose_name=_("release"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("boundary")
        verbose_name_plural = _("boundaries")

    def __str__(self) -> str:
        return f"{self.organisation_id}"


# What the organisation's editors fill in on its climate profile (form, API, service).
PROFILE_FIELDS = [
    "contact_name",
    "contact_email",
    "staff_fte",
    "target_year",
    "strategy_url",
    "summary",
    "sharing_level",
]


class ClimateProfile(models.Model):
    """What an organisation itself says about its climate work, with a sharing level.

    This is the organisation's own data: private unless it chooses to share it
    with its regional bodies or publish it.
    """

    organisation = models.OneToOneField(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="climate_profile",
    )
    contact_name = models.CharField(_("climate contact"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    staff_fte = models.DecimalField(
        _("staff for climate work (full-time equivalents)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        # The "%" is a literal percent sign, not a format directive.
        # xgettext:no-python-format
        help_text=_("For example 0.08 for 8 % of one post."),
        validators=[MinValueValidator(0)],
    )
    target_year = models.PositiveSmallIntegerField(
        _("climate-neutrality target year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(2020), MaxValueValidator(2100)],
    )
    strategy_url = models.URLField(_("link to climate strategy"), blank=True)
    summary = models.TextField(
        _("summary of current climate work"), blank=True, **text_limit(DESCRIPTION_MAX)
    )
    sharing_level = models.CharField(
        _("sharing"),
        max_length=16,
        choices=SharingLevel.choices,
        default=SharingLevel.PRIVATE,
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("climate profile")
        verbose_name_plural = _("climate profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(staff_fte__isnull=True) | Q(staff_fte__gte=0),
                name="climate_profile_fte_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(target_year__isnull=True)
                | (Q(target_year__gte=2020) & Q(target_year__lte=2100)),
                name="climate_profile_target_year_range",
            ),
        ]

    def __str__(self) -> str:
        return str(self.organisation)
