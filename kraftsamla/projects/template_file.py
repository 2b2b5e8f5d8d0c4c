"""Read and check a project template file (template_data/README.md describes the format).

`template_problems(data)` lists every problem of a parsed file with where it is, e.g.
`steps[3] (owner-assignment).title.en: This field is required.`, so the loader can
refuse the whole file with one clear report before anything is written.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kraftsamla.core.limits import CONTENT_MAX, TITLE_MAX
from kraftsamla.core.translation import LANGUAGES
from kraftsamla.projects.models import TEMPLATE_KEY_MAX, TemplatePhase

TEMPLATE_FILE = Path(__file__).resolve().parent / "template_data" / "project_template_v1.json"
# A template file is a few tens of kilobytes; anything far larger is not one.
FILE_MAX_BYTES = 1_000_000
VERSION_MAX = 20
SOURCE_MAX = 300
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# The version is part of the template page's URL.
VERSION_PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")

TOP_KEYS = {"version", "published", "title", "introduction", "source", "roles", "steps"}
ROLE_KEYS = {"key", "name", "description"}
STEP_KEYS = {"key", "phase", "role", "involves", "title", "guidance"}
PHASES = list(TemplatePhase.values)


def template_file_read(path: Path) -> dict:
    """Return the parsed file; a ValidationError naming the file if it cannot be read."""
    try:
        size = path.stat().st_size
        if size > FILE_MAX_BYTES:
            raise ValidationError(
                _("%(file)s: the file is %(size)d bytes; the limit is %(limit)d bytes.")
                % {"file": path.name, "size": size, "limit": FILE_MAX_BYTES}
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError(_("%(file)s: the file is missing.") % {"file": path}) from None
    except UnicodeDecodeError as exc:
        raise ValidationError(
            _("%(file)s: the file is not valid UTF-8 (byte %(pos)d).")
            % {"file": path.name, "pos": exc.start}
        ) from None
    except OSError as exc:
        raise ValidationError(
            _("%(file)s: the file cannot be read (%(error)s).")
            % {"file": path.name, "error": exc.strerror}
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            _("%(file)s: not valid JSON at line %(line)d, column %(column)d: %(error)s.")
            % {"file": path.name, "line": exc.lineno, "column": exc.colno, "error": exc.msg}
        ) from None
    return data


def template_checksum(data: Mapping[str, Any]) -> str:
    """Return a hash of the template's content, the same however the file is formatted."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class _Problems:
    def __init__(self) -> None:
        self.found: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.found.append(f"{where}: {message}")

    def unknown_keys(self, where: str, value: Mapping, allowed: set[str]) -> None:
        for name in sorted(set(value) - allowed):
            self.add(f"{where}.{name}" if where else name, _("Unknown field."))

    def text(self, where: str, value, *, limit: int, required: bool = True) -> None:
        if value is None:
            if required:
                self.add(where, _("This field is required."))
            return
        if not isinstance(value, str):
            self.add(where, _("Expected a text."))
        elif required and not value.strip():
            self.add(where, _("This field is required."))
        elif len(value) > limit:
            self.add(
                where,
                _("At most %(limit)d characters (it has %(count)d).")
                % {"limit": limit, "count": len(value)},
            )

    def translated(self, where: str, value, *, limit: int, required: bool = True) -> None:
        """Texts in Swedish and English: both written in a template file."""
        if value is None:
            if required:
                self.add(where, _("This field is required."))
            return
        if not isinstance(value, Mapping):
            self.add(where, _('Expected the texts in Swedish and English: {"sv": …, "en": …}.'))
            return
        self.unknown_keys(where, value, set(LANGUAGES))
        for language in LANGUAGES:
            self.text(f"{where}.{language}", value.get(language), limit=limit)

    def key(self, where: str, value, seen: set[str]) -> bool:
        if not isinstance(value, str) or not KEY_PATTERN.match(value):
            self.add(
                where,
                _("Expected a key of lowercase letters, digits, hyphens and underscores."),
            )
            return False
        if len(value) > TEMPLATE_KEY_MAX:
            self.add(where, _("At most %(limit)d characters.") % {"limit": TEMPLATE_KEY_MAX})
            return False
        if value in seen:
            self.add(where, _("The key “%(key)s” appears twice.") % {"key": value})
            return False
        seen.add(value)
        return True


def _label(index: int, item) -> str:
    key = item.get("key") if isinstance(item, Mapping) else None
    return f"[{index}] ({key})" if isinstance(key, str) and key else f"[{index}]"


def template_problems(data) -> list[str]:
    """Return every problem of a parsed template file (empty when it can be loaded)."""
    problems = _Problems()
    if not isinstance(data, Mapping):
        return [_("The file must hold one JSON object.")]
    problems.unknown_keys("", data, TOP_KEYS)
    version = data.get("version")
    problems.text("version", version, limit=VERSION_MAX)
    if isinstance(version, str) and version.strip() and not VERSION_PATTERN.match(version):
        problems.add("version", _("Use letters, digits, dots, hyphens and underscores only."))
    if "published" in data and not isinstance(data["published"], bool):
        problems.add("published", _("Expected true or false."))
    problems.translated("title", data.get("title"), limit=TITLE_MAX)
    problems.translated("introduction", data.get("introduction"), limit=CONTENT_MAX, required=False)
    problems.text("source", data.get("source"), limit=SOURCE_MAX)
    role_keys = _roles_check(problems, data.get("roles"))
    _steps_check(problems, data.get("steps"), role_keys)
    return problems.found


def _roles_check(problems: _Problems, roles) -> set[str]:
    keys: set[str] = set()
    if not isinstance(roles, list) or not roles:
        problems.add("roles", _("Expected a list with at least one role."))
        return keys
    for index, role in enumerate(roles):
        where = f"roles{_label(index, role)}"
        if not isinstance(role, Mapping):
            problems.add(where, _("Expected an object."))
            continue
        problems.unknown_keys(where, role, ROLE_KEYS)
        problems.key(f"{where}.key", role.get("key"), keys)
        problems.translated(f"{where}.name", role.get("name"), limit=TITLE_MAX)
        problems.translated(f"{where}.description", role.get("description"), limit=CONTENT_MAX)
    return keys


def _steps_check(problems: _Problems, steps, role_keys: set[str]) -> None:
    if not isinstance(steps, list) or not steps:
        problems.add("steps", _("Expected a list with at least one step."))
        return
    keys: set[str] = set()
    previous_phase = None
    for index, step in enumerate(steps):
        where = f"steps{_label(index, step)}"
        if not isinstance(step, Mapping):
            problems.add(where, _("Expected an object."))
            continue
        problems.unknown_keys(where, step, STEP_KEYS)
        problems.key(f"{where}.key", step.get("key"), keys)
        phase = step.get("phase")
        if phase not in PHASES:
            problems.add(
                f"{where}.phase",
                _("Unknown phase “%(phase)s”; use one of %(phases)s.")
                % {"phase": phase, "phases": ", ".join(PHASES)},
            )
        else:
            if previous_phase is not None and PHASES.index(phase) < PHASES.index(previous_phase):
                problems.add(
                    f"{where}.phase",
                    _("List the steps phase by phase: “%(phase)s” comes after “%(previous)s”.")
                    % {"phase": phase, "previous": previous_phase},
                )
            previous_phase = phase
        role = step.get("role")
        if role not in role_keys:
            problems.add(f"{where}.role", _("Unknown role “%(role)s”.") % {"role": role})
        involves = step.get("involves", [])
        if not isinstance(involves, list):
            problems.add(f"{where}.involves", _("Expected a list of role keys."))
        else:
            for other in involves:
                if other not in role_keys:
                    problems.add(
                        f"{where}.involves", _("Unknown role “%(role)s”.") % {"role": other}
                    )
        problems.translated(f"{where}.title", step.get("title"), limit=TITLE_MAX)
        problems.translated(f"{where}.guidance", step.get("guidance"), limit=CONTENT_MAX)
