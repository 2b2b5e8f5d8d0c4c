"""Amounts written the Swedish way: "1 000 000,50" is understood in forms (core/numbers.py,
core/forms.py), and the call form's rules field reports problems with their paths."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django import forms
from django.utils import translation

from kraftsamla.core.forms import SwedishDecimalField
from kraftsamla.core.numbers import parse_decimal
from kraftsamla.funding.forms import RulesField


@pytest.mark.parametrize(
    "text, number",
    [
        ("1 000 000,50", Decimal("1000000.50")),
        ("1000000.50", Decimal("1000000.50")),
        ("1 000 000", Decimal(1000000)),
        ("1\u00a0000\u202f000,5", Decimal("1000000.5")),  # no-break and narrow no-break spaces
        ("1.000.000,50", Decimal("1000000.50")),  # points between thousands
        ("  42 ", Decimal(42)),
        ("−5", Decimal(-5)),  # a real minus sign
        ("0,5", Decimal("0.5")),
    ],
)
def test_parse_decimal_understands_how_people_write_numbers(text, number):
    assert parse_decimal(text) == number


@pytest.mark.parametrize("text", ["", "en miljon", "1,000,000", "1e6", "5 kr", "1,2,3", "-", "NaN"])
def test_parse_decimal_refuses_what_is_not_a_number(text):
    assert parse_decimal(text) is None


class AmountForm(forms.Form):
    amount = SwedishDecimalField(
        required=False, min_value=Decimal(0), max_digits=14, decimal_places=2
    )


@pytest.mark.parametrize(
    "text, value",
    [("1 000 000,50", Decimal("1000000.50")), ("3000000", Decimal(3000000)), ("", None)],
)
def test_the_field_cleans_swedish_amounts(text, value):
    form = AmountForm({"amount": text})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == value


@pytest.mark.parametrize("text", ["en miljon", "-1", "1,005", "1 000 000 000 000 000"])
def test_the_field_refuses_bad_amounts_with_a_field_error(text):
    form = AmountForm({"amount": text})
    assert not form.is_valid()
    assert "amount" in form.errors


def test_the_field_shows_its_value_the_swedish_way():
    form = AmountForm(initial={"amount": Decimal("1000000.50")})
    html = str(form["amount"])
    assert 'value="1 000 000,50"' in html and 'inputmode="decimal"' in html
    assert 'type="text"' in html
    assert 'value="3 000 000"' in str(AmountForm(initial={"amount": Decimal(3000000)})["amount"])


def test_the_rules_field_lists_every_problem_with_its_path():
    field = RulesField()
    rules = [
        {"kind": "min_parties", "parameters": {"minimum": "four"}},
        {"kind": "coordinator", "parameters": {}},
        {"kind": "nope"},
    ]
    with translation.override("en"), pytest.raises(forms.ValidationError) as raised:
        field.clean(json.dumps(rules))
    messages = raised.value.messages
    assert "rules[0].parameters.minimum: must be a whole number" in messages
    assert "rules[1].parameters: give at least one of: organisations, member_of" in messages
    assert any(
        message.startswith("rules[2].kind: unknown rule kind “nope”") for message in messages
    )
    assert field.clean("") == []
