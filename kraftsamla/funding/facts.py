"""What the rules engine knows about an application: plain, frozen data.

The rules (`rules.py`) read only these dataclasses, never the database, so an
application workspace, the API's "evaluate these facts" endpoint and the tests build
the same `ApplicationFacts` and get the same outcomes. Amounts are `Decimal` SEK;
`None` means "not given yet" (a rule that needs it is then not yet checkable), which
is different from zero.

The roles and attachment types follow Viable Cities' call for new climate-neutral
cities, wave 3, as Mjölby's working committee describes it (2024-05-20, § 77): a
coordinating pioneer city, twin cities, other parties, and a support letter signed by
each twin city's political leadership (source document 000_44f85679241c7aca).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class PartyRole(models.TextChoices):
    """A party's role in a joint application."""

    COORDINATOR = "coordinator", _("Coordinator")
    PARTY = "party", _("Party")
    TWIN_CITY = "twin_city", _("Twin city")
    PIONEER_CITY = "pioneer_city", _("Pioneer city")
    PARTNER = "partner", _("Partner")


class AttachmentType(models.TextChoices):
    SUPPORT_LETTER = "support_letter", _("Support letter")
    LETTER_OF_INTENT = "letter_of_intent", _("Letter of intent")
    CV = "cv", _("CV")
    BUDGET_SHEET = "budget_sheet", _("Budget sheet")
    OTHER = "other", _("Other attachment")


class SignerRole(models.TextChoices):
    """Who signed a letter, as a call may ask (a support letter from the political leadership)."""

    POLITICAL_LEADERSHIP = "political_leadership", _("Political leadership")
    MANAGEMENT = "management", _("Management")
    OTHER = "other", _("Someone else")


def activity_key(name: str) -> str:
    """Compare activity names as people write them: case and spacing do not matter."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class AttachmentFact:
    """An attachment: its type and, for a letter, the role of the person who signed it."""

    type: str
    signer_role: str = ""
    name: str = ""


@dataclass(frozen=True)
class PartyFact:
    """One party: who it is, its role, its own budget and its attachments.

    `member_of` holds the slugs of the bodies whose membership is in force for the
    organisation (empty when it is not in the register). `allocations` maps a named
    activity (e.g. "Transition Lab") to the part of the party's budget set aside for it.
    """

    name: str
    role: str
    actor_group: str | None = None
    organisation_id: int | None = None
    slug: str = ""
    member_of: frozenset[str] = frozenset()
    support: Decimal | None = None
    cofunding_money: Decimal | None = None
    cofunding_time: Decimal | None = None
    allocations: Mapping[str, Decimal] = field(default_factory=dict)
    attachments: tuple[AttachmentFact, ...] = ()

    @property
    def key(self) -> str:
        """What makes two parties the same party (the organisation, else the name)."""
        if self.organisation_id is not None:
            return f"id:{self.organisation_id}"
        return f"slug:{self.slug}" if self.slug else f"name:{self.name.strip().casefold()}"

    @property
    def own_budget(self) -> Decimal | None:
        """Co-funding in money and time together; None when neither is known."""
        if self.cofunding_money is None and self.cofunding_time is None:
            return None
        return (self.cofunding_money or Decimal(0)) + (self.cofunding_time or Decimal(0))

    @property
    def budget_known(self) -> bool:
        return self.support is not None or self.own_budget is not None or bool(self.allocations)

    @property
    def total(self) -> Decimal | None:
        """Support requested plus own budget; None when nothing is known."""
        parts = [self.support, self.cofunding_money, self.cofunding_time]
        if all(part is None for part in parts):
            return None
        return sum((part or Decimal(0) for part in parts), Decimal(0))

    def allocated(self, activity: str) -> Decimal:
        """Return what the party allocated to `activity` (0 when nothing)."""
        wanted = activity_key(activity)
        return sum(
            (amount for name, amount in self.allocations.items() if activity_key(name) == wanted),
            Decimal(0),
        )


@dataclass(frozen=True)
class ApplicationFacts:
    """Everything the rules check about one application.

    `support_requested` and `total_budget` may be given; when they are not, they are
    the sums over the parties (None if no party has a figure yet).
    """

    parties: tuple[PartyFact, ...] = ()
    attachments: tuple[AttachmentFact, ...] = ()
    support_requested: Decimal | None = None
    total_budget: Decimal | None = None
    project_start: datetime.date | None = None
    project_end: datetime.date | None = None
    submission_date: datetime.date | None = None

    def with_role(self, role: str) -> list[PartyFact]:
        return [party for party in self.parties if party.role == role]

    def distinct_parties(self) -> list[PartyFact]:
        """The parties, each organisation counted once."""
        seen: dict[str, PartyFact] = {}
        for party in self.parties:
            seen.setdefault(party.key, party)
        return list(seen.values())

    def support_total(self) -> Decimal | None:
        if self.support_requested is not None:
            return self.support_requested
        known = [party.support for party in self.parties if party.support is not None]
        return sum(known, Decimal(0)) if known else None

    def budget_total(self) -> Decimal | None:
        if self.total_budget is not None:
            return self.total_budget
        known = [party.total for party in self.parties if party.total is not None]
        return sum(known, Decimal(0)) if known else None
