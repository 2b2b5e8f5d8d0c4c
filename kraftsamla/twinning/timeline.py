"""Draw a programme's timeline as server-side SVG: modules as bars, meetings as markers.

The page shows the same facts in a table beside it, so the chart adds no fact of its own.
"""

from __future__ import annotations

import datetime

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH, ROW, LABEL_W, FONT = 720.0, 30.0, 210.0, 13
DONE_FILL, OPEN_FILL, MEETING_FILL, INK = "#2c6e49", "#ffffff", "#1d4e89", "#1a1a1a"


def programme_end(start: datetime.date, months: int) -> datetime.date:
    """The day before the same date `months` later (end of the month where it does not exist)."""
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    day = start.day
    while True:
        try:
            return datetime.date(year, month, day) - datetime.timedelta(days=1)
        except ValueError:
            day -= 1


def timeline_svg(
    *,
    title: str,
    start: datetime.date,
    end: datetime.date,
    modules: list,
    meetings: list,
    today: datetime.date,
) -> SafeString:
    """Return the SVG: one row per module (filled when done), one row of meetings, today."""
    span = max((end - start).days, 1)
    plot = WIDTH - LABEL_W - 10

    def x(day: datetime.date) -> float:
        days = min(max((day - start).days, 0), span)
        return LABEL_W + plot * days / span

    rows = len(modules) + 1
    height = ROW * rows + 40
    done = sum(1 for module in modules if module.done)
    description = _(
        "%(done)s of %(modules)s modules done and %(meetings)s meetings from %(start)s to %(end)s."
    ) % {
        "done": done,
        "modules": len(modules),
        "meetings": len(meetings),
        "start": start.isoformat(),
        "end": end.isoformat(),
    }
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:g} {height:g}" '
        'class="chart twin-timeline" role="img" '
        'aria-labelledby="timeline-title timeline-desc">'
        f'<title id="timeline-title">{escape(title)}</title>'
        f'<desc id="timeline-desc">{escape(description)}</desc><g font-size="{FONT}">'
    ]
    for index, module in enumerate(modules):
        y = ROW * index + 6
        label = f"{module.order}. {module.title}"
        state = _("done") if module.done else _("not done")
        parts.append(
            f'<text x="4" y="{y + 14:.1f}" fill="{INK}">{escape(label[:30])}</text>'
            f'<rect x="{x(module.start_date):.1f}" y="{y:.1f}" '
            f'width="{max(x(module.end_date) - x(module.start_date), 2):.1f}" height="18" '
            f'fill="{DONE_FILL if module.done else OPEN_FILL}" stroke="{INK}">'
            f"<title>{escape(label)}: {escape(state)}</title></rect>"
        )
        if module.done:
            parts.append(
                f'<text x="{x(module.start_date) + 4:.1f}" y="{y + 14:.1f}" fill="#ffffff">'
                f"{escape(state)}</text>"
            )
    y = ROW * len(modules) + 6
    parts.append(f'<text x="4" y="{y + 14:.1f}" fill="{INK}">{escape(_("Meetings"))}</text>')
    for meeting in meetings:
        cx = x(meeting.starts_at.date())
        parts.append(
            f'<path d="M{cx:.1f},{y:.1f} l8,9 l-8,9 l-8,-9 z" fill="{MEETING_FILL}">'
            f"<title>{escape(meeting.title)} {meeting.starts_at.date().isoformat()}</title></path>"
        )
    axis_y = ROW * rows + 10
    parts.append(
        f'<line x1="{LABEL_W:.1f}" y1="{axis_y:.1f}" x2="{LABEL_W + plot:.1f}" y2="{axis_y:.1f}" '
        f'stroke="{INK}"/>'
        f'<text x="{LABEL_W:.1f}" y="{axis_y + 18:.1f}" fill="{INK}">{start.isoformat()}</text>'
        f'<text x="{LABEL_W + plot:.1f}" y="{axis_y + 18:.1f}" text-anchor="end" fill="{INK}">'
        f"{end.isoformat()}</text>"
    )
    if start <= today <= end:
        tx = x(today)
        parts.append(
            f'<line x1="{tx:.1f}" y1="0" x2="{tx:.1f}" y2="{axis_y:.1f}" stroke="#a4262c" '
            f'stroke-dasharray="4 3"/><text x="{tx + 3:.1f}" y="{axis_y - 4:.1f}" '
            f'fill="#a4262c">{escape(_("today"))}</text>'
        )
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text part escaped above
