"""Load or refresh municipalities, counties, population, emissions and boundaries."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kraftsamla.core.access import SYSTEM
from kraftsamla.organisations.reference import DATA_DIR, ReferenceDataError, reference_data_load


class Command(BaseCommand):
    help = "Load or refresh the reference data (idempotent; all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            type=Path,
            default=DATA_DIR,
            help="Folder with counties.csv, municipalities.csv, emissions_by_sector.csv, "
            "population_by_year.csv "
            "and municipalities.geojson (default: the files shipped with Kraftsamla).",
        )

    def handle(self, *args, **options):
        try:
            summary = reference_data_load(actor=SYSTEM, directory=options["dir"])
        except ReferenceDataError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(exc.errors)} problem(s) found; nothing was loaded.") from exc
        self.stdout.write(self.style.SUCCESS(f"Reference data: {summary}"))
