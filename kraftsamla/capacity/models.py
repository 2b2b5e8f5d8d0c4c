"""Map transition capacity: a versioned framework of seven capitals and assessments of it.

Framework content is versioned data: a new version may reword or add statements
without touching past assessments, which keep pointing at the version they used.
Statements keep a stable `key` across versions, so results stay comparable where
a statement is unchanged.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kraftsamla.core.limits import (
    CONTENT_MAX,
    EVIDENCE_MAX,
    NOTE_MAX,
    TITLE_MAX,
    text_limit,
)
from kraftsamla.core.models import SharingLevel
from kraftsamla.core.translation import TranslatedField, TranslatedText, translated

SCALE_MIN, SCALE_MAX = 0, 4


class CapitalKey(models.TextChoices):
    """The seven capitals: the one source of their names and order on every page and export.

    The order is the framework's (framework_v1.json), which follows the report's building
    order; tests/test_words_numbers.py checks that the framework's names agree.
    """

    POLITICAL = "political", _("Political capital")
    FINANCIAL = "financial", _("Financial capital")
    RELATIONAL = "relational", _("Relational capital")
    HUMAN = "human", _("Human capital")
    DYNAMIC = "dynamic", _("Dynamic capital")
    ORGANISATIONAL = "organisational", _("Organisational capital")
    REAL = "real", _("Real capital")


# "Your … capital" for sentences: Swedish puts the adjective in the definite form after
# "ert" ("ert politiska kapital"), so each capital has its own phrase.
YOUR_CAPITAL = {
    CapitalKey.POLITICAL: _("your political capital"),
    CapitalKey.FINANCIAL: _("your financial capital"),
    CapitalKey.RELATIONAL: _("your relational capital"),
    CapitalKey.HUMAN: _("your human capital"),
    CapitalKey.DYNAMIC: _("your dynamic capital"),
    CapitalKey.ORGANISATIONAL: _("your organisational capital"),
    CapitalKey.REAL: _("your real capital"),
}


class CollaborationForm(models.TextChoices):
    """The three forms in which a regional actor can strengthen municipalities' capacity."""

    KNOWLEDGE_BASE = "knowledge_base", _("A larger knowledge base")
    RESOURCE_BASE = "resource_base", _("A larger resource base")
    ROOM_FOR_ACTION = "room_for_action", _("More room for action")


class RoleGroup(models.TextChoices):
    POLITICIANS = "politicians", _("Politicians")
    SENIOR_MANAGERS = "senior_managers", _("Senior managers")
    STRATEGIC = "strategic_coordinators", _("Strategic coordinators")
    OPERATIONAL = "operational_staff", _("Operational staff")


class Framework(models.Model):
    """One version of the transition-capacity framework."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    title = TranslatedField(_("title"), max_length=TITLE_MAX)
    overall = TranslatedField(_("about transition capacity"), max_length=CONTENT_MAX)
    source = models.CharField(_("source"), max_length=300)
    building_steps = models.JSONField(
        _("building order"),
        help_text=_(
            "Steps in which the capitals build on each other, e.g. "
            '[["political"], ["financial"], ["relational", "human"], …].'
        ),
    )
    building_order = TranslatedField(
        _("why this order"), blank=True, default=dict, max_length=CONTENT_MAX
    )
    scale = models.JSONField(_("scale"), help_text=_("Labels and descriptions of levels 0–4."))
    collaboration_forms = models.JSONField(_("collaboration forms"), default=list)
    is_current = models.BooleanField(
        _("current version"), default=False, help_text=_("New assessments use the current version.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("framework version")
        verbose_name_plural = _("framework versions")
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="one_current_framework"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title.sv} ({self.version})"

    def step_of(self, capital_key: str) -> int:
        """Return the 0-based building step of a capital (last step if not listed)."""
        for index, step in enumerate(self.building_steps or []):
            if capital_key in step:
                return index
        return len(self.building_steps or [])


class Capital(models.Model):
    framework = models.ForeignKey(
        Framework, verbose_name=_("framework"), on_delete=models.CASCADE, related_name="capitals"
    )
    key = models.CharField(_("capital"), max_length=20, choices=CapitalKey.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name = TranslatedField(_("name"), max_length=100)
    definition = TranslatedField(_("definition"), max_length=CONTENT_MAX)
    question = TranslatedField(_("guiding question"), max_length=CONTENT_MAX)

    class Meta:
        ordering = ["framework", "order"]
        verbose_name = _("capital")
        verbose_name_plural = _("capitals")
        constraints = [
            models.UniqueConstraint(fields=["framework", "key"], name="capital_once_per_framework")
        ]

    def __str__(self) -> str:
        return self.name.sv


class Statement(models.Model):
    capital = models.ForeignKey(
        Capital, verbose_name=_("capital"), on_delete=models.CASCADE, related_name="statements"
    )
    key = models.SlugField(
        _("stable key"),
        max_length=50,
        help_text=_(
            "Keep the key when a statement is unchanged across versions; give a new "
            "key when its meaning changes, so results are only compared like with like."
        ),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = TranslatedField(_("statement"), max_length=CONTENT_MAX)
    levels = models.JSONField(
        _("level descriptors"), help_text=_('{"0": {"sv": "…", "en": "…"}, …, "4": {…}}')
    )

    class Meta:
        ordering = ["capital__order", "order"]
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        constraints = [
            models.UniqueConstraint(fields=["capital", "key"], name="statement_key_per_capital")
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def level_descriptors(self) -> list[tuple[str, TranslatedText]]:
        """The descriptor of each level 0–4, in order."""
        return [
            (str(level), translated((self.levels or {}).get(str(level))))
            for level in range(SCALE_MIN, SCALE_MAX + 1)
        ]


class Purpose(models.TextChoices):
    BASELINE = "baseline", _("Baseline")
    FOLLOW_UP = "follow_up", _("Annual follow-up")
    OTHER = "other", _("Other")


class Mode(models.TextChoices):
    INDIVIDUAL = "individual", _("Alone (one respondent)")
    GROUP = "group", _("As a group (several respondents)")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for answers")
    CLOSED = "closed", _("Closed")
    PUBLISHED = "published", _("Published")


class Assessment(models.Model):
    """An organisation's self-assessment of its transition capacity for one year."""

    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="assessments",
    )
    framework = models.ForeignKey(
        Framework,
        verbose_name=_("framework version"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    purpose_note = models.CharField(_("purpose in your words"), max_length=300, blank=True)
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices, default=Mode.GROUP)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    sharing_level = models.CharField(
        _("sharing"), max_length=16, choices=SharingLevel.choices, default=SharingLevel.PRIVATE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["organisation__name", "-year"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "purpose"], name="one_assessment_per_year_purpose"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="assessment_year_range"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status", "year"])]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year} ({self.get_purpose_display()})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("capacity:assessment", kwargs={"pk": self.pk})

    def statement_url(self, capital_key: str, statement_id: int) -> str:
        """Return the address of a statement on its capital's answer page."""
        from django.urls import reverse

        page = reverse("capacity:answer", kwargs={"pk": self.pk, "capital_key": capital_key})
        return f"{page}#s{statement_id}-fieldset"

    @property
    def is_editable(self) -> bool:
        return self.status in (Status.DRAFT, Status.OPEN)

    @property
    def accepts_answers(self) -> bool:
        return self.status == Status.OPEN


class Respondent(models.Model):
    assessment = models.ForeignKey(
        Assessment,
        verbose_name=_("assessment"),
        on_delete=models.CASCADE,
        related_name="respondents",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="capacity_respondents",
    )
    role_group = models.CharField(_("role group"), max_length=30, choices=RoleGroup.choices)
    submitted_at = models.DateTimeField(_("marked as done"), null=True, blank=True)

    class Meta:
        ordering = ["assessment", "role_group", "user__email"]
        verbose_name = _("respondent")
        verbose_name_plural = _("respondents")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "user"], name="respondent_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_group_display()})"


class Answer(models.Model):
    """One respondent's score for one statement; `score` is None for "don't know"."""

    respondent = models.ForeignKey(
        Respondent, verbose_name=_("respondent"), on_delete=models.CASCADE, related_name="answers"
    )
    statement = models.ForeignKey(
        Statement, verbose_name=_("statement"), on_delete=models.PROTECT, related_name="answers"
    )
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    dont_know = models.BooleanField(_("don't know"), default=False)
    evidence = models.TextField(_("evidence or comment"), blank=True, **text_limit(EVIDENCE_MAX))
    # The answer page's sequence number of the save that is stored: an older one is refused.
    client_sequence = models.BigIntegerField(_("client sequence"), null=True, blank=True)
    updated_at = models.DateTimeField(_("saved"), auto_now=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["respondent", "statement"], name="answer_once"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=4)),
                name="answer_score_on_scale",
            ),
            models.CheckConstraint(
                condition=(Q(dont_know=True) & Q(score__isnull=True))
                | (Q(dont_know=False) & Q(score__isnull=False)),
                name="answer_score_xor_dont_know",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.respondent_id}:{self.statement_id}={self.score}"


class CapitalNote(models.Model):
    """A respondent's note on what would strengthen a capital; becomes a need."""

    respondent = models.ForeignKey(
        Respondent, verbose_name=_("respondent"), on_delete=models.CASCADE, related_name="notes"
    )
    capital = models.ForeignKey(
        Capital, verbose_name=_("capital"), on_delete=models.PROTECT, related_name="notes"
    )
    strengthen = models.TextField(
        _("what would strengthen this capital"), blank=True, **text_limit(NOTE_MAX)
    )
    collaboration_form = models.CharField(
        _("collaboration form that would help"),
        max_length=20,
        choices=CollaborationForm.choices,
        blank=True,
    )
    updated_at = models.DateTimeField(_("saved"), auto_now=True)

    class Meta:
        verbose_name = _("capital note")
        verbose_name_plural = _("capital notes")
        constraints = [
            models.UniqueConstraint(fields=["respondent", "capital"], name="note_once"),
        ]

    def __str__(self) -> str:
        return f"{self.respondent_id}:{self.capital_id}"


class AgreedScore(models.Model):
    """The score a group agreed on for a statement after discussing it."""

    assessment = models.ForeignKey(
        Assessment,
        verbose_name=_("assessment"),
        on_delete=models.CASCADE,
        related_name="agreed_scores",
    )
    statement = models.ForeignKey(
        Statement, verbose_name=_("statement"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.PositiveSmallIntegerField(_("agreed score"))
    rationale = models.TextField(_("why"), blank=True, **text_limit(NOTE_MAX))
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saved by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("saved"), auto_now=True)

    class Meta:
        verbose_name = _("agreed score")
        verbose_name_plural = _("agreed scores")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "statement"], name="agreed_once"),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=4), name="agreed_score_on_scale"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id}:{self.statement_id}={self.score}"


class AssessmentResult(models.Model):
    """A published assessment's stored per-capital result, for fast regional views.

    Written when an assessment is published and removed when it is reopened, so
    overviews across hundreds of municipalities read one row per capital.
    """

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), on_delete=models.CASCADE, related_name="results"
    )
    capital_key = models.CharField(_("capital"), max_length=20, choices=CapitalKey.choices)
    score = models.FloatField(_("score 0–100"), null=True, blank=True)
    share_answered = models.FloatField(_("share of statements answered"))
    consensus = models.FloatField(_("consensus 0–1"), null=True, blank=True)

    class Meta:
        verbose_name = _("assessment result")
        verbose_name_plural = _("assessment results")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "capital_key"], name="result_once"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=100)),
                name="result_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id}:{self.capital_key}={self.score}"


class RespondentInvitation(models.Model):
    """An accounts invitation that also makes the invitee a respondent when accepted."""

    invitation = models.OneToOneField(
        "accounts.Invitation",
        verbose_name=_("invitation"),
        on_delete=models.CASCADE,
        related_name="respondent_invitation",
    )
    assessment = models.ForeignKey(
        Assessment,
        verbose_name=_("respondent in assessment"),
        on_delete=models.CASCADE,
        related_name="respondent_invitations",
    )
    role_group = models.CharField(
        _("role group"), max_length=30, choices=RoleGroup.choices, blank=True
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.invitation} ({self.assessment_id})"
