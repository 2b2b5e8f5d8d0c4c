"""Undo a finished import of indicator values, for scripted use."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kraftsamla.core.access import SYSTEM
from kraftsamla.followup import services
from kraftsamla.followup.models import ImportBatch


class Command(BaseCommand):
    help = "Undo an import: remove the values it added and restore those it replaced."

    def add_arguments(self, parser):
        parser.add_argument("batch", type=int, help="The import's number.")

    def handle(self, *args, **options):
        batch = ImportBatch.objects.filter(pk=options["batch"]).first()
        if batch is None:
            raise CommandError(f"No import {options['batch']}.")
        try:
            services.import_undo(actor=SYSTEM, batch=batch)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Import {batch.pk} was undone."))
