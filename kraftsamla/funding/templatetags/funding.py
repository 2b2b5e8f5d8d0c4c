"""Template helpers of funding calls."""

from decimal import Decimal

from django import template

from kraftsamla.funding.rules import Percent, Sek

register = template.Library()


@register.filter
def sek(value):
    """Format an amount in SEK: whole kronor without decimals, else with öre ("–" if None)."""
    if value is None or value == "":
        return "–"
    return Sek(Decimal(value)).render()


@register.filter
def percent(value):
    """Format a percentage: "50 %", or "12,5 %" when it has decimals ("–" if None)."""
    if value is None or value == "":
        return "–"
    return f"{Percent(Decimal(value)).render()}\u00a0%"
