"""The cached coverage grid and recommendations: renewed by every write, private, 304 after access.

Writes run their on-commit callbacks (`django_capture_on_commit_callbacks(execute=True)`),
as a committed request does, since that is when the data versions change.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from kraftsamla.accounts.models import OrganisationRole, Role
from kraftsamla.accounts.services import organisation_role_set
from kraftsamla.capacity.models import Respondent, RoleGroup
from kraftsamla.core.access import SYSTEM
from kraftsamla.core.services import model_save_audited
from kraftsamla.organisations.models import Membership, MembershipRole
from kraftsamla.organisations.services import membership_create
from kraftsamla.support import services
from kraftsamla.support.models import OfferStatus, TargetGroup
from tests.factories.accounts import UserFactory
from tests.factories.capacity import StoredResultsFactory
from tests.factories.organisations import RegionalBodyFactory
from tests.factories.support import (
    KNOWLEDGE,
    RESOURCES,
    EnrolmentFactory,
    NeedFactory,
    OfferFactory,
    RatingFactory,
)
from tests.helpers import (
    PRIVATE,
    cache_holds,
    count_queries,
    empty_query_log,
    roles_renewed,
    stockholm_municipalities,
    translate,
)

pytestmark = pytest.mark.django_db

PRIVATE_TEXT = "Hemligt behov som bara kommunen ser."


@pytest.fixture
def setting(db):
    m1, m2, joiner = stockholm_municipalities(3)
    body = RegionalBodyFactory(slug="cache-body", members=[m1, m2])
    NeedFactory(organisation=m1, capital="financial", collaboration_form=RESOURCES)
    NeedFactory(
        organisation=m1,
        capital="financial",
        collaboration_form=RESOURCES,
        sharing_level=PRIVATE,
        description=PRIVATE_TEXT,
    )
    offer = OfferFactory(provider=body, capitals=["financial"], collaboration_form=RESOURCES)
    OfferFactory(provider=body, capitals=["human"], collaboration_form=KNOWLEDGE)
    coordinator = UserFactory(organisation=body, role=Role.VIEWER)
    editor = UserFactory(organisation=m1, role=Role.EDITOR)
    return {
        "body": body,
        "m1": m1,
        "m2": m2,
        "joiner": joiner,
        "offer": offer,
        "coordinator": coordinator,
        "editor": editor,
    }


def _grid_table(client, body, **query) -> str:
    response = client.get(reverse("support:coverage", args=[body.slug]), query)
    assert response.status_code == 200
    return re.search(r'<table class="data-table coverage-grid".*?</table>', response.text, re.S)[0]


def _grid_api(client, body) -> list[dict]:
    response = client.get(f"/api/v1/support/bodies/{body.slug}/coverage/")
    assert response.status_code == 200
    return response.json()


def _recommendations_api(client, organisation) -> list[tuple]:
    response = client.get(f"/api/v1/support/organisations/{organisation.slug}/recommendations/")
    assert response.status_code == 200
    return [(r["offer"]["id"], r["score"], tuple(r["reasons"])) for r in response.json()]


def _recommendations_page(client, organisation) -> str:
    response = client.get(reverse("support:organisation", args=[organisation.slug]))
    assert response.status_code == 200
    return re.search(r'<ol class="recommendations">.*?</ol>', response.text, re.S)[0]


# --- what changes the grid ---------------------------------------------------------------


def _new_need(s):
    NeedFactory(organisation=s["m2"], capital="financial", collaboration_form=RESOURCES)


def _new_offer(s):
    OfferFactory(provider=s["body"], capitals=["real"], collaboration_form=KNOWLEDGE)


def _new_enrolment(s):
    EnrolmentFactory(offer=s["offer"], organisation=s["m2"])


def _need_from_assessment(s):
    from kraftsamla.capacity.models import Capital, CapitalNote

    assessment = StoredResultsFactory(organisation=s["m2"], scores={"financial": 30})
    respondent = assessment.respondents.first()
    capital = Capital.objects.get(framework=assessment.framework, key="financial")
    CapitalNote.objects.create(
        respondent=respondent,
        capital=capital,
        strengthen="Mer stöd.",
        collaboration_form=RESOURCES,
    )
    services.needs_from_assessment(actor=SYSTEM, assessment=assessment)


def _member_joins(s):
    membership_create(actor=SYSTEM, member=s["joiner"], body=s["body"], role=MembershipRole.MEMBER)
    NeedFactory(organisation=s["joiner"], capital="human", collaboration_form=KNOWLEDGE)


def _member_leaves(s):
    membership = Membership.objects.get(body=s["body"], member=s["m1"])
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    model_save_audited(
        actor=SYSTEM,
        obj=membership,
        data={"start_date": yesterday - datetime.timedelta(days=30), "end_date": yesterday},
        fields=["start_date", "end_date"],
        organisation=s["body"],
    )


GRID_WRITES = [
    _new_need,
    _new_offer,
    _new_enrolment,
    _need_from_assessment,
    _member_joins,
    _member_leaves,
]


@pytest.mark.parametrize("write", GRID_WRITES, ids=lambda write: write.__name__.strip("_"))
def test_the_cached_grid_changes_at_once_after_a_write(
    client, setting, write, django_capture_on_commit_callbacks
):
    client.force_login(setting["coordinator"])
    page, api = _grid_table(client, setting["body"]), _grid_api(client, setting["body"])
    assert _grid_table(client, setting["body"]) == page  # the cached block, unchanged
    with django_capture_on_commit_callbacks(execute=True):
        write(setting)
    assert _grid_table(client, setting["body"]) != page
    assert _grid_api(client, setting["body"]) != api


def test_the_cached_grid_shows_the_same_figures_as_a_fresh_one(
    client, setting, django_capture_on_commit_callbacks
):
    client.force_login(setting["coordinator"])
    _grid_api(client, setting["body"])
    with django_capture_on_commit_callbacks(execute=True):
        _new_need(setting)
    cached = _grid_api(client, setting["body"])
    cache.clear()
    client.force_login(setting["coordinator"])
    assert _grid_api(client, setting["body"]) == cached
    financial = next(
        c for c in cached if (c["capital"], c["collaboration_form"]) == ("financial", RESOURCES)
    )
    assert financial["needs"] == 2  # the private need never counts


# --- what changes the recommendations ----------------------------------------------------


def _new_rating(s):
    offer = OfferFactory(provider=s["body"], capitals=["financial"], collaboration_form=RESOURCES)
    RatingFactory(offer=offer, organisation=s["m2"], score=5)
    RatingFactory(offer=offer, organisation=s["m2"], score=5)
    services.offer_save(
        actor=SYSTEM,
        provider=s["body"],
        offer=offer,
        data={"status": OfferStatus.OPEN, "capitals": offer.capitals, "target_groups": []},
    )


def _published_assessment(s):
    StoredResultsFactory(organisation=s["m1"], scores={"financial": 10, "human": 90})


RECOMMENDATION_WRITES = [
    _new_need,
    _new_offer,
    _new_enrolment,
    _new_rating,
    _need_from_assessment,
    _member_joins,
    _published_assessment,
]


@pytest.mark.parametrize(
    "write", RECOMMENDATION_WRITES, ids=lambda write: write.__name__.strip("_")
)
def test_the_cached_recommendations_change_at_once_after_a_write(
    client, setting, write, django_capture_on_commit_callbacks
):
    client.force_login(setting["editor"])
    before = _recommendations_api(client, setting["m1"])
    page = _recommendations_page(client, setting["m1"])
    assert _recommendations_api(client, setting["m1"]) == before
    with django_capture_on_commit_callbacks(execute=True):
        write(setting)
    after = _recommendations_api(client, setting["m1"])
    if write is _new_enrolment:
        # An enrolment changes no score; the ranking was built afresh all the same.
        assert after == before
        return
    assert after != before
    assert _recommendations_page(client, setting["m1"]) != page


def test_the_cached_ranking_is_renewed_after_an_enrolment(
    client, setting, django_capture_on_commit_callbacks
):
    """An enrolment changes the support version, and so the ranking's cache key."""
    from kraftsamla.support import selectors

    client.force_login(setting["editor"])
    _recommendations_api(client, setting["m1"])
    with django_capture_on_commit_callbacks(execute=True):
        _new_enrolment(setting)
    n, _ranked = count_queries(
        lambda: selectors.offers_recommended(organisation=setting["m1"], user=setting["editor"])
    )
    again, _ranked = count_queries(
        lambda: selectors.offers_recommended(organisation=setting["m1"], user=setting["editor"])
    )
    assert again < n  # the first call ranked (many queries), the second read the cache


# --- privacy --------------------------------------------------------------------------------


def test_no_private_need_in_a_cached_grid_for_an_insider_or_the_coordinator(client, setting):
    body, m1 = setting["body"], setting["m1"]
    # The insider works in the member municipality and in the body: another sharing scope.
    insider = setting["editor"]
    organisation_role_set(actor=SYSTEM, organisation=body, user=insider, role=Role.VIEWER)
    tables = {}
    for name, user in (("coordinator", setting["coordinator"]), ("insider", insider)):
        client.force_login(user)
        tables[name] = _grid_table(client, body, cell=f"financial:{RESOURCES}")
        response = client.get(
            reverse("support:coverage", args=[body.slug]), {"cell": f"financial:{RESOURCES}"}
        )
        assert PRIVATE_TEXT not in response.text
        # The insider sees the private need on their own page, never in the shared grid.
        if name == "insider":
            own = client.get(reverse("support:organisation", args=[m1.slug]))
            assert PRIVATE_TEXT in own.text
    assert tables["coordinator"] == tables["insider"]  # the grid counts shared needs only
    assert not cache_holds(PRIVATE_TEXT)


def test_a_colleagues_role_points_are_never_in_my_cached_ranking(client, setting):
    """The ranking's "your role" points depend on the person: their target groups key it."""
    m1, body = setting["m1"], setting["body"]
    OfferFactory(
        provider=body,
        capitals=["political"],
        collaboration_form=KNOWLEDGE,
        target_groups=[TargetGroup.POLITICIANS],
    )
    politician = UserFactory(organisation=m1, role=Role.VIEWER)
    assessment = StoredResultsFactory(organisation=m1, scores={"political": 50})
    Respondent.objects.create(
        assessment=assessment, user=politician, role_group=RoleGroup.POLITICIANS
    )
    colleague = UserFactory(organisation=m1, role=Role.VIEWER)  # the same sharing scope
    your_role = translate("it is meant for people in your role")

    client.force_login(politician)
    mine = _recommendations_api(client, m1)
    assert any(your_role in reasons for _id, _score, reasons in mine)
    client.force_login(colleague)
    theirs = _recommendations_api(client, m1)
    assert not any(your_role in reasons for _id, _score, reasons in theirs)


# --- 304 only after the permission check ------------------------------------------------


def test_coverage_answers_304_and_a_user_who_lost_access_gets_403(client, setting):
    body, coordinator = setting["body"], setting["coordinator"]
    url = reverse("support:coverage", args=[body.slug])
    client.force_login(coordinator)
    client.get(url)  # the first page sets the CSRF cookie, which is part of the ETag
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    OrganisationRole.objects.filter(user=coordinator).delete()
    roles_renewed()
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 403
    api = f"/api/v1/support/bodies/{body.slug}/coverage/"
    assert client.get(api).status_code == 403


def test_the_api_answers_304_until_a_write(client, setting, django_capture_on_commit_callbacks):
    client.force_login(setting["coordinator"])
    api = f"/api/v1/support/bodies/{setting['body'].slug}/coverage/"
    etag = client.get(api)["ETag"]
    assert client.get(api, HTTP_IF_NONE_MATCH=etag).status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        _new_need(setting)
    assert client.get(api, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_organisation_page_answers_304_per_user_and_not_after_access_is_lost(client, setting):
    m1, editor = setting["m1"], setting["editor"]
    url = reverse("support:organisation", args=[m1.slug])
    client.force_login(editor)
    client.get(url)  # the first page sets the CSRF cookie, which is part of the ETag
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    # Another person with the same role: their own page, never the editor's copy.
    client.force_login(UserFactory(organisation=m1, role=Role.EDITOR))
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200
    client.force_login(editor)
    OrganisationRole.objects.filter(user=editor).delete()
    roles_renewed()
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 403


def test_a_digest_change_is_never_hidden_by_a_304(
    client, setting, django_capture_on_commit_callbacks
):
    m1, editor = setting["m1"], setting["editor"]
    url = reverse("support:organisation", args=[m1.slug])
    client.force_login(editor)
    client.get(url)  # the first page sets the CSRF cookie, which is part of the ETag
    etag = client.get(url)["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        services.digest_subscription_set(actor=editor, organisation=m1, active=True)
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


# --- query counts of the repeat views ------------------------------------------------------


def test_repeat_views_use_the_same_queries_whatever_the_members_and_needs(
    client, django_assert_max_num_queries
):
    municipalities = stockholm_municipalities(14)
    small = RegionalBodyFactory(slug="rep-small", members=municipalities[:2])
    large = RegionalBodyFactory(slug="rep-large", members=municipalities[2:])
    for body, members in ((small, municipalities[:2]), (large, municipalities[2:])):
        OfferFactory(provider=body, capitals=["financial"], collaboration_form=RESOURCES)
        for member in members if body is large else members[:1]:
            for capital in ("financial", "human", "real"):
                NeedFactory(organisation=member, capital=capital, collaboration_form=RESOURCES)

    def warm(body):
        client.force_login(UserFactory(organisation=body, role=Role.VIEWER))
        url = reverse("support:coverage", args=[body.slug])
        client.get(url)
        return url

    url = warm(small)
    n, response = count_queries(lambda: client.get(url))
    assert response.status_code == 200
    url = warm(large)
    empty_query_log()
    with django_assert_max_num_queries(n):
        assert client.get(url).status_code == 200


def test_the_support_pages_cached_sections_change_at_once(
    client, setting, django_capture_on_commit_callbacks
):
    """Needs, enrolments and assessments are cached per sharing scope; each write in them
    shows on the next view."""
    m1 = setting["m1"]
    client.force_login(setting["editor"])
    url = reverse("support:organisation", args=[m1.slug])
    client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        NeedFactory(organisation=m1, description="Ett nytt behov att visa.")
        EnrolmentFactory(offer=setting["offer"], organisation=m1)
        assessment = StoredResultsFactory(organisation=m1, scores={"financial": 30})
    page = client.get(url).text
    assert "Ett nytt behov att visa." in page
    assert setting["offer"].title in page.split('id="enrol-heading"', 1)[1]
    assert f'<option value="{assessment.pk}">' in page
