"""Round numbers for display the way people expect: half up (42,5 → 43), never to even."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def round_half_up(value: float | int | Decimal, decimals: int = 0) -> Decimal:
    """Round to `decimals` places with halves away from zero (2,45 → 2,5; −0,5 → −1).

    Python's round() rounds halves to even (round(42.5) == 42) and works on the binary
    value (round(2.45, 1) == 2.5 only by luck); going through the decimal text of the
    number gives the result a reader of the unrounded figure expects.
    """
    number = Decimal(str(value))
    if not number.is_finite():
        return number
    # Adding zero turns a rounded −0 into 0, so −0,4 shows as 0.
    return number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP) + 0


# Spaces people and our own formatting put between thousands: space, no-break, narrow no-break.
_THOUSANDS_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009")


def parse_decimal(text: str) -> Decimal | None:
    """Read a number as Swedish and English writers write it; None when it is not one.

    "1 000 000,50", "1000000.50", "1 000 000" and "−5" are understood: spaces between
    thousands are dropped and a decimal comma is a decimal point. With both a comma and
    a point ("1.000.000,50") the points separate thousands. A unit ("kr", "SEK") is not a
    number: writers leave it out, the label says it.
    """
    value = text.strip().translate(_THOUSANDS_SPACES).replace("\u2212", "-")
    if "," in value:
        if value.count(",") > 1:
            return None
        value = value.replace(".", "").replace(",", ".")
    if not value or not all(char.isdigit() or char in "+-." for char in value):
        return None
    try:
        number = Decimal(value)
    except (ArithmeticError, ValueError):
        return None
    return number if number.is_finite() else None
