"""A body's clusters of similar ideas, merging them into a joint project, and similar ideas
for a text (the API and the idea form's live suggestions)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kraftsamla.core import access
from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import AuditEvent, Role
from kraftsamla.projects import selectors, services
from kraftsamla.projects.forms import SIMILAR_TEXT_MAX
from kraftsamla.projects.models import Project, ProjectEvent, ProjectStatus
from tests.factories.accounts import UserFactory
from tests.factories.organisations import RegionalBodyFactory
from tests.factories.projects import ProjectFactory
from tests.helpers import (
    ALE_EDITOR,
    COORDINATOR,
    EDITOR_M,
    PRIVATE,
    PUBLIC,
    demo_user,
    org_by_slug,
    stockholm_municipalities,
    translate,
)

pytestmark = pytest.mark.django_db

GR = "goteborgsregionen"
REUSE_TRIO = ("Återbrukshubb", "Återbrukshubbar", "Hubb för återbruk")
DEMO_REUSE = (
    "Återbrukshubb för byggmaterial",
    "Återbrukshubbar för möbler och byggmaterial",
    "En hubb för återbruk i en mindre kommun",
)
PRIVATE_REUSE = "Hemlig återbrukshubb för byggmaterial"


def _client(email: str | None = None, user=None) -> Client:
    client = Client()
    person = user or (demo_user(email) if email else None)
    if person is not None:
        client.force_login(person)
    return client


def _demo(title: str) -> Project:
    return Project.objects.get(title=title, is_demo=True)


def _titles(cluster) -> set[str]:
    return {idea.project.title for idea in cluster.ideas}


def _cluster_of(clusters, title: str):
    return next((cluster for cluster in clusters if title in _titles(cluster)), None)


class Body:
    """A regional body of four Stockholm municipalities (no demo data) and its editor."""

    def __init__(self) -> None:
        self.members = stockholm_municipalities(4)
        self.body = RegionalBodyFactory(members=self.members)
        self.editor = UserFactory(organisation=self.body, role=Role.EDITOR)

    def idea(self, member: int, title: str, summary: str = "", **data) -> Project:
        return ProjectFactory(owner=self.members[member], title=title, summary=summary, **data)

    def clusters(self, who=None, **kwargs):
        return selectors.project_clusters(who or self.editor, self.body, **kwargs).clusters


@pytest.fixture
def body():
    return Body()


@pytest.fixture
def coordinator():
    return demo_user(COORDINATOR)


# --- Clusters ----------------------------------------------------------------------------


def test_the_reuse_hub_trio_of_three_municipalities_is_one_cluster(body):
    for member, title in enumerate(REUSE_TRIO):
        body.idea(member, title)
    # Two ideas that share a verb and nothing of their subject must stay apart.
    body.idea(0, "Minska matsvinnet i skolköken")
    body.idea(3, "Minska utsläppen från tjänsteresor med flyg")
    [cluster] = body.clusters()
    assert _titles(cluster) == set(REUSE_TRIO)
    assert [owner.pk for owner in cluster.owners] == sorted(
        (member.pk for member in body.members[:3]),
        key=lambda pk: next(m.name for m in body.members if m.pk == pk),
    )
    assert {"återbruk", "hubb"} <= set(cluster.words)
    assert 0.3 <= cluster.score <= 1.0
    assert all(0.3 <= idea.score <= 1.0 for idea in cluster.ideas)


def test_similar_ideas_of_one_municipality_alone_are_no_cluster(body):
    body.idea(0, "Återbrukshubb")
    body.idea(0, "Återbrukshubbar")
    body.idea(1, "Solceller på förskolornas tak")
    assert body.clusters() == []


def test_only_early_ideas_by_default_and_all_on_asking(body):
    body.idea(0, "Återbrukshubb")
    running = body.idea(1, "Återbrukshubbar")
    services.project_start(actor=SYSTEM, project=running)
    assert body.clusters() == []
    [cluster] = body.clusters(statuses=None)
    assert _titles(cluster) == {"Återbrukshubb", "Återbrukshubbar"}


def test_a_private_idea_is_never_in_another_viewers_clusters(body):
    body.idea(0, "Återbrukshubb")
    body.idea(1, "Återbrukshubbar", sharing_level=PRIVATE)
    body.idea(2, "Hubb för återbruk", sharing_level=PUBLIC)
    [cluster] = body.clusters()
    assert _titles(cluster) == {"Återbrukshubb", "Hubb för återbruk"}
    # The municipality's own people see it, but they are no body: no clusters for them.
    own = UserFactory(organisation=body.members[1], role=Role.EDITOR)
    assert not access.allows(own, "projects.portfolio.cluster", body.body)


def test_the_demo_reuse_hubs_cluster_for_the_coordinator_without_a_private_one(coordinator):
    ProjectFactory(owner=org_by_slug("tjorn"), title=PRIVATE_REUSE, sharing_level=PRIVATE)
    clusters = selectors.project_clusters(coordinator, org_by_slug(GR)).clusters
    cluster = _cluster_of(clusters, DEMO_REUSE[0])
    assert _titles(cluster) == set(DEMO_REUSE)
    assert all(PRIVATE_REUSE not in _titles(found) for found in clusters)


def test_clusters_are_the_same_from_the_cache_and_afresh(body):
    for member, title in enumerate(REUSE_TRIO):
        body.idea(member, title)
    first = body.clusters()
    from django.core.cache import cache

    cache.clear()
    again = body.clusters()
    assert [(c.key, _titles(c), c.words) for c in first] == [
        (c.key, _titles(c), c.words) for c in again
    ]


def test_only_the_newest_ideas_are_clustered_when_there_are_too_many(body, monkeypatch):
    oldest = body.idea(0, "Återbrukshubb")
    body.idea(1, "Återbrukshubbar")
    body.idea(2, "Hubb för återbruk")
    monkeypatch.setattr(selectors, "CLUSTER_MAX_IDEAS", 2)
    found = selectors.project_clusters(body.editor, body.body)
    assert (found.ideas, found.capped) == (2, True)
    assert oldest not in [idea.project for idea in found.clusters[0].ideas]
    response = _client(user=body.editor).get(reverse("projects:clusters", args=[body.body.slug]))
    assert "2 nyaste" in response.content.decode()


def test_the_similarity_index_is_kept_in_the_process_until_the_data_changes(
    body, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from kraftsamla.core.caching import block_key
    from kraftsamla.core.versions import bump, scopes_for

    body.idea(0, "Återbrukshubb", sharing_level=PUBLIC)
    first, _owners = selectors._similarity_data(body.editor)
    # Kept unpickled: the same object, even when the shared cache has lost it.
    cache.delete(block_key(body.editor, selectors.SIMILARITY_INDEX, ("value",)))
    assert selectors._similarity_data(body.editor)[0] is first
    # A portfolio score changes no idea: the index is kept.
    with django_capture_on_commit_callbacks(execute=True):
        bump(*scopes_for("projects.priorityscore", body.body.pk))
    assert selectors._similarity_data(body.editor)[0] is first
    with django_capture_on_commit_callbacks(execute=True):
        bump(*scopes_for("projects.project", body.members[0].pk))
    assert selectors._similarity_data(body.editor)[0] is not first


def test_cluster_rule_allowed_for_body_deciders_denied_for_others(body, coordinator, gr):
    assert access.allows(coordinator, "projects.portfolio.cluster", gr)
    assert access.allows(body.editor, "projects.portfolio.cluster", body.body)
    viewer = UserFactory(organisation=body.body, role=Role.VIEWER)
    assert access.allows(viewer, "projects.portfolio.view", body.body)
    assert not access.allows(viewer, "projects.portfolio.cluster", body.body)
    assert not access.allows(coordinator, "projects.portfolio.cluster", body.body)
    assert not access.allows(demo_user(EDITOR_M), "projects.portfolio.cluster", gr)
    # Only coordinating bodies have clusters.
    assert not access.allows(
        demo_user(EDITOR_M), "projects.portfolio.cluster", org_by_slug("molndal")
    )


# --- The cluster page --------------------------------------------------------------------


def test_the_cluster_page_lists_the_reuse_hubs_with_municipalities_and_scores():
    response = _client(COORDINATOR).get(reverse("projects:clusters", args=[GR]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "3 kommuner har idéer om" in html
    for title in DEMO_REUSE:
        assert title in html
    for municipality in ("Mölndals kommun", "Kungsbacka kommun", "Ale kommun"):
        assert municipality in html
    cluster = _cluster_of(
        selectors.project_clusters(demo_user(COORDINATOR), org_by_slug(GR)).clusters, DEMO_REUSE[0]
    )
    assert reverse("projects:merge", args=[GR, cluster.key]) in html
    assert "%" in html


def test_the_cluster_page_is_denied_to_others(body):
    url = reverse("projects:clusters", args=[GR])
    assert _client(EDITOR_M).get(url).status_code == 403
    assert _client(user=body.editor).get(url).status_code == 403
    assert Client().get(url).status_code == 302  # to the login page
    assert (
        _client(COORDINATOR).get(reverse("projects:clusters", args=["molndal"])).status_code == 404
    )


def test_the_cluster_page_filter_and_a_bad_value():
    client = _client(COORDINATOR)
    url = reverse("projects:clusters", args=[GR])
    everything = client.get(url, {"ideas": "all"})
    assert everything.status_code == 200
    energy = "Energikartläggning av föreningslokaler"  # completed, and its replication
    assert energy in everything.content.decode()
    assert energy not in client.get(url).content.decode()
    bad = client.get(url, {"ideas": "nonsense"})
    assert bad.status_code == 400
    assert "ideas" in bad.context["form"].errors


def test_the_body_list_links_to_the_clusters_for_deciders_only(gr):
    url = reverse("projects:body", args=[GR])
    clusters_url = reverse("projects:clusters", args=[GR])
    assert clusters_url in _client(COORDINATOR).get(url).content.decode()
    viewer = UserFactory(organisation=gr, role=Role.VIEWER)
    assert clusters_url not in _client(user=viewer).get(url).content.decode()


def test_cluster_page_queries_do_not_grow_with_ideas(body, django_assert_max_num_queries):
    from django.core.cache import cache
    from django.db import connection

    client = _client(user=body.editor)
    url = reverse("projects:clusters", args=[body.body.slug])
    for member, title in enumerate(REUSE_TRIO):
        body.idea(member, title)

    def queries(*, cold: bool) -> int:
        if cold:
            cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    client.get(url)
    before = (queries(cold=True), queries(cold=False))
    for number in range(12):
        body.idea(number % 4, f"Hubbar för återbruk av möbler, nummer {number}")
        body.idea(number % 4, f"Laddplatser för elbilar vid skola {number}")
    after = (queries(cold=True), queries(cold=False))
    assert after == before
    assert len(body.clusters()[0].ideas) > 3
    with django_assert_max_num_queries(12):
        client.get(url)


# --- Merging -----------------------------------------------------------------------------


def _demo_reuse() -> list[Project]:
    return [_demo(title) for title in DEMO_REUSE]


def _reuse_merge_url() -> str:
    found = selectors.project_clusters(demo_user(COORDINATOR), org_by_slug(GR))
    cluster = _cluster_of(found.clusters, DEMO_REUSE[0])
    return reverse("projects:merge", args=[GR, cluster.key])


def test_merge_makes_a_joint_project_and_links_the_ideas(coordinator, molndal):
    ideas = _demo_reuse()
    audits = AuditEvent.objects.count()
    joint = services.project_merge(
        actor=coordinator,
        projects=ideas,
        title="Gemensam återbrukshubb i Göteborgsregionen",
        owner=molndal,
        summary="Tre kommuner delar en hubb.",
    )
    joint.refresh_from_db()
    assert (joint.owner, joint.status, joint.sharing_level) == (
        molndal,
        ProjectStatus.IDEA,
        "region",
    )
    assert joint.is_demo
    assert {p.organisation.slug: p.role for p in joint.participations.all()} == {
        "molndal": "lead",
        "kungsbacka": "participant",
        "ale": "participant",
    }
    assert set(joint.capitals) == {"real", "organisational", "relational", "financial"}
    assert joint.collaboration_form == "resource_base"
    assert joint.events.get().reason.count("(") == 3
    for idea in ideas:
        idea.refresh_from_db()
        assert (idea.status, idea.merged_into) == (ProjectStatus.MERGED, joint)
        event = idea.events.last()
        assert (event.from_status, event.to_status, event.actor) == (
            ProjectStatus.IDEA,
            ProjectStatus.MERGED,
            coordinator,
        )
        assert joint.title in event.reason
    assert AuditEvent.objects.count() > audits
    assert AuditEvent.objects.filter(
        object_type="projects.project", object_id=str(ideas[0].pk), after__status="merged"
    ).exists()


def test_the_joint_project_is_shared_as_its_least_open_idea(body):
    first = body.idea(0, "Återbrukshubb", sharing_level=PUBLIC)
    second = body.idea(1, "Återbrukshubbar", sharing_level=PUBLIC)
    joint = services.project_merge(
        actor=body.editor, projects=[first, second], title="Hubb", owner=body.members[1]
    )
    assert joint.sharing_level == PUBLIC
    third = body.idea(2, "Hubb för återbruk", sharing_level=PUBLIC)
    fourth = body.idea(3, "Hubb för återbruk i skolor")
    joint = services.project_merge(
        actor=body.editor, projects=[third, fourth], title="Hubb 2", owner=body.members[2]
    )
    assert joint.sharing_level == "region"


def _nothing_saved(check):
    counts = (Project.objects.count(), ProjectEvent.objects.count(), AuditEvent.objects.count())
    check()
    assert (
        Project.objects.count(),
        ProjectEvent.objects.count(),
        AuditEvent.objects.count(),
    ) == counts


def test_merge_is_denied_to_those_who_do_not_coordinate_every_owner(body, coordinator, molndal):
    ideas = _demo_reuse()
    other = body.idea(0, "Återbrukshubb")
    viewer = UserFactory(organisation=org_by_slug(GR), role=Role.VIEWER)
    people = [demo_user(EDITOR_M), demo_user(ALE_EDITOR), viewer, body.editor]
    for person in people:
        assert not access.allows(person, "projects.project.merge", ideas[0])

        def merge(person=person):
            with pytest.raises(PermissionDenied):
                services.project_merge(actor=person, projects=ideas, title="x", owner=molndal)

        _nothing_saved(merge)
    # GR's coordinator may merge GR members' ideas, not a Stockholm member's.
    assert access.allows(coordinator, "projects.project.merge", ideas[0])
    assert not access.allows(coordinator, "projects.project.merge", other)

    def mixed():
        with pytest.raises(PermissionDenied):
            services.project_merge(
                actor=coordinator, projects=[ideas[0], other], title="x", owner=molndal
            )

    _nothing_saved(mixed)


def test_merge_refuses_an_idea_the_person_may_not_see(coordinator, molndal):
    hidden = ProjectFactory(owner=org_by_slug("tjorn"), title=PRIVATE_REUSE, sharing_level=PRIVATE)
    # The body decides on Tjörn's ideas, but a private one is not shown to it.
    assert access.allows(coordinator, "projects.project.merge", hidden)
    assert not access.allows(coordinator, "projects.project.view", hidden)

    def merge():
        with pytest.raises(PermissionDenied):
            services.project_merge(
                actor=coordinator,
                projects=[_demo(DEMO_REUSE[0]), hidden],
                title="x",
                owner=molndal,
            )

    _nothing_saved(merge)


@pytest.mark.parametrize(
    "case, field, message",
    [
        ("one", "projects", "Choose at least two ideas to merge."),
        ("same owner", "projects", "Choose ideas of at least two organisations"),
        ("merged", "projects", "is already merged into a joint project."),
        ("running", "projects", "only ideas that have not started can be merged."),
        ("owner", "owner", "Choose the owner among the owners of the ideas."),
        ("title", "title", "This field is required."),
    ],
)
def test_merge_bad_input_says_why_and_saves_nothing(body, case, field, message):
    first, second = body.idea(0, "Återbrukshubb"), body.idea(1, "Återbrukshubbar")
    projects, owner, title = [first, second], body.members[0], "Gemensam hubb"
    if case == "one":
        projects = [first, first]
    elif case == "same owner":
        projects = [first, body.idea(0, "Hubb för återbruk")]
    elif case == "merged":
        third = body.idea(2, "Hubb för återbruk")
        services.project_merge(
            actor=body.editor, projects=[second, third], title="Förra", owner=body.members[1]
        )
    elif case == "running":
        services.project_start(actor=SYSTEM, project=second)
    elif case == "owner":
        owner = body.members[3]
    elif case == "title":
        title = "  "

    def merge():
        with translation.override("en"), pytest.raises(ValidationError) as error:
            services.project_merge(actor=body.editor, projects=projects, title=title, owner=owner)
        assert any(message in text for text in error.value.message_dict[field])

    _nothing_saved(merge)
    first.refresh_from_db()
    assert first.status == ProjectStatus.IDEA and first.merged_into is None


def test_merge_through_the_page_and_both_pages_link(django_capture_on_commit_callbacks):
    client = _client(COORDINATOR)
    url = _reuse_merge_url()
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    ideas = _demo_reuse()
    # All the cluster's ideas are chosen; the idea closest to the others suggests the title.
    assert sorted(form["projects"].value()) == sorted(idea.pk for idea in ideas)
    assert form["title"].value() in DEMO_REUSE
    kungsbacka = org_by_slug("kungsbacka")
    # The data versions change when the merge commits: the clusters are built afresh.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "projects": [idea.pk for idea in ideas],
                "title": "Gemensam återbrukshubb",
                "owner": kungsbacka.pk,
                "summary": "",
                "submission_token": form["submission_token"].value(),
            },
        )
    assert response.status_code == 302
    joint = Project.objects.get(title="Gemensam återbrukshubb")
    assert response["Location"] == joint.get_absolute_url()
    joint_page = client.get(joint.get_absolute_url())
    assert [idea.title for idea in joint_page.context["merged_from"]] == [
        DEMO_REUSE[2],
        DEMO_REUSE[1],
        DEMO_REUSE[0],
    ]
    original = client.get(ideas[0].get_absolute_url())
    html = original.content.decode()
    assert translate("Merged into") in html and "Gemensam återbrukshubb" in html
    assert translate("Merged into a joint project") in html
    # The merged ideas have left the clusters: the joint project stands for them, and
    # the old link leads back to the list.
    again = client.get(reverse("projects:clusters", args=[GR]))
    assert again.status_code == 200 and DEMO_REUSE[0] not in again.content.decode()
    gone = client.get(url)
    assert gone.status_code == 302 and gone["Location"] == reverse("projects:clusters", args=[GR])
    # The same form sent again (a double click) leads to the joint project; nothing more.
    again = client.post(
        url,
        {
            "projects": [idea.pk for idea in ideas],
            "title": "Gemensam återbrukshubb",
            "owner": kungsbacka.pk,
            "summary": "",
            "submission_token": form["submission_token"].value(),
        },
    )
    assert again.status_code == 302 and again["Location"] == joint.get_absolute_url()
    assert Project.objects.filter(title="Gemensam återbrukshubb").count() == 1


def test_merge_page_answers_404_for_a_hidden_idea_and_saves_nothing():
    hidden = ProjectFactory(owner=org_by_slug("tjorn"), title=PRIVATE_REUSE, sharing_level=PRIVATE)
    client = _client(COORDINATOR)
    url = _reuse_merge_url()
    molndal_hub = _demo(DEMO_REUSE[0])

    def post(ids):
        return client.post(url, {"projects": ids, "title": "x", "owner": molndal_hub.owner_id})

    def hidden_one():
        assert post([molndal_hub.pk, hidden.pk]).status_code == 404
        assert post([molndal_hub.pk, 999_999]).status_code == 404
        assert post([molndal_hub.pk, "x"]).status_code == 404

    _nothing_saved(hidden_one)
    # An idea outside the body's members is as unknown to the page.
    linkoping = Project.objects.get(owner__slug="linkoping", is_demo=True)

    def outside():
        assert post([molndal_hub.pk, linkoping.pk]).status_code == 404

    _nothing_saved(outside)


def test_merge_page_shows_errors_and_saves_nothing():
    client = _client(COORDINATOR)
    url = _reuse_merge_url()
    molndal_hub = _demo(DEMO_REUSE[0])

    def one_idea():
        response = client.post(
            url, {"projects": [molndal_hub.pk], "title": "x", "owner": molndal_hub.owner_id}
        )
        assert response.status_code == 400
        form = response.context["form"]
        assert "projects" in form.errors
        html = response.content.decode()
        assert translate("Choose at least two ideas to merge.") in html
        assert 'aria-describedby="id_projects-help id_projects-errors"' in html or (
            'id="id_projects-errors"' in html
        )
        # The cluster's ideas stay to choose from.
        assert len(form.fields["projects"].choices) == 3

    _nothing_saved(one_idea)


def test_merge_page_is_denied_to_others(body):
    url = _reuse_merge_url()
    molndal_hub = _demo(DEMO_REUSE[0])
    data = {"projects": [molndal_hub.pk], "title": "x", "owner": molndal_hub.owner_id}
    assert _client(EDITOR_M).post(url, data).status_code == 403
    assert _client(EDITOR_M).get(url).status_code == 403
    viewer = UserFactory(organisation=org_by_slug(GR), role=Role.VIEWER)
    assert _client(user=viewer).get(url).status_code == 403
    # Another body's editor: not a body of GR's members.
    assert _client(user=body.editor).get(url).status_code == 403


# --- Similar ideas for a text: the API ---------------------------------------------------


def _similar(client, **params):
    return client.get(reverse("api:project-similar"), params)


def test_the_api_answers_similar_ideas_of_other_organisations_with_scores():
    response = _similar(_client(COORDINATOR), text="Vi vill bygga en återbrukshubb för möbler")
    assert response.status_code == 200
    rows = response.json()
    assert {row["project"]["title"] for row in rows} >= set(DEMO_REUSE)
    assert rows == sorted(rows, key=lambda row: -row["score"])
    assert all(0 < row["score"] <= 1 and row["shared_words"] for row in rows)
    # Mölndal's editor does not get Mölndal's own ideas, nor what is shared with the body only.
    public = ProjectFactory(
        owner=org_by_slug("partille"), title="Återbrukshubb för möbler", sharing_level=PUBLIC
    )
    rows = _similar(_client(EDITOR_M), text="Återbrukshubb").json()
    assert [row["project"]["id"] for row in rows] == [public.pk]
    limited = _similar(_client(COORDINATOR), text="återbrukshubb", limit="1").json()
    assert len(limited) == 1
    without = _similar(
        _client(COORDINATOR), text="återbrukshubb", owner="kungsbacka", exclude=public.pk
    ).json()
    assert {row["project"]["owner"] for row in without} == {"molndal", "ale"}
    # An unknown organisation has no ideas to leave out: Mölndal's own come back too.
    unknown = _similar(_client(EDITOR_M), text="Återbrukshubb", owner="okand-organisation")
    assert unknown.status_code == 200
    assert {row["project"]["owner"] for row in unknown.json()} == {"partille", "molndal"}


def test_the_api_never_answers_a_private_idea_of_another_organisation():
    hidden = ProjectFactory(owner=org_by_slug("tjorn"), title=PRIVATE_REUSE, sharing_level=PRIVATE)
    for client in (_client(COORDINATOR), _client(ALE_EDITOR), _client(EDITOR_M), Client()):
        rows = _similar(client, text=PRIVATE_REUSE, limit="20").json()
        assert hidden.pk not in [row["project"]["id"] for row in rows]
    tjorn_person = UserFactory(organisation=org_by_slug("tjorn"), role=Role.VIEWER)
    own = _similar(_client(user=tjorn_person), text=PRIVATE_REUSE, owner="molndal").json()
    assert hidden.pk in [row["project"]["id"] for row in own]


@pytest.mark.parametrize(
    "params, field",
    [
        ({}, "text"),
        ({"text": ""}, "text"),
        ({"text": "x" * (SIMILAR_TEXT_MAX + 1)}, "text"),
        ({"text": "hubb", "limit": "0"}, "limit"),
        ({"text": "hubb", "limit": "many"}, "limit"),
        ({"text": "hubb", "owner": "inte en slug"}, "owner"),
        ({"text": "hubb", "exclude": "-1"}, "exclude"),
        # The page's live suggestions send a blank `exclude`; the API's contract says integer.
        ({"text": "hubb", "exclude": ""}, "exclude"),
        ({"text": "hubb", "limit": ""}, "limit"),
    ],
)
def test_the_api_answers_400_with_the_error_shape(params, field):
    response = _similar(_client(COORDINATOR), **params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_filter" and field in error["fields"]


def test_the_api_takes_the_longest_text_allowed_and_a_constant_number_of_queries(
    django_assert_max_num_queries,
):
    client = _client(COORDINATOR)
    text = ("återbrukshubb för möbler " * 60)[:SIMILAR_TEXT_MAX]
    assert _similar(client, text=text).status_code == 200
    with django_assert_max_num_queries(8):
        assert _similar(client, text="återbrukshubb").status_code == 200


# --- Live suggestions on the idea form ---------------------------------------------------


def test_suggestions_fragment_for_the_idea_form():
    public = ProjectFactory(
        owner=org_by_slug("partille"), title="Återbrukshubb för möbler", sharing_level=PUBLIC
    )
    client = _client(EDITOR_M)
    url = reverse("projects:similar", args=["molndal"])
    response = client.get(url, {"text": "Återbrukshubbar"})
    assert response.status_code == 200
    html = response.content.decode()
    assert public.title in html and 'target="_blank"' in html
    assert "<html" not in html
    assert "data-similar-count" in html
    edited = client.get(url, {"text": "Återbrukshubbar", "exclude": public.pk}).content.decode()
    assert public.title not in edited
    assert client.get(url, {"text": "x" * (SIMILAR_TEXT_MAX + 1)}).status_code == 400
    assert client.get(url).status_code == 400


def test_suggestions_fragment_is_for_the_owners_editors(viewer_m):
    url = reverse("projects:similar", args=["molndal"])
    assert _client(user=viewer_m).get(url, {"text": "hubb"}).status_code == 403
    assert _client(ALE_EDITOR).get(url, {"text": "hubb"}).status_code == 403
    assert Client().get(url, {"text": "hubb"}).status_code == 302


def test_the_idea_form_lists_suggestions_server_side(molndal):
    public = ProjectFactory(
        owner=org_by_slug("partille"), title="Återbrukshubb för möbler", sharing_level=PUBLIC
    )
    client = _client(EDITOR_M)
    new = client.get(reverse("projects:new", args=["molndal"]))
    html = new.content.decode()
    assert new.context["similar"] is None
    assert 'role="status"' in html and "kraftsamla/similar.js" in html
    assert 'data-similar-url="/projekt/organisation/molndal/liknande/"' in html
    # After a send with errors, the list is there without JavaScript.
    sent = client.post(
        reverse("projects:new", args=["molndal"]),
        {"title": "Återbrukshubbar", "budget": "-1", "sharing_level": "region"},
    )
    assert sent.status_code == 400
    assert public.title in sent.content.decode()
    project = ProjectFactory(owner=molndal, title="Återbrukshubb i Mölndal")
    edit = client.get(reverse("projects:edit", args=[project.pk]))
    assert [match.project for match in edit.context["similar"]] == [public]
    assert f"?exclude={project.pk}" in edit.content.decode()


def test_similar_api_with_no_match_still_asks_the_view_rule(client):
    """A cached index may answer "nothing similar" without a query; the view rule is asked
    all the same (strict access mode fails the request otherwise)."""
    for _ in range(2):
        response = client.get("/api/v1/projects/similar/", {"text": "Any", "exclude": "429"})
        assert response.status_code == 200
        assert response.json() == []
