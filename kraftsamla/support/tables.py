"""Render the rows of an organisation's needs table in plain Python.

The table may hold the organisation's private needs, so it is never cached (see
`views.ORGANISATION_SECTIONS`) and is rendered on every view of the page. As for the
heatmap (`capacity/heatmap.py`), `format_html` escapes every value and costs a fraction
of a template tag per cell; the template keeps the table around the rows.
"""

from __future__ import annotations

from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from kraftsamla.capacity.models import CapitalKey, CollaborationForm
from kraftsamla.core.models import SharingLevel
from kraftsamla.support.models import Need, Priority

NO_FORM = "–"


def needs_rows(needs: list[Need]) -> SafeString:
    """Return a `<tr>` per need: capital, preferred form, need, priority, year, sharing."""
    # Choice labels translated once per table, not once per cell.
    capitals = dict(CapitalKey.choices)
    forms = dict(CollaborationForm.choices)
    priorities = dict(Priority.choices)
    levels = dict(SharingLevel.choices)
    return format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                capitals.get(need.capital, need.capital),
                forms.get(need.collaboration_form) or NO_FORM,
                need.description,
                priorities.get(need.priority, need.priority),
                need.year,
                levels.get(need.sharing_level, need.sharing_level),
            )
            for need in needs
        ),
    )
