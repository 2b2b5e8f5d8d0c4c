"""Import indicator values (CSV, XLSX or Kolada JSON) or a municipality's own emission
figures (CSV or XLSX, with --emissions), for scripted use."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import SharingLevel
from kraftsamla.followup import imports, selectors, services
from kraftsamla.followup.models import ImportKind, IndicatorDefinition


class Command(BaseCommand):
    help = (
        "Import indicator values from a CSV or XLSX file (columns guessed from the header, "
        "as on the preview page) or from a Kolada API response (JSON, v2 or v3 pages). "
        "With --emissions, the CSV or XLSX file holds emission figures in tonnes CO2e "
        "(a sector column, or totals). "
        "Nothing is written if a row is bad, unless --skip-bad-rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, nargs="?", help="The file (or use --kolada).")
        parser.add_argument(
            "--kolada",
            default="",
            metavar="KPI",
            help="Fetch the KPI's values from the Kolada API (KRAFTSAMLA_KOLADA_BASE_URL) "
            "instead of reading a file; give the years with --years.",
        )
        parser.add_argument("--years", default="", help="For --kolada, e.g. 2020,2021,2022.")
        parser.add_argument(
            "--indicator",
            default="",
            help="The Kolada KPI (e.g. N00401) or id of the indicator, for CSV/XLSX files "
            "without a KPI column.",
        )
        parser.add_argument(
            "--emissions",
            action="store_true",
            help="The file holds emission figures (tonnes CO2e), not indicator values.",
        )
        parser.add_argument("--source", default="")
        parser.add_argument("--sharing", choices=SharingLevel.values, default=SharingLevel.PUBLIC)
        parser.add_argument("--skip-bad-rows", action="store_true")
        parser.add_argument("--dry-run", action="store_true", help="Check the file only.")

    def _indicator(self, key: str) -> IndicatorDefinition | None:
        if not key:
            return None
        found = IndicatorDefinition.objects.filter(
            **({"pk": int(key)} if key.isdigit() else {"kolada_kpi": key.upper()})
        ).first()
        if found is None:
            raise CommandError(f"No indicator {key}.")
        return found

    def _kolada(self, kpi: str, years: str) -> list[dict]:
        try:
            wanted = [int(year) for year in years.split(",") if year.strip()]
        except ValueError as exc:
            raise CommandError("--years takes years separated by commas.") from exc
        if not wanted:
            raise CommandError("--kolada needs --years.")
        try:
            return imports.kolada_fetch(imports.kolada_url(kpi.upper(), wanted))
        except imports.UnreadableFile as exc:
            raise CommandError(str(exc)) from exc

    def handle(self, *args, **options):
        path: Path | None = options["file"]
        if options["kolada"]:
            plan = selectors.kolada_plan(SYSTEM, self._kolada(options["kolada"], options["years"]))
            self._import(plan, f"Kolada {options['kolada'].upper()}", options)
            return
        if path is None:
            raise CommandError("Give a file, or --kolada KPI --years ….")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        try:
            if options["emissions"]:
                rows = imports.read_rows(data, path.name)
                plan = selectors.table_plan(
                    SYSTEM, rows, imports.guess_mapping(rows), None, kind=ImportKind.EMISSIONS
                )
            elif data.lstrip(b"\xef\xbb\xbf \r\n\t")[:1] in (b"{", b"["):
                plan = selectors.kolada_plan(SYSTEM, data)
            else:
                rows = imports.read_rows(data, path.name)
                plan = selectors.table_plan(
                    SYSTEM,
                    rows,
                    imports.guess_mapping(rows),
                    self._indicator(options["indicator"]),
                )
        except imports.UnreadableFile as exc:
            raise CommandError(str(exc)) from exc
        self._import(plan, path.name, options)

    def _import(self, plan, file_name: str, options) -> None:
        for problem in plan.problems:
            self.stderr.write(
                f"row {problem.row}, column {problem.column or '-'}: {problem.reason}"
            )
        self.stdout.write(
            f"{plan.rows_read} rows read, {len(plan.values)} values, {len(plan.bad_rows)} bad rows"
            + (f", {plan.subsector_rows} sub-sector rows left out." if plan.subsector_rows else ".")
        )
        if options["dry_run"]:
            return
        try:
            batch = services.values_import(
                actor=SYSTEM,
                plan=plan,
                file_name=file_name,
                source=options["source"],
                sharing_level=options["sharing"],
                skip_bad_rows=options["skip_bad_rows"],
            )
        except ValidationError as exc:
            raise CommandError("Nothing was imported: " + "; ".join(exc.messages[:5])) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Imported {batch.rows_written} values (import {batch.pk}).")
        )
