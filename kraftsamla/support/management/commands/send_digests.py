"""Enqueue the weekly digest e-mails (run weekly from cron or a systemd timer)."""

from django.core.management.base import BaseCommand

from kraftsamla.support.tasks import enqueue_all_digests


class Command(BaseCommand):
    help = "Enqueue this week's digest e-mails of new support offers."

    def handle(self, *args, **options):
        n = enqueue_all_digests()
        self.stdout.write(self.style.SUCCESS(f"Enqueued {n} digest(s)."))
