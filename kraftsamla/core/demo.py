"""Find and run each app's demo data loader, so a new app plugs in without editing others.

An app offers demo data with a module `<app>/demo.py` that defines
`load_demo() -> str | int | dict | None`; the return value is printed as the app's
summary. Loaders run in INSTALLED_APPS order, so an app's demo may build on the
demos of the apps it depends on. A loader raises RuntimeError when something it
needs is missing (e.g. reference data); the apps after it are then skipped.
Loaders write as the system actor; each load is audited by one summary row.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Iterable, Iterator

from django.apps import AppConfig, apps
from django.db import transaction

from kraftsamla.core.access import SYSTEM
from kraftsamla.core.audit import audit_record
from kraftsamla.core.models import AuditAction

DEMO_MODULE = "demo"
DEMO_FUNCTION = "load_demo"


def demo_loaders(skip: Iterable[str] = ()) -> Iterator[tuple[AppConfig, Callable]]:
    """Yield (app config, load_demo) for every installed app with a demo, in order.

    `skip` holds app labels to leave out.
    """
    skipped = set(skip)
    for config in apps.get_app_configs():
        if config.label in skipped:
            continue
        name = f"{config.name}.{DEMO_MODULE}"
        if importlib.util.find_spec(name) is None:
            continue
        loader = getattr(importlib.import_module(name), DEMO_FUNCTION, None)
        if callable(loader):
            yield config, loader


def demo_data_load(
    *, skip: Iterable[str] = (), report: Callable[[str, object], None] | None = None
) -> list[str]:
    """Run every app's demo loader in order; return the labels of the apps loaded.

    `report(label, result)` gets each loader's summary. A RuntimeError from the first
    loader propagates; from a later one it is reported and the remaining apps skipped.
    """
    loaded: list[str] = []
    for config, loader in demo_loaders(skip):
        try:
            result = _load_audited(config, loader)
        except RuntimeError as exc:
            if not loaded:
                raise
            if report is not None:
                report(config.label, f"skipped ({exc}); later demo data not loaded.")
            break
        loaded.append(config.label)
        if report is not None and result is not None:
            report(config.label, result)
    return loaded


@transaction.atomic
def _load_audited(config: AppConfig, loader: Callable):
    """Run one app's demo loader and record a summary audit row as the system actor."""
    result = loader()
    audit_record(
        actor=SYSTEM,
        action=AuditAction.LOAD,
        # "<app>.demo": the app's data version changes, so its cached pages rebuild.
        object_type=f"{config.label}.demo",
        object_repr=str(result if result is not None else config.label)[:300],
    )
    return result
