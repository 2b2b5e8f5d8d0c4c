"""The Django admin is no second, unaudited write path."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kraftsamla.capacity.models import Assessment, Capital, Framework
from kraftsamla.core.models import AuditAction, AuditEvent


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(
        email="admin-audit@test.example", password="x-very-secret-1"
    )


@pytest.mark.django_db
def test_copying_a_framework_in_the_admin_is_audited(client, superuser):
    source = Framework.objects.get(is_current=True)
    client.force_login(superuser)
    response = client.post(
        reverse("admin:capacity_framework_changelist"),
        {"action": "copy_to_new_version", "_selected_action": [source.pk]},
    )
    assert response.status_code == 302
    copy = Framework.objects.get(version=f"{source.version}-v2")
    assert copy.capitals.count() == source.capitals.count()
    event = AuditEvent.objects.get(object_type="capacity.framework", object_id=str(copy.pk))
    assert event.action == AuditAction.CREATE and event.actor == superuser
    assert event.after == {"version": copy.version, "copied_from": source.version}


@pytest.mark.django_db
def test_editing_a_capital_in_the_admin_is_audited(client, superuser):
    from kraftsamla.capacity import services

    source = Framework.objects.get(is_current=True)
    copy = services.framework_new_version(actor=superuser, source=source, version="admin-edit")
    capital = Capital.objects.filter(framework=copy).order_by("order").first()
    client.force_login(superuser)
    url = reverse("admin:capacity_capital_change", args=[capital.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.update(
        {
            "framework": copy.pk,
            "name_en": "Renamed capital",
            "statements-TOTAL_FORMS": 0,
            "statements-INITIAL_FORMS": 0,
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    capital.refresh_from_db()
    assert capital.name.en == "Renamed capital"
    event = AuditEvent.objects.get(
        object_type="capacity.capital", object_id=str(capital.pk), action=AuditAction.UPDATE
    )
    assert event.actor == superuser


@pytest.mark.django_db
def test_assessments_are_read_only_in_the_admin(client, superuser):
    assessment = Assessment.objects.first()
    client.force_login(superuser)
    page = client.get(reverse("admin:capacity_assessment_change", args=[assessment.pk]))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert client.get(reverse("admin:capacity_assessment_add")).status_code == 403


@pytest.mark.django_db
def test_a_password_set_in_the_admin_is_audited_and_revokes_the_api_token(client, superuser):
    from kraftsamla.accounts import services
    from kraftsamla.accounts.models import ApiToken
    from tests.factories.accounts import UserFactory

    person = UserFactory()
    services.api_token_rotate(actor=person)
    client.force_login(superuser)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[person.pk]),
        {"password1": "en-helt-ny-fras-42", "password2": "en-helt-ny-fras-42"},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password("en-helt-ny-fras-42")
    assert not ApiToken.objects.filter(user=person).exists()
    event = AuditEvent.objects.filter(object_type="accounts.user", object_id=str(person.pk)).latest(
        "pk"
    )
    assert event.actor == superuser and event.after == {"password": "changed"}


@pytest.mark.django_db
def test_only_staff_or_the_person_may_record_a_new_password():
    from django.core.exceptions import PermissionDenied

    from kraftsamla.accounts import services
    from tests.factories.accounts import UserFactory

    person, other = UserFactory(), UserFactory()
    services.user_password_changed(actor=person, user=person)
    with pytest.raises(PermissionDenied):
        services.user_password_changed(actor=other, user=person)
