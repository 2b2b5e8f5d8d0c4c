"""A small schema language for JSON data: rule parameters and the call document.

Each spec cleans one value (dates become `date`, amounts `Decimal`) and reports every
problem it finds as a `Problem` with the path of the value ("rules[2].parameters.minimum")
instead of stopping at the first, so a person importing a call sees all that is wrong
at once. Nothing here touches the database: the rules engine and the import share it.

We write our own rather than use JSON Schema (the `jsonschema` package is only a test
dependency here): the specs also clean values into Python types, give translated
messages and describe themselves for the call page and the API.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kraftsamla.core.translation import LANGUAGES, PRIMARY_LANGUAGE

SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Amounts in SEK: at most twelve digits before the decimal mark and two after.
AMOUNT_MAX = Decimal("999999999999.99")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a value: where (`path`) and what (`message`, translated)."""

    path: str
    template: str | Promise
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        text = str(self.template)
        return text % dict(self.params) if self.params else text

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class Invalid(Exception):
    """Raised with every problem of a value, when a caller wants an exception."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = list(problems)


def child(path: str, name: str | int) -> str:
    """Return the path of a field (`a.b`) or list item (`a[2]`) below `path`."""
    if isinstance(name, int):
        return f"{path}[{name}]"
    return f"{path}.{name}" if path else name


class Spec:
    """How one value must look; `clean` returns it cleaned, or None after adding problems."""

    def clean(self, value: Any, path: str, problems: list[Problem]) -> Any:
        raise NotImplementedError

    def to_json(self, value: Any) -> Any:
        """Return a cleaned value as it is written in a JSON document."""
        return value

    def describe(self) -> dict[str, Any]:
        """Return a JSON-Schema-like description (for the API and the help texts)."""
        raise NotImplementedError


class Integer(Spec):
    def __init__(self, *, minimum: int | None = None, maximum: int | None = None) -> None:
        self.minimum, self.maximum = minimum, maximum

    def clean(self, value, path, problems):
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(Problem(path, _("must be a whole number")))
            return None
        return _bounded(value, self.minimum, self.maximum, path, problems)

    def describe(self):
        return _with_bounds({"type": "integer"}, self.minimum, self.maximum)


class Amount(Spec):
    """An amount in SEK: a JSON number (or a text with a decimal point), at most two decimals."""

    def __init__(self, *, minimum: Decimal | int = 0, maximum: Decimal | int = AMOUNT_MAX) -> None:
        self.minimum, self.maximum = Decimal(minimum), Decimal(maximum)

    def clean(self, value, path, problems):
        amount = _decimal(value)
        if (
            amount is not None
            and _bounded(amount, self.minimum, self.maximum, path, problems) is None
        ):
            return None
        cents = amount.quantize(CENT) if amount is not None else None
        if cents is None or cents != amount:
            problems.append(Problem(path, _("must be a number with at most two decimals")))
            return None
        # Whole kronor are kept without decimals, so they read "3000000", not "3000000.00".
        return cents if cents != cents.to_integral_value() else cents.quantize(Decimal(1))

    def to_json(self, value):
        if value is None:
            return None
        return int(value) if value == value.to_integral_value() else float(value)

    def describe(self):
        return _with_bounds({"type": "number"}, self.minimum, self.maximum)


def _decimal(value) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _bounded(value, minimum, maximum, path, problems):
    if minimum is not None and value < minimum:
        problems.append(Problem(path, _("must be at least %(minimum)s"), {"minimum": minimum}))
        return None
    if maximum is not None and value > maximum:
        problems.append(Problem(path, _("must be at most %(maximum)s"), {"maximum": maximum}))
        return None
    return value


def _with_bounds(schema: dict, minimum, maximum) -> dict:
    if minimum is not None:
        schema["minimum"] = minimum if isinstance(minimum, int) else float(minimum)
    if maximum is not None:
        schema["maximum"] = maximum if isinstance(maximum, int) else float(maximum)
    return schema


class Date(Spec):
    """A calendar date written YYYY-MM-DD."""

    def clean(self, value, path, problems):
        if isinstance(value, str) and DATE.match(value):
            try:
                return datetime.date.fromisoformat(value)
            except ValueError:
                pass
        problems.append(Problem(path, _("must be a date written YYYY-MM-DD")))
        return None

    def to_json(self, value):
        return value.isoformat() if value is not None else None

    def describe(self):
        return {"type": "string", "format": "date"}


class Text(Spec):
    def __init__(self, *, max_length: int, blank: bool = True) -> None:
        self.max_length, self.blank = max_length, blank

    def clean(self, value, path, problems):
        if not isinstance(value, str):
            problems.append(Problem(path, _("must be a text")))
            return None
        value = value.strip()
        if not value and not self.blank:
            problems.append(Problem(path, _("must not be empty")))
            return None
        if len(value) > self.max_length:
            problems.append(
                Problem(path, _("at most %(limit)s characters"), {"limit": self.max_length})
            )
            return None
        return value

    def describe(self):
        schema = {"type": "string", "maxLength": self.max_length}
        if not self.blank:
            schema["minLength"] = 1
        return schema


class Slug(Spec):
    """The slug of an organisation in the register (portable between installations)."""

    def clean(self, value, path, problems):
        if not isinstance(value, str) or not SLUG.match(value) or len(value) > 120:
            problems.append(Problem(path, _("must be an organisation's slug, e.g. linkoping")))
            return None
        return value

    def describe(self):
        return {"type": "string", "pattern": SLUG.pattern, "maxLength": 120}


class Choice(Spec):
    def __init__(self, values: Sequence[str]) -> None:
        self.values = list(values)

    def clean(self, value, path, problems):
        if value not in self.values:
            problems.append(
                Problem(path, _("must be one of: %(values)s"), {"values": ", ".join(self.values)})
            )
            return None
        return value

    def describe(self):
        return {"type": "string", "enum": self.values}


class Boolean(Spec):
    def clean(self, value, path, problems):
        if not isinstance(value, bool):
            problems.append(Problem(path, _("must be true or false")))
            return None
        return value

    def describe(self):
        return {"type": "boolean"}


class AnyObject(Spec):
    """Any JSON object, checked later by a spec chosen from its context (a rule's kind)."""

    def clean(self, value, path, problems):
        if not isinstance(value, Mapping):
            problems.append(Problem(path, _("must be an object")))
            return None
        return dict(value)

    def describe(self):
        return {"type": "object"}


class Translated(Spec):
    """Text in Swedish and English: {"sv": ..., "en": ...}, or a plain text (Swedish)."""

    def __init__(self, *, max_length: int, blank: bool = True) -> None:
        self.max_length, self.blank = max_length, blank

    def clean(self, value, path, problems):
        if isinstance(value, str):
            value = {PRIMARY_LANGUAGE: value}
        if not isinstance(value, Mapping):
            problems.append(Problem(path, _('must be a text or {"sv": …, "en": …}')))
            return None
        cleaned, ok = {}, True
        for key in value:
            if key not in LANGUAGES:
                problems.append(Problem(child(path, str(key)), _("unknown field")))
                ok = False
        for language in LANGUAGES:
            text = value.get(language, "")
            text_spec = Text(max_length=self.max_length)
            found = text_spec.clean(text, child(path, language), problems)
            ok = ok and found is not None
            cleaned[language] = found or ""
        if ok and not self.blank and not cleaned[PRIMARY_LANGUAGE]:
            problems.append(Problem(child(path, PRIMARY_LANGUAGE), _("must not be empty")))
            return None
        return cleaned if ok else None

    def to_json(self, value):
        texts = dict(getattr(value, "as_dict", lambda: value)() or {})
        return {language: texts.get(language, "") for language in LANGUAGES}

    def describe(self):
        text = {"type": "string", "maxLength": self.max_length}
        return {"type": "object", "properties": {"sv": text, "en": text}}


class ListOf(Spec):
    def __init__(
        self,
        item: Spec,
        *,
        min_items: int = 0,
        max_items: int | None = None,
        unique: bool = False,
    ) -> None:
        self.item, self.min_items, self.max_items, self.unique = item, min_items, max_items, unique

    def clean(self, value, path, problems):
        if not isinstance(value, list):
            problems.append(Problem(path, _("must be a list")))
            return None
        if len(value) < self.min_items:
            problems.append(
                Problem(path, _("give at least %(minimum)s"), {"minimum": self.min_items})
            )
            return None
        if self.max_items is not None and len(value) > self.max_items:
            problems.append(
                Problem(path, _("give at most %(maximum)s"), {"maximum": self.max_items})
            )
            return None
        before = len(problems)
        items = [self.item.clean(item, child(path, i), problems) for i, item in enumerate(value)]
        if len(problems) > before:
            return None
        if self.unique:
            seen = []
            for i, item in enumerate(items):
                if item in seen:
                    problems.append(Problem(child(path, i), _("given twice")))
                    return None
                seen.append(item)
        return items

    def to_json(self, value):
        return [self.item.to_json(item) for item in value or []]

    def describe(self):
        schema = {"type": "array", "items": self.item.describe()}
        if self.min_items:
            schema["minItems"] = self.min_items
        if self.max_items is not None:
            schema["maxItems"] = self.max_items
        if self.unique:
            schema["uniqueItems"] = True
        return schema


@dataclass(frozen=True)
class Field:
    """A field of an object: its spec, whether it must be given, its default and meaning."""

    spec: Spec
    required: bool = True
    default: Any = None
    help: str | Promise = ""


class Obj(Spec):
    """A JSON object with known fields; unknown fields are problems, so typos are caught.

    `check(cleaned, path, problems)` adds problems about several fields together.
    """

    def __init__(
        self,
        fields: Mapping[str, Field],
        *,
        check: Callable[[dict, str, list[Problem]], None] | None = None,
    ) -> None:
        self.fields = dict(fields)
        self.check = check

    def clean(self, value, path, problems):
        if not isinstance(value, Mapping):
            problems.append(Problem(path, _("must be an object")))
            return None
        before = len(problems)
        for name in value:
            if name not in self.fields:
                problems.append(Problem(child(path, str(name)), _("unknown field")))
        cleaned = {}
        for name, spec_field in self.fields.items():
            if value.get(name) is None:
                if spec_field.required:
                    problems.append(Problem(child(path, name), _("required")))
                else:
                    cleaned[name] = spec_field.default
                continue
            cleaned[name] = spec_field.spec.clean(value[name], child(path, name), problems)
        if len(problems) > before:
            return None
        if self.check is not None:
            self.check(cleaned, path, problems)
            if len(problems) > before:
                return None
        return cleaned

    def to_json(self, value):
        return {
            name: (None if value.get(name) is None else spec_field.spec.to_json(value[name]))
            for name, spec_field in self.fields.items()
        }

    def describe(self):
        properties = {}
        for name, spec_field in self.fields.items():
            schema = spec_field.spec.describe()
            if spec_field.help:
                schema["description"] = str(spec_field.help)
            properties[name] = schema
        required = [name for name, spec_field in self.fields.items() if spec_field.required]
        schema = {"type": "object", "properties": properties, "additionalProperties": False}
        if required:
            schema["required"] = required
        return schema


def clean(spec: Spec, value: Any, path: str = "") -> Any:
    """Return the cleaned value, or raise Invalid with every problem found."""
    problems: list[Problem] = []
    cleaned = spec.clean(value, path, problems)
    if problems:
        raise Invalid(problems)
    return cleaned
