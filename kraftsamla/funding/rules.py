"""The rules engine: a call's eligibility rules as data, checked against an application.

A call holds rules (`CallRule` rows, or `RuleSpec` here): each names a *kind* and gives
it parameters, e.g. `{"kind": "min_parties", "parameters": {"minimum": 4}}`. A kind is a
class registered in `KINDS` with a parameter schema (`schema.Obj`: a missing or unknown
parameter is a clear error with its path) and two methods:

- `describe(parameters, names)`: the rule in plain words, for the call page;
- `evaluate(parameters, facts, names)`: `(status, reason)` for an `ApplicationFacts`.

`evaluate(rules, facts)` returns every rule's `Outcome`: passed, failed, or not yet
checkable because data is missing, with a reason that names the numbers ("3 parter,
minst 4 krävs") in Swedish and English, and the rule's source in the call text. The
engine reads only the facts (never the database); `names` maps organisation slugs
named in parameters to display names, read once by the caller.

A new kind is a subclass of `RuleKind` decorated with `@register_kind`, with a test
that it passes and fails. The kinds here cover the rules of Viable Cities' call for new
climate-neutral cities, wave 3, as Mjölby's working committee describes them
(2024-05-20, § 77, source document 000_44f85679241c7aca), in general form.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from kraftsamla.core.charts import format_number
from kraftsamla.core.numbers import round_half_up
from kraftsamla.core.translation import LANGUAGES, TranslatedText, translated
from kraftsamla.funding.facts import (
    ApplicationFacts,
    AttachmentFact,
    AttachmentType,
    PartyFact,
    PartyRole,
    SignerRole,
)
from kraftsamla.funding.schema import (
    Amount,
    Choice,
    Date,
    Field,
    Integer,
    ListOf,
    Obj,
    Problem,
    Slug,
    Text,
    child,
)
from kraftsamla.organisations.models import ActorGroup


class OutcomeStatus(models.TextChoices):
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    NOT_CHECKABLE = "not_checkable", _("Not yet checkable")


PASSED, FAILED, NOT_CHECKABLE = (
    OutcomeStatus.PASSED,
    OutcomeStatus.FAILED,
    OutcomeStatus.NOT_CHECKABLE,
)


# --- Reasons: text with numbers, formatted in the language active when read ---------------


class Sek:
    """An amount in SEK: whole kronor without decimals, else two (half-up)."""

    def __init__(self, value: Decimal) -> None:
        self.value = Decimal(value)

    def render(self) -> str:
        whole = self.value == self.value.to_integral_value()
        return format_number(self.value, 0 if whole else 2)


class Percent:
    def __init__(self, value: Decimal, decimals: int = 0) -> None:
        self.value, self.decimals = Decimal(value), decimals

    def render(self) -> str:
        decimals = self.decimals
        if not decimals and self.value != self.value.to_integral_value():
            decimals = 2
        return format_number(self.value, decimals)


class Names:
    """A list of names or labels, joined by commas."""

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = list(items)

    def render(self) -> str:
        return ", ".join(_text(item) for item in self.items)


class NamedAmounts:
    """Parties with an amount each: "Mjölby 500 000 kr, Motala 0 kr"."""

    def __init__(self, pairs: Iterable[tuple[str, Decimal]]) -> None:
        self.pairs = list(pairs)

    def render(self) -> str:
        return ", ".join(
            _("%(name)s %(amount)s SEK") % {"name": name, "amount": Sek(amount).render()}
            for name, amount in self.pairs
        )


class Lower:
    """A label written inside a sentence (lower case: "political leadership")."""

    def __init__(self, label: Any) -> None:
        self.label = label

    def render(self) -> str:
        return _text(self.label).lower()


def _text(value: Any) -> str:
    if hasattr(value, "render"):
        return value.render()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _value(value: Any) -> Any:
    # Counts stay numbers, so that ngettext picks the plural form by them.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return _text(value)


class Reason:
    """A plain-language sentence with its numbers, rendered when read.

    `str(reason)` is the active language's text; `reason.as_dict()` gives Swedish and
    English. Templates are lazy translations; plural ones (ngettext_lazy) pick their
    form by the parameter they name.
    """

    def __init__(self, template: str | Promise, **params: Any) -> None:
        self.parts: list[tuple[str | Promise, dict[str, Any]]] = [(template, params)]

    @classmethod
    def join(cls, reasons: Sequence[Reason]) -> Reason:
        joined = cls("")
        joined.parts = [part for reason in reasons for part in reason.parts]
        return joined

    def render(self) -> str:
        texts = []
        for template, params in self.parts:
            if params:
                texts.append(str(template % {key: _value(v) for key, v in params.items()}))
            else:
                texts.append(str(template))
        return "; ".join(text for text in texts if text)

    def __str__(self) -> str:
        return self.render()

    def in_language(self, language: str) -> str:
        with translation.override(language):
            return self.render()

    def as_dict(self) -> dict[str, str]:
        return {language: self.in_language(language) for language in LANGUAGES}


# --- Rules and outcomes -------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSpec:
    """One rule of a call as plain data (what a CallRule row or a JSON document holds)."""

    kind: str
    parameters: Mapping[str, Any]
    source: Any = ""
    interpretation: Any = ""
    order: int = 0


@dataclass(frozen=True)
class Outcome:
    """A rule's result for one application."""

    kind: str
    label: str | Promise
    status: str
    reason: Reason
    description: Reason
    source: TranslatedText = field(default_factory=lambda: translated(""))
    interpretation: TranslatedText = field(default_factory=lambda: translated(""))
    order: int = 0

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def get_status_display(self) -> str:
        return str(OutcomeStatus(self.status).label)


class RuleKind:
    """A parameterised kind of rule; subclasses set `key`, `label`, `schema` and implement
    `describe` and `evaluate`."""

    key: ClassVar[str]
    label: ClassVar[str | Promise]
    schema: ClassVar[Obj]

    def slugs(self, parameters: Mapping[str, Any]) -> list[str]:
        """The organisation slugs the parameters name (their names are looked up once)."""
        return []

    def describe(self, parameters: Mapping[str, Any], names: Mapping[str, str]) -> Reason:
        raise NotImplementedError

    def evaluate(
        self, parameters: Mapping[str, Any], facts: ApplicationFacts, names: Mapping[str, str]
    ) -> tuple[str, Reason]:
        raise NotImplementedError


KINDS: dict[str, RuleKind] = {}


def register_kind(kind_class: type[RuleKind]) -> type[RuleKind]:
    """Register a rule kind (use as a class decorator)."""
    if kind_class.key in KINDS:
        raise ValueError(f"Rule kind {kind_class.key!r} is registered twice.")
    KINDS[kind_class.key] = kind_class()
    return kind_class


def rule_kind_choices() -> list[tuple[str, str]]:
    return [(key, str(kind.label)) for key, kind in KINDS.items()]


def parameters_clean(
    kind: str, parameters: Any, path: str = "parameters"
) -> tuple[dict | None, list[Problem]]:
    """Return (cleaned parameters, problems) for a rule of `kind`.

    An unknown kind is one problem at the kind's own path (a sibling of `path`).
    """
    problems: list[Problem] = []
    rule_kind = KINDS.get(kind)
    if rule_kind is None:
        kind_path = path.rpartition(".")[0]
        problems.append(
            Problem(
                child(kind_path, "kind") if kind_path else "kind",
                _("unknown rule kind “%(kind)s”; known kinds: %(known)s"),
                {"kind": kind, "known": ", ".join(KINDS)},
            )
        )
        return None, problems
    cleaned = rule_kind.schema.clean(parameters, path, problems)
    return (None if problems else cleaned), problems


def describe(rule: RuleSpec, names: Mapping[str, str] | None = None) -> Reason:
    """The rule in plain words (or why it cannot be read)."""
    cleaned, problems = parameters_clean(rule.kind, rule.parameters)
    if problems:
        return Reason(_("This rule cannot be read: %(problems)s"), problems=Names(problems))
    return KINDS[rule.kind].describe(cleaned, names or {})


def slugs_named(rules: Iterable[RuleSpec]) -> set[str]:
    """Every organisation slug that the rules' parameters name."""
    found: set[str] = set()
    for rule in rules:
        cleaned, problems = parameters_clean(rule.kind, rule.parameters)
        if not problems:
            found.update(KINDS[rule.kind].slugs(cleaned))
    return found


def evaluate(
    rules: Iterable[RuleSpec], facts: ApplicationFacts, names: Mapping[str, str] | None = None
) -> list[Outcome]:
    """Return every rule's outcome for the application, in the rules' order."""
    names = names or {}
    outcomes = []
    for rule in sorted(rules, key=lambda rule: rule.order):
        cleaned, problems = parameters_clean(rule.kind, rule.parameters)
        kind = KINDS.get(rule.kind)
        if problems:
            # Stored rules are validated when saved; this guards a rule kind removed since.
            reason = Reason(_("This rule cannot be read: %(problems)s"), problems=Names(problems))
            status, description = NOT_CHECKABLE, reason
        else:
            status, reason = kind.evaluate(cleaned, facts, names)
            description = kind.describe(cleaned, names)
        outcomes.append(
            Outcome(
                kind=rule.kind,
                label=kind.label if kind is not None else rule.kind,
                status=status,
                reason=reason,
                description=description,
                source=translated(rule.source),
                interpretation=translated(rule.interpretation),
                order=rule.order,
            )
        )
    return outcomes


def outcome_counts(outcomes: Iterable[Outcome]) -> dict[str, int]:
    counts = dict.fromkeys(OutcomeStatus.values, 0)
    for outcome in outcomes:
        counts[outcome.status] += 1
    return counts


# --- Shared pieces ------------------------------------------------------------------------


def _role_field(default: str | None = PartyRole.TWIN_CITY) -> Field:
    return Field(
        Choice(PartyRole.values),
        required=False,
        default=default,
        help=_("The parties the rule is about, by their role."),
    )


def _role(parameters) -> str:
    return str(PartyRole(parameters["role"]).label)


def _nobody_with(role: str) -> tuple[str, Reason]:
    return PASSED, Reason(_("No party has the role %(role)s"), role=PartyRole(role).label)


def _status(failed: bool, unknown: bool = False) -> str:
    if failed:
        return FAILED
    return NOT_CHECKABLE if unknown else PASSED


# --- The kinds ----------------------------------------------------------------------------


@register_kind
class MinParties(RuleKind):
    key = "min_parties"
    label = _("Minimum number of parties")
    schema = Obj({"minimum": Field(Integer(minimum=1, maximum=1000), help=_("The least number."))})

    def describe(self, parameters, names):
        return Reason(
            ngettext_lazy(
                "At least %(minimum)s party stands behind the application.",
                "At least %(minimum)s parties stand behind the application.",
                "minimum",
            ),
            minimum=parameters["minimum"],
        )

    def evaluate(self, parameters, facts, names):
        count = len(facts.distinct_parties())
        reason = Reason(
            ngettext_lazy(
                "%(count)s party, at least %(minimum)s required",
                "%(count)s parties, at least %(minimum)s required",
                "count",
            ),
            count=count,
            minimum=parameters["minimum"],
        )
        return _status(count < parameters["minimum"]), reason


@register_kind
class ActorGroups(RuleKind):
    key = "actor_groups"
    label = _("Required actor groups")
    schema = Obj(
        {
            "groups": Field(
                ListOf(Choice(ActorGroup.values), min_items=1, unique=True),
                help=_("Actor groups that must each have at least one party."),
            )
        }
    )

    def describe(self, parameters, names):
        return Reason(
            _("Independent parties from each of these actor groups: %(groups)s."),
            groups=Names(ActorGroup(group).label for group in parameters["groups"]),
        )

    def evaluate(self, parameters, facts, names):
        parties = facts.distinct_parties()
        present = {party.actor_group for party in parties if party.actor_group}
        missing = [group for group in parameters["groups"] if group not in present]
        unknown = [party.name for party in parties if not party.actor_group]
        if not missing:
            return PASSED, Reason(
                _("all required actor groups are present: %(groups)s"),
                groups=Names(ActorGroup(group).label for group in parameters["groups"]),
            )
        reason = Reason(
            ngettext_lazy(
                "missing actor group: %(groups)s", "missing actor groups: %(groups)s", "count"
            ),
            count=len(missing),
            groups=Names(ActorGroup(group).label for group in missing),
        )
        if unknown:
            unknown_reason = Reason(_("actor group not known for: %(names)s"), names=Names(unknown))
            return NOT_CHECKABLE, Reason.join([reason, unknown_reason])
        return FAILED, reason


def _at_least_one(*names: str):
    def check(cleaned: dict, path: str, problems: list[Problem]) -> None:
        if not any(cleaned.get(name) for name in names):
            problems.append(
                Problem(path, _("give at least one of: %(names)s"), {"names": ", ".join(names)})
            )

    return check


@register_kind
class Coordinator(RuleKind):
    key = "coordinator"
    label = _("Who may coordinate")
    schema = Obj(
        {
            "organisations": Field(
                ListOf(Slug(), max_items=1000, unique=True),
                required=False,
                default=[],
                help=_("Slugs of the organisations that may coordinate."),
            ),
            "member_of": Field(
                ListOf(Slug(), max_items=50, unique=True),
                required=False,
                default=[],
                help=_("Slugs of bodies: their members may coordinate."),
            ),
        },
        check=_at_least_one("organisations", "member_of"),
    )

    def slugs(self, parameters):
        return [*parameters["organisations"], *parameters["member_of"]]

    def _lists(self, parameters, names):
        return {
            "organisations": Names(names.get(slug, slug) for slug in parameters["organisations"]),
            "bodies": Names(names.get(slug, slug) for slug in parameters["member_of"]),
        }

    def describe(self, parameters, names):
        lists = self._lists(parameters, names)
        if parameters["organisations"] and parameters["member_of"]:
            template = _(
                "The coordinating party is one of %(organisations)s, or a member of %(bodies)s."
            )
        elif parameters["organisations"]:
            template = _("The coordinating party is one of %(organisations)s.")
        else:
            template = _("The coordinating party is a member of %(bodies)s.")
        return Reason(template, **lists)

    def evaluate(self, parameters, facts, names):
        coordinators = facts.with_role(PartyRole.COORDINATOR)
        if not coordinators:
            return NOT_CHECKABLE, Reason(_("no party has the role coordinator yet"))
        if len({party.key for party in coordinators}) > 1:
            return FAILED, Reason(
                _("%(count)s parties have the role coordinator, one is allowed: %(names)s"),
                count=len(coordinators),
                names=Names(party.name for party in coordinators),
            )
        party = coordinators[0]
        lists = self._lists(parameters, names)
        if party.slug and party.slug in parameters["organisations"]:
            return PASSED, Reason(
                _("%(name)s is one of the organisations that may coordinate"), name=party.name
            )
        bodies = [slug for slug in parameters["member_of"] if slug in party.member_of]
        if bodies:
            return PASSED, Reason(
                _("%(name)s may coordinate as a member of %(bodies)s"),
                name=party.name,
                bodies=Names(names.get(slug, slug) for slug in bodies),
            )
        if not party.slug:
            return NOT_CHECKABLE, Reason(
                _("%(name)s is not in the register, so this cannot be checked"), name=party.name
            )
        if parameters["organisations"] and parameters["member_of"]:
            template = _(
                "%(name)s is neither one of the listed organisations nor a member of %(bodies)s"
            )
        elif parameters["organisations"]:
            template = _("%(name)s is not one of the organisations that may coordinate")
        else:
            template = _("%(name)s is not a member of %(bodies)s")
        return FAILED, Reason(template, name=party.name, **lists)


def _unique_twin_counts(cleaned: dict, path: str, problems: list[Problem]) -> None:
    seen: set[int] = set()
    for index, step in enumerate(cleaned["twin_city_raises"]):
        if step["twin_cities"] in seen:
            problems.append(
                Problem(
                    child(child(child(path, "twin_city_raises"), index), "twin_cities"),
                    _("given twice"),
                )
            )
        seen.add(step["twin_cities"])


@register_kind
class MaxSupport(RuleKind):
    """A ceiling for the support, raised when the application has twin cities.

    `twin_city_raises` lists steps: from `twin_cities` twin cities on, the ceiling is
    `amount + raise` (the step with the most twin cities that the application reaches
    counts; the raises do not add up).
    """

    key = "max_support"
    label = _("Maximum support")
    schema = Obj(
        {
            "amount": Field(Amount(), help=_("The ceiling in SEK without twin cities.")),
            "twin_city_raises": Field(
                ListOf(
                    Obj(
                        {
                            "twin_cities": Field(Integer(minimum=1, maximum=100)),
                            "raise": Field(Amount()),
                        }
                    ),
                    max_items=20,
                ),
                required=False,
                default=[],
                help=_("From this number of twin cities on, the ceiling is raised by this much."),
            ),
        },
        check=_unique_twin_counts,
    )

    @staticmethod
    def _steps(parameters) -> list[dict]:
        return sorted(parameters["twin_city_raises"], key=lambda step: step["twin_cities"])

    def ceiling(self, parameters, twin_cities: int) -> Decimal:
        raised = [
            step["raise"] for step in self._steps(parameters) if step["twin_cities"] <= twin_cities
        ]
        return parameters["amount"] + (raised[-1] if raised else Decimal(0))

    def describe(self, parameters, names):
        parts = [Reason(_("Support of at most %(amount)s SEK"), amount=Sek(parameters["amount"]))]
        steps = self._steps(parameters)
        for index, step in enumerate(steps):
            count, ceiling = step["twin_cities"], Sek(parameters["amount"] + step["raise"])
            if index == len(steps) - 1:
                template = ngettext_lazy(
                    "%(ceiling)s SEK with %(count)s twin city or more",
                    "%(ceiling)s SEK with %(count)s twin cities or more",
                    "count",
                )
                parts.append(Reason(template, ceiling=ceiling, count=count))
            elif steps[index + 1]["twin_cities"] == count + 1:
                template = ngettext_lazy(
                    "%(ceiling)s SEK with %(count)s twin city",
                    "%(ceiling)s SEK with %(count)s twin cities",
                    "count",
                )
                parts.append(Reason(template, ceiling=ceiling, count=count))
            else:
                parts.append(
                    Reason(
                        _("%(ceiling)s SEK with %(count)s–%(last)s twin cities"),
                        ceiling=ceiling,
                        count=count,
                        last=steps[index + 1]["twin_cities"] - 1,
                    )
                )
        return Reason.join(parts)

    def evaluate(self, parameters, facts, names):
        support = facts.support_total()
        if support is None:
            return NOT_CHECKABLE, Reason(_("the support requested is not known yet"))
        twin_cities = len({party.key for party in facts.with_role(PartyRole.TWIN_CITY)})
        ceiling = self.ceiling(parameters, twin_cities)
        reason = Reason(
            ngettext_lazy(
                "support requested %(support)s SEK, "
                "at most %(ceiling)s SEK with %(count)s twin city",
                "support requested %(support)s SEK, "
                "at most %(ceiling)s SEK with %(count)s twin cities",
                "count",
            ),
            support=Sek(support),
            ceiling=Sek(ceiling),
            count=twin_cities,
        )
        return _status(support > ceiling), reason


def _share_text(share: Decimal, limit: Decimal, passed: bool) -> Percent:
    """The share with one decimal, or more when one would hide why it failed (50,04 > 50)."""
    for decimals in range(1, 7):
        shown = round_half_up(share, decimals)
        if (shown <= limit) == passed:
            return Percent(shown, decimals)
    return Percent(share, 6)


@register_kind
class MaxSupportShare(RuleKind):
    key = "max_support_share"
    label = _("Maximum support share")
    schema = Obj(
        {
            "percent": Field(
                Amount(minimum=Decimal("0.01"), maximum=100),
                help=_("The largest share of the total budget that the support may be, in %."),
            )
        }
    )

    def describe(self, parameters, names):
        return Reason(
            _("The support is at most %(percent)s %% of the project's total budget."),
            percent=Percent(parameters["percent"]),
        )

    def evaluate(self, parameters, facts, names):
        support, total = facts.support_total(), facts.budget_total()
        if support is None or total is None:
            return NOT_CHECKABLE, Reason(
                _("the support requested and the total budget are not known yet")
            )
        if total <= 0:
            return NOT_CHECKABLE, Reason(_("the total budget is zero"))
        limit = parameters["percent"]
        # Compared without dividing, so exactly the limit passes whatever the rounding.
        passed = support * 100 <= limit * total
        share = support * 100 / total
        reason = Reason(
            _("support %(support)s SEK of %(total)s SEK is %(share)s %%, at most %(percent)s %%"),
            support=Sek(support),
            total=Sek(total),
            share=_share_text(share, limit, passed),
            percent=Percent(limit),
        )
        return _status(not passed), reason


@register_kind
class OwnBudget(RuleKind):
    key = "own_budget"
    label = _("A budget of its own")
    schema = Obj({"role": _role_field()})

    def describe(self, parameters, names):
        return Reason(
            _("%(role)s: each has a budget of its own (co-funding in time or money) above zero."),
            role=_role(parameters),
        )

    def evaluate(self, parameters, facts, names):
        parties = facts.with_role(parameters["role"])
        if not parties:
            return _nobody_with(parameters["role"])
        unknown = [party.name for party in parties if party.own_budget is None]
        without = [
            party.name
            for party in parties
            if party.own_budget is not None and party.own_budget <= 0
        ]
        if without:
            return FAILED, Reason(
                _("%(role)s without a budget of its own: %(names)s"),
                role=_role(parameters),
                names=Names(without),
            )
        if unknown:
            return NOT_CHECKABLE, Reason(
                _("%(role)s whose own budget is not known yet: %(names)s"),
                role=_role(parameters),
                names=Names(unknown),
            )
        return PASSED, Reason(
            _("%(role)s with a budget of its own: %(amounts)s"),
            role=_role(parameters),
            amounts=NamedAmounts((party.name, party.own_budget) for party in parties),
        )


@register_kind
class Allocation(RuleKind):
    key = "allocation"
    label = _("Required allocation to an activity")
    schema = Obj(
        {
            "role": _role_field(),
            "activity": Field(
                Text(max_length=200, blank=False), help=_("The activity's name in the budget.")
            ),
            "amount": Field(
                Amount(minimum=Decimal("0.01")), help=_("The least amount per party, in SEK.")
            ),
        }
    )

    def describe(self, parameters, names):
        return Reason(
            _("%(role)s: each sets aside at least %(amount)s SEK for %(activity)s."),
            role=_role(parameters),
            amount=Sek(parameters["amount"]),
            activity=parameters["activity"],
        )

    def evaluate(self, parameters, facts, names):
        parties = facts.with_role(parameters["role"])
        if not parties:
            return _nobody_with(parameters["role"])
        activity, amount = parameters["activity"], parameters["amount"]
        unknown = [party.name for party in parties if not party.budget_known]
        short = [
            (party.name, party.allocated(activity))
            for party in parties
            if party.budget_known and party.allocated(activity) < amount
        ]
        if short:
            return FAILED, Reason(
                _("less than %(amount)s SEK for %(activity)s: %(amounts)s"),
                amount=Sek(amount),
                activity=activity,
                amounts=NamedAmounts(short),
            )
        if unknown:
            return NOT_CHECKABLE, Reason(
                _("budget not known yet for: %(names)s"), names=Names(unknown)
            )
        return PASSED, Reason(
            _("at least %(amount)s SEK for %(activity)s: %(amounts)s"),
            amount=Sek(amount),
            activity=activity,
            amounts=NamedAmounts((party.name, party.allocated(activity)) for party in parties),
        )


@register_kind
class Attachment(RuleKind):
    key = "attachment"
    label = _("Mandatory attachment")
    schema = Obj(
        {
            "type": Field(Choice(AttachmentType.values), help=_("The kind of attachment.")),
            "role": Field(
                Choice(PartyRole.values),
                required=False,
                help=_(
                    "Each party with this role attaches one; without a role, the application does."
                ),
            ),
            "signer_role": Field(
                Choice(SignerRole.values),
                required=False,
                help=_("Who must have signed it (for a letter)."),
            ),
        }
    )

    def describe(self, parameters, names):
        values = {"type": AttachmentType(parameters["type"]).label}
        if parameters["signer_role"]:
            values["signer"] = Lower(SignerRole(parameters["signer_role"]).label)
        if parameters["role"]:
            values["role"] = _role(parameters)
            template = (
                _("%(role)s: each attaches “%(type)s” signed by %(signer)s.")
                if parameters["signer_role"]
                else _("%(role)s: each attaches “%(type)s”.")
            )
        else:
            template = (
                _("The application has “%(type)s” signed by %(signer)s.")
                if parameters["signer_role"]
                else _("The application has “%(type)s”.")
            )
        return Reason(template, **values)

    @staticmethod
    def _matches(attachment: AttachmentFact, parameters) -> bool:
        return attachment.type == parameters["type"] and (
            not parameters["signer_role"] or attachment.signer_role == parameters["signer_role"]
        )

    def _missing(self, parameters) -> Reason:
        values = {"type": AttachmentType(parameters["type"]).label}
        if parameters["signer_role"]:
            values["signer"] = Lower(SignerRole(parameters["signer_role"]).label)
            return Reason(_("missing “%(type)s” signed by %(signer)s"), **values)
        return Reason(_("missing “%(type)s”"), **values)

    def evaluate(self, parameters, facts, names):
        type_label = AttachmentType(parameters["type"]).label
        if not parameters["role"]:
            everything = [*facts.attachments, *(a for p in facts.parties for a in p.attachments)]
            if any(self._matches(attachment, parameters) for attachment in everything):
                return PASSED, Reason(_("“%(type)s” is attached"), type=type_label)
            return FAILED, self._missing(parameters)
        parties = facts.with_role(parameters["role"])
        if not parties:
            return _nobody_with(parameters["role"])
        lacking: list[PartyFact] = [
            party
            for party in parties
            if not any(self._matches(attachment, parameters) for attachment in party.attachments)
        ]
        if not lacking:
            return PASSED, Reason(
                _("“%(type)s” attached for: %(names)s"),
                type=type_label,
                names=Names(party.name for party in parties),
            )
        parts = [
            Reason(
                _("%(missing)s: %(names)s"),
                missing=self._missing(parameters),
                names=Names(party.name for party in lacking),
            )
        ]
        wrong = [
            party.name
            for party in lacking
            if any(attachment.type == parameters["type"] for attachment in party.attachments)
        ]
        if wrong:
            parts.append(Reason(_("signed by someone else for: %(names)s"), names=Names(wrong)))
        return FAILED, Reason.join(parts)


def _dates_ordered(first: str, last: str):
    def check(cleaned: dict, path: str, problems: list[Problem]) -> None:
        if cleaned.get(first) and cleaned.get(last) and cleaned[last] < cleaned[first]:
            problems.append(
                Problem(child(path, last), _("must not be before %(other)s"), {"other": first})
            )

    return check


def _window_check(cleaned: dict, path: str, problems: list[Problem]) -> None:
    _at_least_one("earliest_start", "latest_end")(cleaned, path, problems)
    _dates_ordered("earliest_start", "latest_end")(cleaned, path, problems)


@register_kind
class ProjectDates(RuleKind):
    key = "project_dates"
    label = _("Project period")
    schema = Obj(
        {
            "earliest_start": Field(Date(), required=False, help=_("The earliest start date.")),
            "latest_end": Field(Date(), required=False, help=_("The latest end date.")),
        },
        check=_window_check,
    )

    def describe(self, parameters, names):
        start, end = parameters["earliest_start"], parameters["latest_end"]
        if start and end:
            return Reason(
                _(
                    "The project starts on %(start)s at the earliest "
                    "and ends on %(end)s at the latest."
                ),
                start=start,
                end=end,
            )
        if start:
            return Reason(_("The project starts on %(start)s at the earliest."), start=start)
        return Reason(_("The project ends on %(end)s at the latest."), end=end)

    def evaluate(self, parameters, facts, names):
        parts, failed, unknown = [], False, False
        if parameters["earliest_start"]:
            limit = parameters["earliest_start"]
            if facts.project_start is None:
                unknown = True
                parts.append(Reason(_("the project's start date is not given yet")))
            else:
                failed = failed or facts.project_start < limit
                parts.append(
                    Reason(
                        _("starts %(date)s, at the earliest %(limit)s"),
                        date=facts.project_start,
                        limit=limit,
                    )
                )
        if parameters["latest_end"]:
            limit = parameters["latest_end"]
            if facts.project_end is None:
                unknown = True
                parts.append(Reason(_("the project's end date is not given yet")))
            else:
                failed = failed or facts.project_end > limit
                parts.append(
                    Reason(
                        _("ends %(date)s, at the latest %(limit)s"),
                        date=facts.project_end,
                        limit=limit,
                    )
                )
        return _status(failed, unknown), Reason.join(parts)


@register_kind
class SubmissionWindow(RuleKind):
    key = "submission_window"
    label = _("Application period")
    schema = Obj(
        {
            "opens": Field(Date(), help=_("The first day applications are accepted.")),
            "closes": Field(Date(), help=_("The last day applications are accepted.")),
        },
        check=_dates_ordered("opens", "closes"),
    )

    def describe(self, parameters, names):
        return Reason(
            _(
                "Applications are submitted from %(opens)s to %(closes)s "
                "(the closing day included)."
            ),
            opens=parameters["opens"],
            closes=parameters["closes"],
        )

    def evaluate(self, parameters, facts, names):
        if facts.submission_date is None:
            return NOT_CHECKABLE, Reason(_("the submission date is not known yet"))
        opens, closes = parameters["opens"], parameters["closes"]
        reason = Reason(
            _("submitted %(date)s, open %(opens)s–%(closes)s"),
            date=facts.submission_date,
            opens=opens,
            closes=closes,
        )
        return _status(not (opens <= facts.submission_date <= closes)), reason
