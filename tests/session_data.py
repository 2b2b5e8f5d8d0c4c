"""The session's data (reference data, demo data), copied once and written back after a flush.

Tests with a transactional database (the browser tests' live server) end with every table
flushed. Their first one copies every row the session loaded; they write the same rows
back before they run, and `tests/conftest.py` writes them back after the last of a run of
transactional tests, so that the tests after them find the session's data again (with
pytest-xdist a worker may run ordinary tests after browser tests). Writing the rows back
takes a fraction of a second instead of the seconds the real loaders take.
"""

from __future__ import annotations

# Every row of the session's data (reference data, demo data and whatever tests/conftest.py
# loads), copied once straight after the real loaders ran, as (model, columns, rows).
_snapshot: list[tuple[type, list[str], list[tuple]]] | None = None
# Content types and permissions are written again by Django after each flush (post_migrate);
# sessions and the admin log belong to one test. None of them is copied.
_SKIPPED_TABLE_APPS = {"contenttypes", "sessions", "admin"}


def _snapshot_models() -> list[type]:
    from django.apps import apps

    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.app_label not in _SKIPPED_TABLE_APPS
        and model._meta.label != "auth.Permission"
    ]


def _take_snapshot() -> list[tuple[type, list[str], list[tuple]]]:
    from django.db import connection

    qn = connection.ops.quote_name
    # On PostgreSQL read every value as text: psycopg passes text back untyped, so the
    # server converts it to the column's type (JSON, dates, decimals) on the way in.
    cast = "::text" if connection.vendor == "postgresql" else ""
    snapshot = []
    with connection.cursor() as cursor:
        for model in _snapshot_models():
            columns = [f.column for f in model._meta.local_concrete_fields]
            cursor.execute(
                f"SELECT {', '.join(qn(c) + cast for c in columns)} FROM {qn(model._meta.db_table)}"
            )
            rows = cursor.fetchall()
            if rows:
                snapshot.append((model, columns, rows))
    return snapshot


def _restore_snapshot(snapshot) -> None:
    from django.core.management.color import no_style
    from django.db import connection, transaction

    qn = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        # Foreign keys are deferred to the commit, so the order of the tables does not matter.
        for model, columns, rows in snapshot:
            # Rows a post_migrate handler may have written after the flush are replaced.
            table = qn(model._meta.db_table)
            column_list = ", ".join(qn(c) for c in columns)
            cursor.execute(f"DELETE FROM {table}")
            if connection.vendor == "postgresql":
                # COPY is several times faster than INSERT for the 26 000 emission rows.
                with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})", rows
                )
        for sql in connection.ops.sequence_reset_sql(no_style(), [m for m, _, _ in snapshot]):
            cursor.execute(sql)


def session_data_restore() -> None:
    """Make the database hold the session's data again (copying it on the first call).

    Demo passwords are set again with the (fast) hasher the tests use.
    """
    global _snapshot
    from kraftsamla.accounts.models import User
    from kraftsamla.core.demo import demo_data_load
    from kraftsamla.organisations.demo import DEMO_PASSWORD, DEMO_USERS
    from kraftsamla.organisations.models import Organisation, OrganisationKind
    from kraftsamla.organisations.reference import reference_data_load

    if _snapshot is not None:
        _restore_snapshot(_snapshot)
        return
    if not Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY).exists():
        reference_data_load()
        demo_data_load(skip=("capacity", "support"))
    for user in User.objects.filter(email__in=[u.email for u in DEMO_USERS]):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    _snapshot = _take_snapshot()


def session_data_copied() -> bool:
    return _snapshot is not None
