"""Load every app's clearly labelled demo data (each app's demo.py) and print a summary."""

from django.core.management.base import BaseCommand, CommandError

from kraftsamla.core.demo import demo_data_load


class Command(BaseCommand):
    help = "Create or refresh the clearly labelled demo data of every app and print demo logins."

    def handle(self, *args, **options):
        try:
            demo_data_load(report=self._report)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS("Demo data loaded (all marked as demo)."))

    def _report(self, label: str, result) -> None:
        text = str(result)
        if "\n" in text:
            self.stdout.write(f"{label}:")
            self.stdout.write(text)
        else:
            self.stdout.write(f"{label}: {text}")
