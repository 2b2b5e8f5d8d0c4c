"""Load the transition-capacity framework and make it current (idempotent)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kraftsamla.capacity.models import Framework
from kraftsamla.capacity.services import framework_import
from kraftsamla.core.access import SYSTEM

DEFAULT = Path(__file__).resolve().parents[2] / "framework_data" / "framework_v1.json"


class Command(BaseCommand):
    help = "Load the transition-capacity framework from JSON (skips a version already loaded)."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=DEFAULT)

    def handle(self, *args, **options):
        try:
            data = json.loads(options["file"].read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{options['file']}: {exc}") from exc
        if Framework.objects.filter(version=data.get("version")).exists():
            self.stdout.write(f"Framework {data['version']} is already loaded.")
            return
        framework = framework_import(actor=SYSTEM, data=data)
        self.stdout.write(
            self.style.SUCCESS(
                f"Framework {framework.version} loaded with {framework.capitals.count()} capitals."
            )
        )
