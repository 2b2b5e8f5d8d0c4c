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
