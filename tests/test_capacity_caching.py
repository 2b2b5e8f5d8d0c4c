"""Capacity pages' cached blocks: every write shows at once, no private data is shared
between viewers, a 304 only after the permission check, and fixed query counts."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kraftsamla.accounts.models import OrganisationRole, Role
from kraftsamla.capacity import services
from kraftsamla.capacity.models import Mode, RoleGroup, Status
from tests.factories.accounts import UserFactory
from tests.factories.capacity import (
    YEAR,
    AssessmentFactory,
    FrameworkFactory,
    PublishedAssessmentFactory,
    add_and_open,
    answer_all,
    statements_of,
)
from tests.factories.organisations import RegionalBodyFactory
from tests.helpers import (
    PRIVATE,
    REGION,
    cache_entry_count,
    roles_renewed,
    stockholm_municipalities,
    translate,
)

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def heatmap_url(body) -> str:
    return reverse("capacity:regional", kwargs={"slug": body.slug})


def results_url(assessment) -> str:
    return reverse("capacity:results", kwargs={"pk": assessment.pk})


def summary_url(assessment) -> str:
    return reverse("capacity:summary", kwargs={"pk": assessment.pk})


@pytest.fixture
def framework(db):
    return FrameworkFactory()


@pytest.fixture
def region(framework):
    """A body of eight Stockholm municipalities, its coordinator and an insider of the first."""
    own, *peers = stockholm_municipalities(8)
    body = RegionalBodyFactory(slug="test-cache-region", members=[own, *peers])
    return SimpleNamespace(
        own=own,
        peers=peers,
        body=body,
        coordinator=UserFactory(organisation=body, role=Role.ADMIN),
        insider=UserFactory(organisation=own, role=Role.VIEWER),
    )


@pytest.fixture
def written(django_capture_on_commit_callbacks):
    """Run writes as a request does: committed, so the data versions move."""

    def run(write, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return write(*args, **kwargs)

    return run


def _main(page: str) -> str:
    """The page from the result bar on (the logout form's CSRF token differs per response)."""
    return page.split('<div class="result-bar">')[1]


# --- Invalidation -----------------------------------------------------------------------


def test_a_members_new_published_assessment_shows_on_the_heatmap_at_once(region, written):
    client = client_for(region.coordinator)
    written(PublishedAssessmentFactory, organisation=region.peers[0], sharing_level=REGION)
    before = client.get(heatmap_url(region.body)).content.decode()
    repeat = client.get(heatmap_url(region.body))
    assert "overview" not in repeat.context  # the main block came from the cache
    assert _main(repeat.content.decode()) == _main(before)
    assert before.count('class="num heat heat-') == 7

    published = written(
        PublishedAssessmentFactory, organisation=region.peers[1], score=4, sharing_level=REGION
    )
    after = client.get(heatmap_url(region.body)).content.decode()
    assert after.count('class="num heat heat-') == 14
    assert results_url(published) in after


def test_publishing_another_peers_assessment_changes_the_peer_median_at_once(region, written):
    own = written(PublishedAssessmentFactory, organisation=region.own, sharing_level=REGION)
    for peer, score in zip(region.peers[:5], [0, 0, 4, 4, 4], strict=True):
        written(PublishedAssessmentFactory, organisation=peer, score=score, per_capital=1)
    client = client_for(region.insider)
    response = client.get(results_url(own))
    assert [row["peer"] for row in response.context["rows"]] == [100.0] * 7
    assert "rows" not in client.get(results_url(own)).context  # from the cache

    for peer in region.peers[5:7]:
        written(PublishedAssessmentFactory, organisation=peer, score=0, per_capital=1)
    response = client.get(results_url(own))
    assert [row["peer"] for row in response.context["rows"]] == [0.0] * 7
    summary = client.get(summary_url(own))
    assert [row["peer"] for row in summary.context["rows"]] == [0.0] * 7


def test_a_peer_that_stops_sharing_leaves_the_median_at_once(region, written):
    own = written(PublishedAssessmentFactory, organisation=region.own, sharing_level=REGION)
    peers = [
        written(PublishedAssessmentFactory, organisation=peer, score=2, per_capital=1)
        for peer in region.peers[:5]
    ]
    client = client_for(region.insider)
    assert client.get(results_url(own)).context["comparison"].enough
    editor = UserFactory(organisation=region.peers[0], role=Role.ADMIN)
    written(
        services.assessment_update_sharing,
        actor=editor,
        assessment=peers[0],
        sharing_level=PRIVATE,
    )
    comparison = client.get(results_url(own)).context["comparison"]
    assert comparison.peers_with_results == 4 and not comparison.enough


def _open_assessment(region, written, mode=Mode.INDIVIDUAL):
    admin = UserFactory(organisation=region.own, role=Role.ADMIN)
    assessment = written(AssessmentFactory, organisation=region.own, actor=admin, mode=mode)
    written(add_and_open, assessment, admin, [admin], RoleGroup.STRATEGIC)
    return admin, assessment


def _scores(response) -> list:
    return [row["score"] for row in response.context["rows"]]


def test_answering_changes_the_preliminary_results_at_once(region, written):
    admin, assessment = _open_assessment(region, written)
    written(answer_all, assessment, admin, 2)
    client = client_for(region.insider)
    assert _scores(client.get(results_url(assessment))) == [50.0] * 7
    written(answer_all, assessment, admin, 4)
    assert _scores(client.get(results_url(assessment))) == [100.0] * 7
    assert _scores(client.get(summary_url(assessment))) == [100.0] * 7


def test_an_agreed_score_changes_the_results_at_once(region, written):
    admin, assessment = _open_assessment(region, written, mode=Mode.GROUP)
    written(answer_all, assessment, admin, 4, per_capital=1)
    client = client_for(region.insider)
    assert _scores(client.get(results_url(assessment)))[0] == 100.0
    first = statements_of(assessment.framework)[0]
    written(
        services.agreed_score_save, actor=admin, assessment=assessment, statement=first, score=0
    )
    assert _scores(client.get(results_url(assessment)))[0] == 0.0


def _trend(client, body) -> dict:
    # The block is built afresh after each write, so the overview is in the context.
    return client.get(heatmap_url(body)).context["overview"].trends["political"]


def test_the_trend_follows_a_change_to_an_earlier_year_at_once(region, written):
    client = client_for(region.coordinator)
    for peer in region.peers[:2]:
        written(PublishedAssessmentFactory, organisation=peer, score=4, per_capital=1)
    older = written(
        PublishedAssessmentFactory, organisation=region.peers[0], year=YEAR - 1, per_capital=1
    )
    assert _trend(client, region.body) == {YEAR - 1: 50.0, YEAR: 100.0}
    zero = written(
        PublishedAssessmentFactory,
        organisation=region.peers[1],
        score=0,
        year=YEAR - 1,
        per_capital=1,
    )
    assert _trend(client, region.body) == {YEAR - 1: 25.0, YEAR: 100.0}
    editor = UserFactory(organisation=region.peers[0], role=Role.ADMIN)
    written(
        services.assessment_update_sharing, actor=editor, assessment=older, sharing_level=PRIVATE
    )
    assert _trend(client, region.body) == {YEAR - 1: 0.0, YEAR: 100.0}
    other_editor = UserFactory(organisation=region.peers[1], role=Role.ADMIN)
    written(services.assessment_transition, actor=other_editor, assessment=zero, action="reopen")
    assert _trend(client, region.body) == {YEAR: 100.0}


# --- Privacy: a cached block is shared only by viewers who may see the same ----------------


def test_an_insider_and_a_coordinator_never_share_a_results_block(region, written):
    written(
        PublishedAssessmentFactory,
        organisation=region.own,
        sharing_level=PRIVATE,
        year=YEAR - 1,
        per_capital=1,
    )
    shared = written(PublishedAssessmentFactory, organisation=region.own, sharing_level=REGION)
    change_note = translate("Change is compared with the published assessment of %(year)s.") % {
        "year": YEAR - 1
    }
    # The insider warms the cache first; the coordinator must not get their block.
    insider_page = client_for(region.insider).get(results_url(shared)).content.decode()
    coordinator_page = client_for(region.coordinator).get(results_url(shared)).content.decode()
    assert change_note in insider_page  # the private earlier assessment
    assert change_note not in coordinator_page
    assert 'id="needs-heading"' not in coordinator_page


def test_a_private_result_never_reaches_the_heatmap_of_any_viewer(region, written, staff):
    written(PublishedAssessmentFactory, organisation=region.own, sharing_level=PRIVATE)
    shared = written(PublishedAssessmentFactory, organisation=region.peers[0], score=4)
    for viewer in (staff, region.coordinator):
        page = client_for(viewer).get(heatmap_url(region.body)).content.decode()
        assert page.count('class="num heat heat-') == 7
        assert results_url(shared) in page


def test_viewers_with_other_scopes_get_their_own_heatmap_entry(region, written, staff):
    written(PublishedAssessmentFactory, organisation=region.peers[0], score=4)
    cache.clear()
    client_for(staff).get(heatmap_url(region.body))
    entries = cache_entry_count()
    client_for(region.coordinator).get(heatmap_url(region.body))
    assert cache_entry_count() > entries


# --- Conditional GET: 304 only for those who still may see the page ----------------------


def test_results_answer_304_only_after_the_permission_check(region, written):
    shared = written(PublishedAssessmentFactory, organisation=region.own, sharing_level=REGION)
    client = client_for(region.coordinator)
    client.get(results_url(shared))  # the first page sets the CSRF cookie (part of the ETag)
    first = client.get(results_url(shared))
    etag = first["ETag"]
    assert "private" in first["Cache-Control"]
    assert client.get(results_url(shared), HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(summary_url(shared)).status_code == 200
    # Access lost without any write that would change the data versions.
    OrganisationRole.objects.filter(user=region.coordinator).delete()
    roles_renewed()
    shared.__class__.objects.filter(pk=shared.pk).update(sharing_level=PRIVATE)
    assert client.get(results_url(shared), HTTP_IF_NONE_MATCH=etag).status_code == 404
    assert client.get(summary_url(shared), HTTP_IF_NONE_MATCH=etag).status_code == 404


def test_the_heatmap_answers_304_only_after_the_permission_check(region, written):
    written(PublishedAssessmentFactory, organisation=region.peers[0])
    client = client_for(region.coordinator)
    client.get(heatmap_url(region.body))  # the first page sets the CSRF cookie (part of the ETag)
    etag = client.get(heatmap_url(region.body))["ETag"]
    assert client.get(heatmap_url(region.body), HTTP_IF_NONE_MATCH=etag).status_code == 304
    OrganisationRole.objects.filter(user=region.coordinator).delete()
    roles_renewed()
    assert client.get(heatmap_url(region.body), HTTP_IF_NONE_MATCH=etag).status_code == 403


def test_those_who_record_agreed_scores_get_a_live_page_with_their_own_form(region, written):
    admin, assessment = _open_assessment(region, written, mode=Mode.GROUP)
    client = client_for(admin)
    first = client.get(results_url(assessment))
    assert first.context["can_agree"] and "ETag" not in first
    assert "csrfmiddlewaretoken" in first.content.decode()


# --- Query counts: fixed in members and years -------------------------------------------


def _heatmap_queries(client, body) -> int:
    cache.clear()  # the first view after a change
    with CaptureQueriesContext(connection) as queries:
        assert client.get(heatmap_url(body)).status_code == 200
    return len(queries)


def test_heatmap_queries_do_not_grow_with_years_or_members(region, written):
    client = client_for(region.coordinator)
    for peer in region.peers[:2]:
        written(PublishedAssessmentFactory, organisation=peer, per_capital=1)
    one_year = _heatmap_queries(client, region.body)
    for year in (YEAR - 2, YEAR - 1):
        for peer in region.peers[:2]:
            written(PublishedAssessmentFactory, organisation=peer, year=year, per_capital=1)
    assert _heatmap_queries(client, region.body) == one_year  # three years of history
    for peer in region.peers[2:6]:
        written(PublishedAssessmentFactory, organisation=peer, per_capital=1)
    assert _heatmap_queries(client, region.body) == one_year  # three times the members


def test_results_queries_do_not_grow_with_peers(region, written):
    own = written(PublishedAssessmentFactory, organisation=region.own, per_capital=1)
    client = client_for(region.insider)

    def queries() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(results_url(own)).status_code == 200
        return len(captured)

    for peer in region.peers[:5]:
        written(PublishedAssessmentFactory, organisation=peer, per_capital=1)
    few = queries()
    for peer in region.peers[5:]:
        written(PublishedAssessmentFactory, organisation=peer, year=YEAR - 1, per_capital=1)
    assert queries() == few


def test_a_repeat_view_reads_only_what_the_permission_check_needs(region, written):
    own = written(PublishedAssessmentFactory, organisation=region.own, per_capital=1)
    client = client_for(region.insider)
    with CaptureQueriesContext(connection) as first:
        client.get(results_url(own))
    with CaptureQueriesContext(connection) as repeat:
        client.get(results_url(own))
    assert len(repeat) < len(first) // 2
    assert own.status == Status.PUBLISHED
