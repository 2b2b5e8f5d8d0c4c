"""Joint applications: the Linköping–Mjölby demo passes every rule, variants fail each
rule with its reason, bad input is refused at the field, and party-level permissions."""

from __future__ import annotations

import pytest

from kraftsamla.funding import selectors
from kraftsamla.funding.models import Application, ApplicationStatus

pytestmark = pytest.mark.django_db


def demo_application() -> Application:
    return Application.objects.get(is_demo=True, coordinator__slug="linkoping")


def test_the_demo_application_passes_every_rule():
    application = selectors.application_page(demo_application())
    outcomes = selectors.application_evaluate(application)
    assert [(o.kind, o.status, str(o.reason)) for o in outcomes if not o.passed] == []
    assert len(outcomes) == 10
    assert application.status == ApplicationStatus.GRANTED
