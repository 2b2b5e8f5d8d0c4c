"""Factories for twin and peer links, made through the twinning services."""

from __future__ import annotations

import datetime

from kraftsamla.core.access import SYSTEM
from kraftsamla.twinning import services
from kraftsamla.twinning.models import LinkKind, LinkRole, TwinLink


def link_create(
    organisation,
    partners,
    *,
    kind: str = LinkKind.PIONEER_TWIN,
    role: str = LinkRole.PIONEER,
    programme=None,
    start_date: datetime.date = datetime.date(2025, 1, 1),
    end_date: datetime.date | None = None,
    actor=SYSTEM,
) -> TwinLink:
    """A link of `organisation` (in `role`) with `partners`, written by `link_create`."""
    return services.link_create(
        actor=actor,
        organisation=organisation,
        kind=kind,
        role=role,
        partners=list(partners),
        programme=programme,
        start_date=start_date,
        end_date=end_date,
    )
