"""A call as a JSON document, so a region can share a call with another installation.

The document is versioned and holds the call and its rules; it leaves out what belongs
to one installation (who published it, who sees it, demo marks):

    {
      "format": "kraftsamla.funding.call",
      "version": 1,
      "call": {"funder": "...", "title": {"sv": "...", "en": "..."}, "opens_on": "2024-03-06",
               "closes_on": "2024-06-05", ...},
      "rules": [{"kind": "min_parties", "parameters": {"minimum": 4},
                 "source": {"sv": "...", "en": ""}, "interpretation": {"sv": "", "en": ""}}]
    }

Reading a document reports every problem with its path ("rules[2].parameters.minimum:
obligatorisk"); an unknown rule kind or a missing parameter is such a problem, and
nothing is saved while there is one. Organisations are named by slug, which the
installations share (the register's slugs come from the official names).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from kraftsamla.capacity.models import CapitalKey
from kraftsamla.core.limits import DESCRIPTION_MAX, NOTE_MAX, TITLE_MAX
from kraftsamla.funding import rules as engine
from kraftsamla.funding.models import SOURCE_MAX, Call
from kraftsamla.funding.schema import (
    Amount,
    AnyObject,
    Boolean,
    Choice,
    Date,
    Field,
    Integer,
    Invalid,
    ListOf,
    Obj,
    Problem,
    Text,
    Translated,
    child,
)
from kraftsamla.organisations.models import EmissionSector, OrganisationKind

FORMAT = "kraftsamla.funding.call"
VERSION = 1
# A call's document is a few kilobytes; anything far larger is not one.
DOCUMENT_MAX_BYTES = 200_000
RULES_MAX = 50


def _ordered(first: str, last: str, message) -> Any:
    def check(cleaned: dict, path: str, problems: list[Problem]) -> None:
        if cleaned.get(first) and cleaned.get(last) and cleaned[last] < cleaned[first]:
            problems.append(Problem(child(path, last), message))

    return check


def _call_checks(cleaned: dict, path: str, problems: list[Problem]) -> None:
    _ordered("opens_on", "closes_on", _("must not be before opens_on"))(cleaned, path, problems)
    _ordered(
        "project_start_earliest",
        "project_end_latest",
        _("must not be before project_start_earliest"),
    )(cleaned, path, problems)


# The call's fields in the document: the same names as the model's.
CALL_SPEC = Obj(
    {
        "funder": Field(Text(max_length=200, blank=False)),
        "programme": Field(Text(max_length=200), required=False, default=""),
        "title": Field(Translated(max_length=TITLE_MAX, blank=False)),
        "link": Field(Text(max_length=200), required=False, default=""),
        "summary": Field(Translated(max_length=DESCRIPTION_MAX), required=False, default={}),
        "who_may_apply": Field(Translated(max_length=DESCRIPTION_MAX), required=False, default={}),
        "applicant_kinds": Field(
            ListOf(Choice(OrganisationKind.values), unique=True), required=False, default=[]
        ),
        "opens_on": Field(Date()),
        "closes_on": Field(Date()),
        "decision_on": Field(Date(), required=False),
        "project_start_earliest": Field(Date(), required=False),
        "project_end_latest": Field(Date(), required=False),
        "max_support": Field(Amount(), required=False),
        "max_support_share": Field(Amount(maximum=100), required=False),
        "required_attachments": Field(Translated(max_length=NOTE_MAX), required=False, default={}),
        "capitals": Field(
            ListOf(Choice(CapitalKey.values), unique=True), required=False, default=[]
        ),
        "emission_sectors": Field(
            ListOf(Choice(EmissionSector.values), unique=True), required=False, default=[]
        ),
        "is_invented_example": Field(Boolean(), required=False, default=False),
    },
    check=_call_checks,
)
CALL_FIELDS = list(CALL_SPEC.fields)

RULE_SPEC = Obj(
    {
        "kind": Field(Text(max_length=40, blank=False)),
        "parameters": Field(AnyObject(), required=False, default={}),
        "source": Field(Translated(max_length=SOURCE_MAX), required=False, default={}),
        "interpretation": Field(Translated(max_length=NOTE_MAX), required=False, default={}),
    }
)

DOCUMENT_SPEC = Obj(
    {
        "format": Field(Choice([FORMAT])),
        "version": Field(Integer(minimum=1, maximum=VERSION)),
        "call": Field(CALL_SPEC),
        "rules": Field(ListOf(RULE_SPEC, max_items=RULES_MAX), required=False, default=[]),
    }
)


def rules_clean(rules: Any, path: str = "rules") -> list[dict]:
    """Return the rules with their parameters cleaned and written out in full.

    Raises Invalid with every problem: the rules' shape, an unknown kind, a missing or
    unknown parameter, each with its path.
    """
    problems: list[Problem] = []
    shaped = ListOf(RULE_SPEC, max_items=RULES_MAX).clean(rules, path, problems)
    if shaped is None:
        raise Invalid(problems)
    cleaned = []
    for index, rule in enumerate(shaped):
        parameters_path = child(child(path, index), "parameters")
        parameters, found = engine.parameters_clean(
            rule["kind"], rule["parameters"], parameters_path
        )
        problems += found
        if parameters is not None:
            kind = engine.KINDS[rule["kind"]]
            cleaned.append({**rule, "parameters": kind.schema.to_json(parameters)})
    if problems:
        raise Invalid(problems)
    return cleaned


def document_read(raw: bytes | str | Mapping) -> tuple[dict, list[dict]]:
    """Return (call fields, rules) from a document; raise Invalid with every problem."""
    if isinstance(raw, bytes | str):
        if len(raw) > DOCUMENT_MAX_BYTES:
            raise Invalid([Problem("", _("The file is too large for a call's document."))])
        try:
            raw = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise Invalid(
                [Problem("", _("The file is not valid JSON: %(error)s"), {"error": str(exc)})]
            ) from None
    problems: list[Problem] = []
    document = DOCUMENT_SPEC.clean(raw, "", problems)
    if document is None:
        raise Invalid(problems)
    return document["call"], rules_clean(document["rules"])


def call_document(call: Call) -> dict:
    """Return the call and its rules as a document (load the rules with `call_page`)."""
    values = {name: getattr(call, name) for name in CALL_FIELDS}
    return {
        "format": FORMAT,
        "version": VERSION,
        "call": CALL_SPEC.to_json(values),
        "rules": [
            RULE_SPEC.to_json(
                {
                    "kind": rule.kind,
                    "parameters": rule.parameters,
                    "source": rule.source,
                    "interpretation": rule.interpretation,
                }
            )
            for rule in call.rules.all()
        ],
    }


def rules_text(rules: Sequence[Mapping]) -> str:
    """Write rules as the JSON that the call form's rules field shows."""
    return json.dumps(
        [RULE_SPEC.to_json(dict(rule)) for rule in rules], ensure_ascii=False, indent=2
    )
