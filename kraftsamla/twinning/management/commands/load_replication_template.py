"""Load a version of the replication plan's template from a JSON file (idempotent)."""

from pathlib import Path

from django.core.management.base import BaseCommand

from kraftsamla.core.access import SYSTEM
from kraftsamla.twinning.services import replication_template_load


class Command(BaseCommand):
    help = "Load a replication-plan template version (default: the one shipped with the app)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="a template JSON file")

    def handle(self, *args, **options):
        path = Path(options["path"]) if options["path"] else None
        template = replication_template_load(actor=SYSTEM, path=path)
        self.stdout.write(self.style.SUCCESS(f"Template version {template.version} is loaded."))
