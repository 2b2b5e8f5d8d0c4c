"""A programme's meetings and module deadlines as an iCalendar (.ics) document.

Written with the `icalendar` library (RFC 5545: escaping, line folding, UTC times), imported
here only, so the rest of the app does not need it.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

UID_DOMAIN = "kraftsamla"


def programme_calendar(programme, modules, meetings) -> bytes:
    """Return the calendar: one event per meeting, one all-day event per module's last day."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//Kraftsamla//Twinning//SV")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", str(programme.title))
    stamp = timezone.now()
    site = getattr(settings, "SITE_URL", "")
    for meeting in meetings:
        event = Event()
        event.add("uid", f"twinning-meeting-{meeting.pk}@{UID_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("dtstart", meeting.starts_at.astimezone(datetime.UTC))
        event.add("dtend", meeting.ends_at.astimezone(datetime.UTC))
        event.add("summary", meeting.title)
        if meeting.place:
            event.add("location", meeting.place)
        event.add("categories", [str(meeting.get_kind_display())])
        if meeting.agenda:
            event.add("description", meeting.agenda)
        if site:
            event.add("url", f"{site}/tvillingstader/program/{programme.pk}/")
        calendar.add_component(event)
    for module in modules:
        event = Event()
        event.add("uid", f"twinning-module-{module.pk}@{UID_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("dtstart", module.end_date)
        event.add("dtend", module.end_date + datetime.timedelta(days=1))
        event.add(
            "summary",
            _("Module %(order)s ends: %(title)s") % {"order": module.order, "title": module.title},
        )
        calendar.add_component(event)
    return calendar.to_ical()
