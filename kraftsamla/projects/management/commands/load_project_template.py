"""Load the project template for municipalities with small staffs (idempotent)."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kraftsamla.core.access import SYSTEM
from kraftsamla.projects.services import project_template_load_file
from kraftsamla.projects.template_file import TEMPLATE_FILE


class Command(BaseCommand):
    help = "Load the project template from JSON (skips a version already loaded)."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=TEMPLATE_FILE)

    def handle(self, *args, **options):
        path: Path = options["file"]
        try:
            template, created = project_template_load_file(actor=SYSTEM, path=path)
        except ValidationError as exc:
            lines = [f"The project template in {path} was not loaded:"]
            lines += [f"- {message}" for message in exc.messages]
            raise CommandError("\n".join(lines)) from None
        if not created:
            self.stdout.write(f"Project template {template.version} is already loaded.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Project template {template.version} loaded with "
                f"{template.steps.count()} steps and {len(template.roles)} roles."
            )
        )
