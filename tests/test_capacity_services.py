"""Capacity services and selectors: lifecycle, bad input, concurrent agreed scores,
framework versions, peer comparison and the regional overview."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kraftsamla.accounts.models import OrganisationRole, Role, User
from kraftsamla.capacity import selectors, services
from kraftsamla.capacity.models import (
    AgreedScore,
    Answer,
    Assessment,
    AssessmentResult,
    CapitalNote,
    Framework,
    Mode,
    Purpose,
    Respondent,
    RoleGroup,
    Statement,
    Status,
)
from kraftsamla.core.models import AuditEvent
from kraftsamla.organisations.models import Membership
from tests.factories.accounts import UserFactory
from tests.factories.capacity import (
    CAPITAL_KEYS,
    TEST_VERSION,
    YEAR,
    AssessmentFactory,
    FrameworkFactory,
    PublishedAssessmentFactory,
    add_and_open,
    answer_all,
    statements_of,
    transition,
)
from tests.factories.organisations import (
    RegionalBodyFactory,
)
from tests.helpers import (
    PRIVATE,
    PUBLIC,
    REGION,
    stockholm_municipalities,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def framework(db) -> Framework:
    return FrameworkFactory()


@pytest.fixture
def draft(framework, molndal, admin_m) -> Assessment:
    return AssessmentFactory(organisation=molndal, actor=admin_m)


@pytest.fixture
def open_assessment(draft, admin_m, editor_m, viewer_m) -> Assessment:
    """Mölndal's group assessment, open, with the editor and the viewer as respondents."""
    return add_and_open(draft, admin_m, [editor_m, viewer_m])


def audit_events(obj) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).order_by("id")
    )


# --- Lifecycle ------------------------------------------------------------------------


def test_create_starts_a_draft_with_the_current_framework_and_is_audited(
    framework, molndal, admin_m
):
    assessment = AssessmentFactory(organisation=molndal, actor=admin_m, sharing_level=REGION)
    assert assessment.status == Status.DRAFT
    assert assessment.framework == framework
    assert assessment.created_by == admin_m
    assert not assessment.is_demo
    [event] = audit_events(assessment)
    assert event.action == "create" and event.actor == admin_m
    assert event.organisation == molndal


def test_create_without_a_current_framework_is_rejected(framework, molndal, admin_m):
    Framework.objects.update(is_current=False)
    with pytest.raises(ValidationError):
        AssessmentFactory(organisation=molndal, actor=admin_m)


def test_same_year_and_purpose_twice_is_rejected(draft, molndal, admin_m):
    with pytest.raises(ValidationError):
        AssessmentFactory(organisation=molndal, actor=admin_m)
    assert Assessment.objects.filter(organisation=molndal, year=YEAR).count() == 1
    AssessmentFactory(
        organisation=molndal, actor=admin_m, purpose=Purpose.FOLLOW_UP
    )  # another purpose is fine


def test_open_requires_a_respondent(draft, admin_m):
    with pytest.raises(ValidationError):
        services.assessment_transition(actor=admin_m, assessment=draft, action="open")
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_open_close_publish_stores_one_result_per_capital(
    open_assessment, admin_m, editor_m, viewer_m
):
    answer_all(open_assessment, editor_m, 4)
    answer_all(open_assessment, viewer_m, {"political": 2, "financial": None})
    assessment = transition(open_assessment, admin_m, "close")
    assert assessment.status == Status.CLOSED
    assert not AssessmentResult.objects.filter(assessment=assessment).exists()

    assessment = transition(assessment, admin_m, "publish")
    assessment.refresh_from_db()
    assert assessment.status == Status.PUBLISHED and assessment.published_at is not None
    results = {r.capital_key: r for r in AssessmentResult.objects.filter(assessment=assessment)}
    assert set(results) == set(CAPITAL_KEYS)
    # Political: median of 4 and 2 is 3 for both statements -> 75.
    assert results["political"].score == 75.0
    assert results["political"].share_answered == 1.0
    # 4 and 2 -> population sd 1 -> consensus 0.5.
    assert results["political"].consensus == 0.5
    # Financial: the viewer said "don't know"; only the editor's 4s count.
    assert results["financial"].score == 100.0
    assert results["financial"].consensus is None
    # The stored results are what the selector computes.
    assert selectors.scores_stored(assessment) == {
        k: r.score for k, r in selectors.assessment_capital_results(assessment).items()
    }
    transitions = [e.after.get("transition") for e in audit_events(assessment) if e.after]
    assert transitions[-3:] == ["open", "close", "publish"]


STATES = {
    Status.DRAFT: (),
    Status.OPEN: ("open",),
    Status.CLOSED: ("open", "close"),
    Status.PUBLISHED: ("open", "close", "publish"),
}
INVALID = [
    (Status.DRAFT, "close"),
    (Status.DRAFT, "publish"),
    (Status.DRAFT, "reopen"),
    (Status.OPEN, "open"),
    (Status.OPEN, "publish"),
    (Status.OPEN, "reopen"),
    (Status.CLOSED, "open"),
    (Status.CLOSED, "close"),
    (Status.PUBLISHED, "open"),
    (Status.PUBLISHED, "close"),
    (Status.PUBLISHED, "publish"),
]


@pytest.mark.parametrize(("state", "action"), INVALID)
def test_invalid_transitions_are_rejected(state, action, draft, admin_m, editor_m):
    services.respondent_add(
        actor=admin_m, assessment=draft, user=editor_m, role_group=RoleGroup.STRATEGIC
    )
    assessment = transition(draft, admin_m, *STATES[state])
    results_before = AssessmentResult.objects.filter(assessment=assessment).count()
    with pytest.raises(ValidationError) as info:
        services.assessment_transition(actor=admin_m, assessment=assessment, action=action)
    assert info.value.code == "invalid_transition"
    assessment.refresh_from_db()
    assert assessment.status == state
    assert AssessmentResult.objects.filter(assessment=assessment).count() == results_before


def test_unknown_action_is_rejected(open_assessment, admin_m):
    with pytest.raises(ValidationError):
        services.assessment_transition(actor=admin_m, assessment=open_assessment, action="delete")


def test_reopen_deletes_results_sets_open_and_writes_an_audit_event(
    open_assessment, admin_m, editor_m
):
    answer_all(open_assessment, editor_m, 3)
    assessment = transition(open_assessment, admin_m, "close", "publish")
    assert AssessmentResult.objects.filter(assessment=assessment).count() == 7
    events_before = AuditEvent.objects.count()

    assessment = transition(assessment, admin_m, "reopen")
    assessment.refresh_from_db()
    assert assessment.status == Status.OPEN
    assert assessment.published_at is None
    assert not AssessmentResult.objects.filter(assessment=assessment).exists()
    # The answers themselves survive reopening.
    assert Answer.objects.filter(respondent__assessment=assessment).count() == 14
    event = audit_events(assessment)[-1]
    assert AuditEvent.objects.count() == events_before + 1
    assert event.actor == admin_m and event.action == "update"
    assert event.before == {"status": Status.PUBLISHED}
    assert event.after == {"status": Status.OPEN, "transition": "reopen"}


def test_reopen_a_closed_assessment(open_assessment, admin_m, editor_m):
    assessment = transition(open_assessment, admin_m, "close", "reopen")
    assert assessment.status == Status.OPEN
    # Answering works again.
    st = statements_of(assessment.framework)[0]
    services.answer_save(actor=editor_m, assessment=assessment, statement=st, score=1)


# --- Bad input ------------------------------------------------------------------------


@pytest.mark.parametrize("score", [5, -1, 7, True, "3", 2.5])
def test_score_off_the_scale_is_rejected_and_nothing_saved(open_assessment, editor_m, score):
    st = statements_of(open_assessment.framework)[0]
    with pytest.raises(ValidationError) as info:
        services.answer_save(actor=editor_m, assessment=open_assessment, statement=st, score=score)
    assert "score" in info.value.message_dict
    assert not Answer.objects.filter(respondent__assessment=open_assessment).exists()


def test_a_score_is_required_unless_dont_know(open_assessment, editor_m):
    st = statements_of(open_assessment.framework)[0]
    with pytest.raises(ValidationError):
        services.answer_save(actor=editor_m, assessment=open_assessment, statement=st, score=None)
    answer = services.answer_save(
        actor=editor_m, assessment=open_assessment, statement=st, score=3, dont_know=True
    )
    assert answer.score is None and answer.dont_know


def test_saving_again_updates_the_one_answer_and_audits_before_and_after(open_assessment, editor_m):
    st = statements_of(open_assessment.framework)[0]
    services.answer_save(actor=editor_m, assessment=open_assessment, statement=st, score=1)
    services.answer_save(
        actor=editor_m, assessment=open_assessment, statement=st, score=3, evidence="Beslut i KF"
    )
    answer = Answer.objects.get(respondent__assessment=open_assessment)
    assert (answer.score, answer.evidence) == (3, "Beslut i KF")
    event = audit_events(answer)[-1]
    assert event.before["score"] == 1 and event.after["score"] == 3


def test_an_older_sequence_does_not_overwrite_a_newer_answer(open_assessment, editor_m):
    """Saves that finish out of order: the one chosen last is kept, whatever arrives last."""
    st = statements_of(open_assessment.framework)[0]
    save = dict(actor=editor_m, assessment=open_assessment, statement=st)
    services.answer_save(**save, score=None, dont_know=True, evidence="Vet ej", sequence=20)
    stored = services.answer_save(**save, score=4, evidence="Mellanläge", sequence=19)
    assert (stored.score, stored.dont_know, stored.evidence) == (None, True, "Vet ej")
    assert stored.client_sequence == 20
    again = services.answer_save(**save, score=1, sequence=20)  # the same save twice
    assert again.dont_know and again.client_sequence == 20
    answer = Answer.objects.get(respondent__assessment=open_assessment)
    assert (answer.score, answer.dont_know, answer.client_sequence) == (None, True, 20)
    assert len(audit_events(answer)) == 1  # refused saves are not audited
    newer = services.answer_save(**save, score=2, sequence=21)
    assert (newer.score, newer.client_sequence) == (2, 21)
    # A save without a sequence (the Save button, the API) applies and keeps the number.
    plain = services.answer_save(**save, score=3)
    assert (plain.score, plain.client_sequence) == (3, 21)
    assert services.answer_save(**save, score=0, sequence=21).score == 3


@pytest.mark.parametrize("state", [Status.DRAFT, Status.CLOSED, Status.PUBLISHED])
def test_answering_an_assessment_that_is_not_open_is_rejected(state, draft, admin_m, editor_m):
    services.respondent_add(
        actor=admin_m, assessment=draft, user=editor_m, role_group=RoleGroup.STRATEGIC
    )
    assessment = transition(draft, admin_m, *STATES[state])
    st = statements_of(assessment.framework)[0]
    with pytest.raises(ValidationError) as info:
        services.answer_save(actor=editor_m, assessment=assessment, statement=st, score=2)
    assert info.value.code == "not_open"
    with pytest.raises(ValidationError):
        services.capital_note_save(
            actor=editor_m,
            assessment=assessment,
            capital=st.capital,
            strengthen="Mer tid",
            collaboration_form="",
        )
    assert not Answer.objects.filter(respondent__assessment=assessment).exists()
    assert not CapitalNote.objects.filter(respondent__assessment=assessment).exists()


def test_a_respondent_from_another_organisation_cannot_be_added(draft, admin_m, ale):
    outsider = User.objects.get(email="strateg.ale@demo.kraftsamla.se")
    with pytest.raises(ValidationError) as info:
        services.respondent_add(
            actor=admin_m, assessment=draft, user=outsider, role_group=RoleGroup.STRATEGIC
        )
    assert "user" in info.value.message_dict
    assert not Respondent.objects.filter(assessment=draft).exists()


def test_the_same_person_cannot_be_added_twice(draft, admin_m, editor_m):
    services.respondent_add(
        actor=admin_m, assessment=draft, user=editor_m, role_group=RoleGroup.STRATEGIC
    )
    with pytest.raises(ValidationError):
        services.respondent_add(
            actor=admin_m, assessment=draft, user=editor_m, role_group=RoleGroup.POLITICIANS
        )
    assert Respondent.objects.filter(assessment=draft).count() == 1


def test_an_assessment_made_alone_has_one_respondent(
    framework, molndal, admin_m, editor_m, viewer_m
):
    assessment = AssessmentFactory(organisation=molndal, actor=admin_m, mode=Mode.INDIVIDUAL)
    services.respondent_add(
        actor=admin_m, assessment=assessment, user=editor_m, role_group=RoleGroup.STRATEGIC
    )
    with pytest.raises(ValidationError):
        services.respondent_add(
            actor=admin_m, assessment=assessment, user=viewer_m, role_group=RoleGroup.STRATEGIC
        )


def test_respondents_cannot_be_added_to_a_closed_assessment(open_assessment, admin_m, molndal):
    transition(open_assessment, admin_m, "close")
    with pytest.raises(ValidationError):
        services.respondent_add(
            actor=admin_m,
            assessment=open_assessment,
            user=UserFactory(organisation=molndal, role=Role.VIEWER),
            role_group=RoleGroup.OPERATIONAL,
        )


def test_an_invalid_role_group_is_rejected(draft, admin_m, editor_m):
    with pytest.raises(ValidationError):
        services.respondent_add(
            actor=admin_m, assessment=draft, user=editor_m, role_group="astronauts"
        )
    assert not Respondent.objects.filter(assessment=draft).exists()


def test_a_person_who_is_not_a_respondent_cannot_answer(open_assessment, admin_m, anonymous):
    st = statements_of(open_assessment.framework)[0]
    # The administrator manages the assessment but was not invited to answer it.
    for actor in (admin_m, anonymous):
        with pytest.raises(PermissionDenied):
            services.answer_save(actor=actor, assessment=open_assessment, statement=st, score=2)
        with pytest.raises(PermissionDenied):
            services.capital_note_save(
                actor=actor,
                assessment=open_assessment,
                capital=st.capital,
                strengthen="x",
                collaboration_form="",
            )
        with pytest.raises(PermissionDenied):
            services.respondent_mark_done(actor=actor, assessment=open_assessment)
    assert not Answer.objects.filter(respondent__assessment=open_assessment).exists()


def test_a_respondent_who_left_the_organisation_cannot_answer(open_assessment, editor_m, molndal):
    OrganisationRole.objects.filter(user=editor_m, organisation=molndal).delete()
    editor = User.objects.get(pk=editor_m.pk)  # without the cached roles
    st = statements_of(open_assessment.framework)[0]
    with pytest.raises(PermissionDenied):
        services.answer_save(actor=editor, assessment=open_assessment, statement=st, score=2)


def test_a_framework_version_mismatch_is_rejected(open_assessment, editor_m):
    st = statements_of(open_assessment.framework)[0]
    with pytest.raises(ValidationError) as info:
        services.answer_save(
            actor=editor_m,
            assessment=open_assessment,
            statement=st,
            score=2,
            framework_version="1999.1",
        )
    assert "framework_version" in info.value.message_dict
    assert not Answer.objects.filter(respondent__assessment=open_assessment).exists()
    services.answer_save(
        actor=editor_m,
        assessment=open_assessment,
        statement=st,
        score=2,
        framework_version=TEST_VERSION,
    )


def test_a_statement_of_another_framework_version_is_rejected(open_assessment, editor_m, admin_m):
    other = FrameworkFactory(version="test-fixture-b", make_current=False)
    foreign = statements_of(other)[0]
    with pytest.raises(ValidationError) as info:
        services.answer_save(actor=editor_m, assessment=open_assessment, statement=foreign, score=2)
    assert "statement" in info.value.message_dict
    with pytest.raises(ValidationError):
        services.capital_note_save(
            actor=editor_m,
            assessment=open_assessment,
            capital=foreign.capital,
            strengthen="x",
            collaboration_form="",
        )
    with pytest.raises(ValidationError):
        services.agreed_score_save(
            actor=admin_m, assessment=open_assessment, statement=foreign, score=2
        )
    assert not Answer.objects.filter(respondent__assessment=open_assessment).exists()
    assert not AgreedScore.objects.filter(assessment=open_assessment).exists()


def test_capital_note_needs_a_valid_collaboration_form(open_assessment, editor_m):
    capital = statements_of(open_assessment.framework)[0].capital
    with pytest.raises(ValidationError):
        services.capital_note_save(
            actor=editor_m,
            assessment=open_assessment,
            capital=capital,
            strengthen="x",
            collaboration_form="money_rain",
        )
    note = services.capital_note_save(
        actor=editor_m,
        assessment=open_assessment,
        capital=capital,
        strengthen="Gemensam upphandling",
        collaboration_form="resource_base",
    )
    assert note.strengthen == "Gemensam upphandling"


@pytest.mark.parametrize("score", [5, -1, True])
def test_agreed_score_off_the_scale_is_rejected(open_assessment, admin_m, score):
    st = statements_of(open_assessment.framework)[0]
    with pytest.raises(ValidationError):
        services.agreed_score_save(
            actor=admin_m, assessment=open_assessment, statement=st, score=score
        )
    assert not AgreedScore.objects.filter(assessment=open_assessment).exists()


def test_agreed_scores_only_while_open_or_closed(draft, admin_m, editor_m):
    st = statements_of(draft.framework)[0]
    with pytest.raises(ValidationError):
        services.agreed_score_save(actor=admin_m, assessment=draft, statement=st, score=2)
    add_and_open(draft, admin_m, [editor_m])
    transition(draft, admin_m, "close", "publish")
    with pytest.raises(ValidationError):
        services.agreed_score_save(actor=admin_m, assessment=draft, statement=st, score=2)


# --- Concurrent edits of an agreed score ----------------------------------------------


def test_the_second_coordinator_gets_a_stale_edit_error_with_the_first_value(
    open_assessment, admin_m, editor_m
):
    st = statements_of(open_assessment.framework)[0]
    services.agreed_score_save(actor=admin_m, assessment=open_assessment, statement=st, score=1)
    seen = AgreedScore.objects.get(assessment=open_assessment, statement=st).version  # N
    assert seen == 1

    # Both coordinators loaded version N; the administrator saves first.
    services.agreed_score_save(
        actor=admin_m,
        assessment=open_assessment,
        statement=st,
        score=3,
        rationale="Vi har en plan",
        expected_version=seen,
    )
    events = AuditEvent.objects.count()
    with pytest.raises(services.StaleEditError) as info:
        services.agreed_score_save(
            actor=editor_m,
            assessment=open_assessment,
            statement=st,
            score=0,
            rationale="Inget finns",
            expected_version=seen,
        )
    assert info.value.code == "stale"
    assert info.value.current.score == 3
    assert info.value.current.updated_by == admin_m
    stored = AgreedScore.objects.get(assessment=open_assessment, statement=st)
    assert (stored.score, stored.rationale, stored.version) == (3, "Vi har en plan", seen + 1)
    assert AuditEvent.objects.count() == events  # nothing written

    # Having seen the other value, the editor may replace it.
    services.agreed_score_save(
        actor=editor_m,
        assessment=open_assessment,
        statement=st,
        score=0,
        expected_version=stored.version,
    )
    stored.refresh_from_db()
    assert (stored.score, stored.version, stored.updated_by) == (0, seen + 2, editor_m)


def test_two_coordinators_recording_the_first_agreed_score(open_assessment, admin_m, editor_m):
    st = statements_of(open_assessment.framework)[0]
    services.agreed_score_save(actor=admin_m, assessment=open_assessment, statement=st, score=2)
    with pytest.raises(services.StaleEditError) as info:
        services.agreed_score_save(
            actor=editor_m, assessment=open_assessment, statement=st, score=4, expected_version=None
        )
    assert info.value.current.score == 2
    assert AgreedScore.objects.get(assessment=open_assessment, statement=st).score == 2


def test_the_agreed_score_overrides_the_median(open_assessment, admin_m, editor_m, viewer_m):
    answer_all(open_assessment, editor_m, 1)
    answer_all(open_assessment, viewer_m, 1)
    for st in statements_of(open_assessment.framework)[:2]:  # the political statements
        services.agreed_score_save(actor=admin_m, assessment=open_assessment, statement=st, score=3)
    results = selectors.assessment_capital_results(open_assessment)
    assert results["political"].score == 75.0
    assert results["financial"].score == 25.0


# --- Framework versions ---------------------------------------------------------------


def test_a_new_version_copies_capitals_and_statements(framework, staff):
    new = services.framework_new_version(actor=staff, source=framework, version="test-fixture-2")
    assert not new.is_current and new.pk != framework.pk
    old, copied = statements_of(framework), statements_of(new)
    assert [(s.capital.key, s.key, s.text, s.levels) for s in copied] == [
        (s.capital.key, s.key, s.text, s.levels) for s in old
    ]
    assert not {s.pk for s in copied} & {s.pk for s in old}
    assert list(new.capitals.values_list("key", flat=True)) == CAPITAL_KEYS
    assert new.building_steps == framework.building_steps and new.scale == framework.scale
    # The old version is untouched.
    assert len(statements_of(framework)) == 14


def test_only_platform_staff_may_copy_a_framework(framework, admin_m):
    with pytest.raises(PermissionDenied):
        services.framework_new_version(actor=admin_m, source=framework, version="test-fixture-2")
    assert not Framework.objects.filter(version="test-fixture-2").exists()


def _make_current(framework: Framework) -> None:
    Framework.objects.update(is_current=False)
    Framework.objects.filter(pk=framework.pk).update(is_current=True)


def test_old_assessments_keep_their_version_and_answers(framework, staff, molndal):
    old = PublishedAssessmentFactory(organisation=molndal, score=2, year=YEAR - 1)
    old_answers = list(
        Answer.objects.filter(respondent__assessment=old).values_list("statement_id", "score")
    )
    old_results = selectors.scores_stored(old)

    new_version = services.framework_new_version(
        actor=staff, source=framework, version="test-fixture-2"
    )
    political = new_version.capitals.get(key="political")
    Statement.objects.create(
        capital=political,
        key="political-3",
        order=3,
        text={"sv": "Ny", "en": "New"},
        levels={str(i): {"sv": "", "en": ""} for i in range(5)},
    )
    Statement.objects.filter(capital=political, key="political-1").update(
        text={"sv": "Omformulerat", "en": ""}
    )
    _make_current(new_version)

    new = PublishedAssessmentFactory(organisation=molndal, score={"political": 4}, year=YEAR)
    old.refresh_from_db()
    assert old.framework == framework and new.framework == new_version
    assert (
        list(Answer.objects.filter(respondent__assessment=old).values_list("statement_id", "score"))
        == old_answers
    )
    assert Statement.objects.get(capital__framework=framework, key="political-1").text.sv != (
        "Omformulerat"
    )
    # The old results, stored and computed, did not change when the statement was added.
    assert selectors.scores_stored(old) == old_results
    assert selectors.assessment_capital_results(old)["political"].total == 2
    new_results = selectors.assessment_capital_results(new)
    assert new_results["political"].total == 3
    assert new_results["political"].score == 100.0


def test_results_of_two_versions_are_comparable_by_statement_key(framework, staff, molndal):
    old = PublishedAssessmentFactory(organisation=molndal, score=1, year=YEAR - 1)
    new_version = services.framework_new_version(
        actor=staff, source=framework, version="test-fixture-2"
    )
    human = new_version.capitals.get(key="human")
    Statement.objects.create(
        capital=human, key="human-new", order=9, text={"sv": "Ny", "en": "New"}, levels={}
    )
    _make_current(new_version)
    new = PublishedAssessmentFactory(organisation=molndal, score=3, year=YEAR)

    def by_key(assessment):
        return {
            sr.key: sr.value
            for capital in selectors.assessment_capital_results(assessment).values()
            for sr in capital.statements
        }

    old_values, new_values = by_key(old), by_key(new)
    shared = set(old_values) & set(new_values)
    assert shared == {s.key for s in statements_of(framework)}
    assert all((old_values[k], new_values[k]) == (1.0, 3.0) for k in shared)
    assert set(new_values) - set(old_values) == {"human-new"}
    # The capital scores compare too: the new assessment's results page shows the change.
    assert selectors.assessment_previous(new, staff) == old
    assert selectors.scores_stored(old)["human"] == 25.0


def test_a_framework_in_use_is_read_only_in_the_admin(framework, molndal, rf):
    from django.contrib import admin

    request = rf.get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    framework_admin = admin.site._registry[Framework]
    assert framework_admin.has_change_permission(request, framework)
    PublishedAssessmentFactory(organisation=molndal, per_capital=0)
    assert not framework_admin.has_change_permission(request, framework)
    assert not framework_admin.has_delete_permission(request, framework)


# --- Peer comparison ------------------------------------------------------------------


@pytest.fixture
def peer_setup(framework):
    """A test body with one municipality and seven peers (none of them in Göteborgsregionen)."""
    own, *peers = stockholm_municipalities(8)
    RegionalBodyFactory(slug="test-peers", members=[own, *peers])
    group = next(g for g in selectors.peer_groups(own) if g.key == "body:test-peers")
    assert sorted(group.organisation_ids) == sorted(p.pk for p in peers)
    return own, peers, group


def test_four_peers_with_shared_results_are_too_few(peer_setup):
    _own, peers, group = peer_setup
    for peer, level in zip(peers[:4], [0, 1, 2, 3], strict=True):
        PublishedAssessmentFactory(
            organisation=peer, score=level, sharing_level=REGION, per_capital=1
        )
    comparison = selectors.peer_comparison(group, YEAR)
    assert comparison.peers_with_results == 4
    assert not comparison.enough
    assert comparison.medians == {}


def test_five_peers_with_shared_results_give_medians(peer_setup):
    _own, peers, group = peer_setup
    for peer, level in zip(peers[:5], [0, 1, 2, 3, 4], strict=True):
        PublishedAssessmentFactory(
            organisation=peer,
            score=level,
            sharing_level=PUBLIC if level == 4 else REGION,
            per_capital=1,
        )
    comparison = selectors.peer_comparison(group, YEAR)
    assert comparison.peers_with_results == 5 and comparison.enough
    # Capital scores 0, 25, 50, 75, 100 -> median 50 in every capital.
    assert comparison.medians == dict.fromkeys(CAPITAL_KEYS, 50.0)


def test_private_results_never_count_as_peers(peer_setup):
    _own, peers, group = peer_setup
    for peer in peers[:4]:
        PublishedAssessmentFactory(organisation=peer, score=2, sharing_level=REGION, per_capital=0)
    for peer in peers[4:]:
        PublishedAssessmentFactory(organisation=peer, score=4, sharing_level=PRIVATE, per_capital=0)
    comparison = selectors.peer_comparison(group, YEAR)
    assert comparison.peers_with_results == 4
    assert not comparison.enough and comparison.medians == {}


def test_unpublished_and_later_results_do_not_count(peer_setup):
    _own, peers, group = peer_setup
    for peer in peers[:4]:
        PublishedAssessmentFactory(organisation=peer, score=2, sharing_level=REGION, per_capital=0)
    PublishedAssessmentFactory(
        organisation=peers[4], sharing_level=REGION, status=Status.CLOSED, per_capital=0
    )
    PublishedAssessmentFactory(
        organisation=peers[5], sharing_level=PUBLIC, status=Status.OPEN, per_capital=0
    )
    PublishedAssessmentFactory(
        organisation=peers[6], sharing_level=REGION, year=YEAR + 1, per_capital=0
    )
    assert selectors.peer_comparison(group, YEAR).peers_with_results == 4
    assert selectors.peer_comparison(group, YEAR + 1).peers_with_results == 5


def test_each_peer_counts_once_with_its_latest_result(peer_setup):
    _own, peers, group = peer_setup
    for peer in peers[:5]:
        PublishedAssessmentFactory(
            organisation=peer, score=0, sharing_level=REGION, year=YEAR - 1, per_capital=1
        )
        PublishedAssessmentFactory(
            organisation=peer,
            score=4,
            sharing_level=REGION,
            year=YEAR,
            purpose=Purpose.FOLLOW_UP,
            per_capital=1,
        )
    comparison = selectors.peer_comparison(group, YEAR)
    assert comparison.peers_with_results == 5
    assert comparison.medians["political"] == 100.0
    assert selectors.peer_comparison(group, YEAR - 1).medians["political"] == 0.0


def test_peer_groups_leave_out_former_members(peer_setup):
    import datetime

    own, peers, _group = peer_setup
    Membership.objects.filter(body__slug="test-peers", member=peers[0]).update(
        end_date=datetime.date(2020, 1, 1)
    )
    group = next(g for g in selectors.peer_groups(own) if g.key == "body:test-peers")
    assert peers[0].pk not in group.organisation_ids
    assert own.pk not in group.organisation_ids


# --- Regional overview ----------------------------------------------------------------


def test_regional_overview_shows_what_members_shared_and_missing_otherwise(framework, staff):
    shared, public, private, draft, closed, outsider = stockholm_municipalities(6)
    body = RegionalBodyFactory(slug="test-region", members=[shared, public, private, draft, closed])
    PublishedAssessmentFactory(organisation=shared, score=1, sharing_level=REGION, per_capital=1)
    PublishedAssessmentFactory(organisation=public, score=3, sharing_level=PUBLIC, per_capital=1)
    PublishedAssessmentFactory(organisation=private, score=4, sharing_level=PRIVATE, per_capital=1)
    PublishedAssessmentFactory(organisation=draft, sharing_level=REGION, status=Status.DRAFT)
    PublishedAssessmentFactory(
        organisation=closed, sharing_level=REGION, status=Status.CLOSED, per_capital=0
    )
    PublishedAssessmentFactory(organisation=outsider, score=4, sharing_level=REGION, per_capital=1)

    overview = selectors.regional_overview(body=body)
    rows = {r["org"]: r for r in overview.rows}
    assert set(rows) == {shared, public, private, draft, closed}
    assert overview.year == YEAR and overview.with_results == 2
    assert rows[shared]["scores"]["political"] == 25.0
    assert rows[public]["scores"]["political"] == 75.0
    for missing in (private, draft, closed):
        assert rows[missing]["assessment_id"] is None and rows[missing]["scores"] == {}
    political = next(d for d in overview.distribution() if d["key"] == "political")
    assert (political["n"], political["min"], political["max"], political["weak"]) == (
        2,
        25.0,
        75.0,
        1,
    )
    assert overview.trends["political"] == {YEAR: 50.0}


def test_regional_overview_leaves_out_former_and_future_members(framework, staff):
    import datetime

    current, former, future = stockholm_municipalities(3)
    body = RegionalBodyFactory(slug="test-region", members=[current, former, future])
    other = RegionalBodyFactory(
        slug="test-other", members=[former, future]
    )  # still current elsewhere
    Membership.objects.filter(body=body, member=former).update(
        start_date=datetime.date(2010, 1, 1), end_date=datetime.date(2020, 1, 1)
    )
    Membership.objects.filter(body=body, member=future).update(start_date=datetime.date(2090, 1, 1))
    for org in (current, former, future):
        PublishedAssessmentFactory(organisation=org, sharing_level=REGION, per_capital=0)
    assert other.member_links.count() == 2

    overview = selectors.regional_overview(body=body)
    assert [r["org"] for r in overview.rows] == [current]


def _overview_queries(body) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        overview = selectors.regional_overview(body=body)
        overview.distribution()
        overview.shared_needs()
    return len(ctx.captured_queries), overview


def test_regional_overview_query_count_does_not_grow_with_members(
    framework, staff, django_assert_max_num_queries
):
    members = stockholm_municipalities(20)
    for org in members:
        PublishedAssessmentFactory(organisation=org, score=2, sharing_level=REGION, per_capital=1)
    small = RegionalBodyFactory(slug="test-small", members=members[:5])
    large = RegionalBodyFactory(slug="test-large", members=members)

    with django_assert_max_num_queries(3):
        selectors.regional_overview(body=small)
    with django_assert_max_num_queries(3):
        selectors.regional_overview(body=large)
    small_count, small_overview = _overview_queries(small)
    large_count, large_overview = _overview_queries(large)
    assert small_overview.with_results == 5 and large_overview.with_results == 20
    assert small_count == large_count
