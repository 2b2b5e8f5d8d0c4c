"""Create the demo organisations, links and users, and print the demo logins."""

from django.core.management.base import BaseCommand, CommandError

from kraftsamla.organisations.demo import DEMO_PASSWORD, demo_data_load


class Command(BaseCommand):
    help = "Create or refresh the clearly labelled demo data and print demo logins."

    def handle(self, *args, **options):
        try:
            users = demo_data_load()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        from kraftsamla.capacity.demo import capacity_demo_load
        from kraftsamla.capacity.selectors import current_framework

        if current_framework() is not None:
            n = capacity_demo_load()
            self.stdout.write(f"Demo capacity assessments: {n} (invented, marked as demo).")
            from kraftsamla.support.demo import support_demo_load

            counts = support_demo_load()
            self.stdout.write(f"Demo support data: {counts} (invented, marked as demo).")
        else:
            self.stdout.write("No framework loaded: run load_framework for demo assessments.")
        self.stdout.write(self.style.SUCCESS("Demo data loaded (all marked as demo)."))
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for u in users:
            self.stdout.write(f"  {u.email:<40} {u.description}")
