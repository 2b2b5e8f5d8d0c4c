"""Delete the uploads of import previews never finished (run daily from cron or a timer)."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kraftsamla.core.access import SYSTEM
from kraftsamla.followup.services import import_uploads_clear


class Command(BaseCommand):
    help = (
        "Delete uploaded import files older than KRAFTSAMLA_IMPORT_UPLOAD_MAX_AGE_HOURS "
        "whose preview was never finished; files of running background imports stay."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours",
            type=int,
            default=None,
            help="Delete files older than this many hours (default: the setting, 24).",
        )

    def handle(self, *args, **options):
        hours = options["hours"]
        if hours is None:
            hours = settings.KRAFTSAMLA_IMPORT_UPLOAD_MAX_AGE_HOURS
        if hours < 1:
            raise CommandError("--hours must be at least 1.")
        n = import_uploads_clear(actor=SYSTEM, older_than=datetime.timedelta(hours=hours))
        self.stdout.write(self.style.SUCCESS(f"Deleted {n} import upload(s) older than {hours} h."))
