"""Enqueue reminders before twinning meetings and module deadlines (run daily from cron)."""

from django.core.management.base import BaseCommand

from kraftsamla.twinning.tasks import enqueue_reminders


class Command(BaseCommand):
    help = "Enqueue today's reminders of twinning meetings and module deadlines."

    def handle(self, *args, **options):
        n = enqueue_reminders()
        self.stdout.write(self.style.SUCCESS(f"Enqueued {n} reminder(s)."))
