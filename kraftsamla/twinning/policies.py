"""Who may match municipalities and record twin and peer links.

The matching reads public reference data and, for themes and capital profiles, only
what the person may already see (the support, projects and capacity policies decide);
any logged-in person may run it. Links are a public register, like memberships; the
administrators and editors of a municipality in the link (or staff) record and end them.
"""

from kraftsamla.core.access import IsStaff, LoggedIn, Policy, register


@register
class MatchingPolicy(Policy):
    """Matching for a municipality (the object is the municipality)."""

    name = "twinning.matching"
    rules = {"view": IsStaff() | LoggedIn()}
