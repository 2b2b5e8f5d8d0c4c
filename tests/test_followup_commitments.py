"""Follow-up, slice 2: units as a tree, commitments and actions with weighted progress,
permissions per unit, the commitment pages and downloads, the promise menu and its
roll-up for the body, and the API."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import Role, SharingLevel
from kraftsamla.followup import selectors, services, trends
from kraftsamla.followup.models import (
    Action,
    Commitment,
    CommitmentKind,
    ProgressStatus,
    PromiseMenu,
    UnitKind,
)
from kraftsamla.followup.trends import ProgressNode
from tests.factories.accounts import UserFactory
from tests.helpers import (
    ADMIN_M,
    COORDINATOR,
    EDITOR_M,
    VIEWER_M,
    count_queries,
    demo_user,
    translate,
)

pytestmark = pytest.mark.django_db


# --- Progress, by hand ----------------------------------------------------------------------


def test_progress_is_weighted_from_sub_actions():
    # Sub-actions 50 % (weight 1), done (100 %, weight 3), cancelled (does not count):
    # (50·1 + 100·3) / 4 = 87.5.
    parent = ProgressNode(
        "started",
        None,
        1,
        [
            ProgressNode("started", 50, 1),
            ProgressNode("done", None, 3),
            ProgressNode("cancelled", 10, 5),
        ],
    )
    assert trends.progress_of(parent) == pytest.approx(87.5)


def test_progress_without_a_figure_is_0_or_100():
    assert trends.progress_of(ProgressNode("not_started", None, 1)) == 0
    assert trends.progress_of(ProgressNode("done", None, 1)) == 100
    assert trends.progress_of(ProgressNode("cancelled", None, 1)) is None
    assert trends.weighted_progress([ProgressNode("cancelled", None, 1)]) is None


def test_the_demo_contract_progress(linkoping):
    contract = Commitment.objects.get(organisation=linkoping, kind="climate_contract", is_demo=True)
    page = selectors.commitment_page(SYSTEM, contract)
    # The arena (weight 2) has sub-actions at 50 %, done and postponed at 0 %: 50 %.
    # The charging points (weight 1) are not started: (50·2 + 0·1) / 3.
    arena = page.roots[0]
    assert arena.progress == pytest.approx(50.0)
    assert page.progress == pytest.approx(100 / 3)


# --- Units and permissions per unit ---------------------------------------------------------------


@pytest.fixture
def molndal_setup(molndal):
    """Two departments under one administration, a commitment with an action in each."""
    admin = demo_user(ADMIN_M)
    administration = services.unit_create(
        actor=admin,
        organisation=molndal,
        data={"name": "Stadsbyggnadsförvaltningen", "kind": UnitKind.ADMINISTRATION},
    )
    traffic = services.unit_create(
        actor=admin,
        organisation=molndal,
        data={"name": "Trafik", "kind": UnitKind.DEPARTMENT, "parent": administration},
    )
    parks = services.unit_create(
        actor=admin,
        organisation=molndal,
        data={"name": "Park", "kind": UnitKind.DEPARTMENT, "parent": administration},
    )
    traffic_editor = UserFactory(organisation=molndal, role=Role.EDITOR)
    services.unit_person_add(actor=admin, unit=traffic, user=traffic_editor)
    boss = UserFactory(organisation=molndal, role=Role.EDITOR)
    services.unit_person_add(actor=admin, unit=administration, user=boss)
    commitment = services.commitment_create(
        actor=admin,
        organisation=molndal,
        data={
            "kind": CommitmentKind.STRATEGY_GOAL,
            "title": {"sv": "Hållbart resande"},
            "responsible_unit": administration,
            "sharing_level": SharingLevel.PRIVATE,
        },
    )
    bus_lane = services.action_create(
        actor=admin, commitment=commitment, data={"title": "Busskörfält", "unit": traffic}
    )
    trees = services.action_create(
        actor=admin, commitment=commitment, data={"title": "Fler träd", "unit": parks}
    )
    return {
        "units": (administration, traffic, parks),
        "traffic_editor": traffic_editor,
        "boss": boss,
        "commitment": commitment,
        "bus_lane": bus_lane,
        "trees": trees,
    }


def test_units_form_a_tree(molndal_setup, molndal):
    administration, traffic, parks = molndal_setup["units"]
    assert traffic.path == f"/{administration.pk}/{traffic.pk}/"
    names = [unit.name for unit in selectors.units_of(molndal)]
    assert names.index("Stadsbyggnadsförvaltningen") < names.index("Trafik")
    assert traffic.depth == 1


def test_a_unit_of_another_organisation_is_refused_as_parent(molndal_setup, ale):
    with pytest.raises(ValidationError):
        services.unit_create(
            actor=SYSTEM,
            organisation=ale,
            data={"name": "X", "kind": UnitKind.DEPARTMENT, "parent": molndal_setup["units"][0]},
        )


def test_an_editor_changes_the_status_of_their_own_units_action(molndal_setup):
    action = services.action_status_set(
        actor=molndal_setup["traffic_editor"],
        action=molndal_setup["bus_lane"],
        status=ProgressStatus.STARTED,
        comment="Projektering pågår",
        progress=20,
    )
    assert (action.status, action.progress) == (ProgressStatus.STARTED, 20)


def test_a_status_change_on_another_units_action_is_denied(molndal_setup):
    with pytest.raises(PermissionDenied):
        services.action_status_set(
            actor=molndal_setup["traffic_editor"],
            action=molndal_setup["trees"],
            status=ProgressStatus.DONE,
        )
    molndal_setup["trees"].refresh_from_db()
    assert molndal_setup["trees"].status == ProgressStatus.NOT_STARTED


def test_a_unit_above_and_the_administrator_may_change_any_action(molndal_setup):
    services.action_status_set(
        actor=molndal_setup["boss"], action=molndal_setup["trees"], status=ProgressStatus.STARTED
    )
    action = services.action_status_set(
        actor=demo_user(ADMIN_M), action=molndal_setup["trees"], status=ProgressStatus.DONE
    )
    assert action.progress == 100  # done without a figure counts as complete


def test_a_viewer_may_not_change_a_status(molndal_setup):
    with pytest.raises(PermissionDenied):
        services.action_status_set(
            actor=demo_user(VIEWER_M), action=molndal_setup["bus_lane"], status="done"
        )


def test_the_page_refuses_a_status_change_on_another_units_action(molndal_setup):
    client = Client()
    client.force_login(molndal_setup["traffic_editor"])
    trees = molndal_setup["trees"]
    url = reverse("followup:action-status", kwargs={"pk": trees.pk})
    assert client.post(url, {"status": "done"}).status_code == 403
    bus_lane = molndal_setup["bus_lane"]
    url = reverse("followup:action-status", kwargs={"pk": bus_lane.pk})
    response = client.post(url, {"status": "started", "comment": "Igång", "progress": "30"})
    assert response.status_code == 302
    bus_lane.refresh_from_db()
    assert bus_lane.status_comment == "Igång"


def test_a_bad_progress_is_shown_at_the_field(molndal_setup):
    client = Client()
    client.force_login(molndal_setup["traffic_editor"])
    url = reverse("followup:action-status", kwargs={"pk": molndal_setup["bus_lane"].pk})
    response = client.post(url, {"status": "started", "progress": "150"})
    assert response.status_code == 400
    assert (
        f'id="action-{molndal_setup["bus_lane"].pk}-progress-errors"' in response.content.decode()
    )


def test_the_commitment_page_shows_only_the_forms_the_person_may_use(molndal_setup, molndal):
    client = Client()
    client.force_login(molndal_setup["traffic_editor"])
    url = reverse(
        "followup:commitment", kwargs={"slug": "molndal", "pk": molndal_setup["commitment"].pk}
    )
    page = client.get(url).content.decode()
    assert reverse("followup:action-status", kwargs={"pk": molndal_setup["bus_lane"].pk}) in page
    assert reverse("followup:action-status", kwargs={"pk": molndal_setup["trees"].pk}) not in page


def test_a_private_commitment_is_404_for_another_municipality(molndal_setup, ale):
    client = Client()
    client.force_login(UserFactory(organisation=ale, role=Role.ADMIN))
    url = reverse(
        "followup:commitment", kwargs={"slug": "molndal", "pk": molndal_setup["commitment"].pk}
    )
    assert client.get(url).status_code == 404
    api = client.get(f"/api/v1/followup/commitments/{molndal_setup['commitment'].pk}/")
    assert api.status_code == 404
    listed = client.get("/api/v1/followup/organisations/molndal/commitments/").json()
    assert molndal_setup["commitment"].pk not in [c["id"] for c in listed]


def test_the_commitment_page_asks_a_constant_number_of_queries(molndal_setup, linkoping):
    client = Client()
    client.force_login(demo_user(ADMIN_M))
    url = reverse(
        "followup:commitment", kwargs={"slug": "molndal", "pk": molndal_setup["commitment"].pk}
    )
    client.get(url)  # the first request also reads the session's user and caches
    before, _response = count_queries(lambda: client.get(url))
    for index in range(5):
        services.action_create(
            actor=SYSTEM,
            commitment=molndal_setup["commitment"],
            data={"title": f"Extra {index}", "unit": molndal_setup["units"][1]},
        )
    after, _response = count_queries(lambda: client.get(url))
    assert after == before


def test_the_list_downloads_as_csv_and_xlsx(linkoping):
    client = Client()
    response = client.get("/uppfoljning/linkoping/ataganden/", {"format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == translate("Commitment")
    assert any("Klimatkontrakt 2030" in row[0] for row in rows[1:])
    assert any(row[-1] == "33,3" for row in rows[1:])
    xlsx = client.get("/uppfoljning/linkoping/ataganden/", {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert sheet.max_row >= 2


def test_the_demo_contract_page(linkoping):
    contract = Commitment.objects.get(organisation=linkoping, kind="climate_contract", is_demo=True)
    page = (
        Client()
        .get(reverse("followup:commitment", kwargs={"slug": "linkoping", "pk": contract.pk}))
        .content.decode()
    )
    assert "Kommunstyrelsen" in page
    assert "Testbäddscheckar" in page
    assert "33" in page  # the progress


def test_the_units_page(linkoping):
    page = Client().get("/uppfoljning/linkoping/enheter/").content.decode()
    assert "Hållbarhetsavdelningen (demo)" in page


# --- The promise menu ---------------------------------------------------------------


@pytest.fixture
def menu(gr):
    return PromiseMenu.objects.get(body=gr, is_demo=True)


def test_the_body_sees_who_chose_what(menu):
    rollup = selectors.menu_rollup(demo_user(COORDINATOR), menu)
    by_number = {item.number: item for item in rollup.items}
    chosen_first = {c.organisation.slug for c in rollup.choices[by_number[1].pk]}
    assert chosen_first == {"molndal", "ale", "kungsbacka"}
    assert [item.number for item in rollup.unchosen] == [6]
    # 2024 (promises 1–3): Mölndal done + started, Ale started + not started, Kungsbacka done.
    assert rollup.by_year[2024] == {
        "not_started": 1,
        "started": 2,
        "done": 2,
        "postponed": 0,
        "cancelled": 0,
    }
    assert rollup.by_year[2025]["started"] == 1 and rollup.by_year[2025]["done"] == 1


def test_the_menu_page_shows_the_rollup_only_to_the_body(menu):
    url = reverse("followup:menu", kwargs={"pk": menu.pk})
    public = Client().get(url).content.decode()
    assert "Fossilfria tjänsteresor" in public
    assert translate("Promises nobody chose") not in public
    client = Client()
    client.force_login(demo_user(COORDINATOR))
    page = client.get(url).content.decode()
    assert translate("Promises nobody chose") in page
    assert "Begagnade och renoverade möbler först" in page


def test_a_member_adopts_a_promise_with_its_decision(menu, molndal):
    client = Client()
    client.force_login(demo_user(EDITOR_M))
    promise = menu.items.get(number=2)
    url = reverse("followup:promise-choose", kwargs={"pk": menu.pk})
    response = client.post(
        url,
        {
            "organisation": molndal.pk,
            "promise": promise.pk,
            "adopted_by": "Kommunstyrelsen",
            "adopted_on": "2025-05-05",
            "decision_reference": "KS 2025/123",
            "sharing_level": "region",
        },
    )
    assert response.status_code == 302
    chosen = Commitment.objects.get(organisation=molndal, promise=promise)
    assert chosen.kind == CommitmentKind.CLIMATE_PROMISE
    assert chosen.decision_reference == "KS 2025/123"
    again = client.post(
        url,
        {
            "organisation": molndal.pk,
            "promise": promise.pk,
            "adopted_by": "Kommunstyrelsen",
            "adopted_on": "2025-05-05",
            "sharing_level": "region",
        },
    )
    assert again.status_code == 400


def test_only_members_choose_from_a_menu(menu, linkoping):
    with pytest.raises(ValidationError):
        services.promise_choose(
            actor=SYSTEM,
            organisation=linkoping,
            promise=menu.items.first(),
            data={"adopted_by": "KS", "adopted_on": datetime.date(2025, 1, 1)},
        )


def test_a_promise_needs_its_decision(menu, molndal):
    with pytest.raises(ValidationError) as caught:
        services.promise_choose(
            actor=SYSTEM, organisation=molndal, promise=menu.items.get(number=6), data={}
        )
    assert set(caught.value.message_dict) == {"adopted_by", "adopted_on"}


def test_someone_outside_the_members_may_not_post_a_choice(menu, linkoping):
    client = Client()
    client.force_login(UserFactory(organisation=linkoping, role=Role.ADMIN))
    url = reverse("followup:promise-choose", kwargs={"pk": menu.pk})
    assert client.post(url, {}).status_code == 403


def test_only_the_bodys_editors_publish_a_menu(gr):
    with pytest.raises(PermissionDenied):
        services.promise_menu_create(
            actor=demo_user(EDITOR_M), body=gr, data={"title": {"sv": "X"}}, items=[]
        )


# --- API ---------------------------------------------------------------


def test_api_action_status_per_unit(molndal_setup):
    from tests.helpers import token_client

    client = token_client(molndal_setup["traffic_editor"])
    bus_lane, trees = molndal_setup["bus_lane"], molndal_setup["trees"]
    ok = client.post(
        f"/api/v1/followup/actions/{bus_lane.pk}/status/",
        {"status": "done", "comment": "Klart"},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["progress"] == 100
    denied = client.post(
        f"/api/v1/followup/actions/{trees.pk}/status/",
        {"status": "done"},
        content_type="application/json",
    )
    assert denied.status_code == 403
    bad = client.post(
        f"/api/v1/followup/actions/{bus_lane.pk}/status/",
        {"status": "finished"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "status" in bad.json()["error"]["fields"]


def test_api_commitment_with_actions(linkoping):
    contract = Commitment.objects.get(organisation=linkoping, kind="climate_contract", is_demo=True)
    data = Client().get(f"/api/v1/followup/commitments/{contract.pk}/").json()
    assert data["commitment"]["progress"] == pytest.approx(100 / 3)
    assert len(data["actions"]) == Action.objects.filter(commitment=contract).count()


def test_api_menu_rollup_only_for_the_body(menu):
    public = Client().get(f"/api/v1/followup/menus/{menu.pk}/").json()
    assert public["by_year"] is None and public["items"][0]["chosen_by"] is None
    client = Client()
    client.force_login(demo_user(COORDINATOR))
    data = client.get(f"/api/v1/followup/menus/{menu.pk}/").json()
    assert sorted(data["items"][0]["chosen_by"]) == ["ale", "kungsbacka", "molndal"]


# --- Writing commitments and actions through the pages -----------------------------------------


def test_an_editor_records_a_commitment_and_adds_actions(molndal_setup, molndal):
    client = Client()
    client.force_login(demo_user(EDITOR_M))
    administration = molndal_setup["units"][0]
    response = client.post(
        reverse("followup:commitment-add", kwargs={"slug": "molndal"}),
        {
            "kind": "strategy_goal",
            "title_sv": "Fossilfri fordonsflotta",
            "adopted_by": "Kommunfullmäktige",
            "adopted_on": "2025-02-01",
            "period_start": "2025-01-01",
            "period_end": "2027-12-31",
            "responsible_unit": administration.pk,
            "capitals": ["political", "financial"],
            "emission_sectors": ["transport"],
            "sharing_level": "region",
        },
    )
    assert response.status_code == 302
    commitment = Commitment.objects.get(organisation=molndal, title__sv="Fossilfri fordonsflotta")
    assert commitment.capitals == ["political", "financial"]
    url = reverse("followup:action-add", kwargs={"slug": "molndal", "pk": commitment.pk})
    added = client.post(
        url,
        {
            "title": "Upphandla elbilar",
            "unit": molndal_setup["units"][1].pk,
            "cost": "1 500 000,50",
            "weight": "2",
        },
    )
    assert added.status_code == 302
    parent = Action.objects.get(commitment=commitment)
    assert str(parent.cost) == "1500000.50"
    sub = client.post(url, {"title": "Laddboxar", "parent": parent.pk, "weight": "1"})
    assert sub.status_code == 302
    assert Action.objects.get(title="Laddboxar").parent == parent


def test_a_unit_of_another_municipality_cannot_be_chosen(molndal_setup, ale):
    other = services.unit_create(
        actor=SYSTEM, organisation=ale, data={"name": "Ales avdelning", "kind": "department"}
    )
    client = Client()
    client.force_login(demo_user(EDITOR_M))
    url = reverse(
        "followup:action-add", kwargs={"slug": "molndal", "pk": molndal_setup["commitment"].pk}
    )
    response = client.post(url, {"title": "X", "unit": other.pk, "weight": "1"})
    assert response.status_code == 400
    assert 'id="id_unit-errors"' in response.content.decode()


def test_a_viewer_may_not_record_commitments(molndal):
    client = Client()
    client.force_login(demo_user(VIEWER_M))
    assert (
        client.get(reverse("followup:commitment-add", kwargs={"slug": "molndal"})).status_code
        == 403
    )


def test_capital_scores_are_shown_next_to_the_commitments(molndal, menu):
    from kraftsamla.capacity.models import AssessmentResult

    results = AssessmentResult.objects.filter(
        assessment__organisation=molndal, assessment__status="published"
    )
    scores = selectors.capital_scores(
        demo_user(VIEWER_M), molndal, Commitment.objects.filter(organisation=molndal)
    )
    assert scores.years == sorted(set(results.values_list("assessment__year", flat=True)))
    linked = {key for key, _label, _scores, is_linked in scores.rows if is_linked}
    assert linked == set()  # the demo promises name no capitals
    if scores.years:
        client = Client()
        client.force_login(demo_user(VIEWER_M))
        page = client.get(reverse("followup:commitments", kwargs={"slug": "molndal"}))
        assert translate("Capital scores by year") in page.content.decode()
    # Someone outside sees no private assessment's scores.
    outside = selectors.capital_scores(UserFactory(), molndal, [])
    shared = results.filter(assessment__sharing_level="public")
    assert len(outside.years) == len(set(shared.values_list("assessment__year", flat=True)))


# --- The annual report -------------------------------------------------------------------------


def test_the_annual_report_has_a_page_per_commitment_with_charts_and_tables(linkoping):
    url = reverse("followup:annual-report", kwargs={"slug": "linkoping", "year": 2025})
    page = Client().get(url).content.decode()
    assert page.count('class="report-page"') == 2  # the climate contract and the emissions
    assert "Klimatkontrakt 2030" in page
    assert "Testbäddscheckar" in page
    assert page.count("<svg") >= 2 * 2  # wide and narrow variants
    assert translate("What changed since the year before") in page


def test_the_annual_report_leaves_out_commitments_of_other_years(linkoping):
    url = reverse("followup:annual-report", kwargs={"slug": "linkoping", "year": 2020})
    assert "Klimatkontrakt 2030" not in Client().get(url).content.decode()


def test_the_annual_report_asks_the_same_queries_with_more_commitments(molndal_setup):
    client = Client()
    client.force_login(demo_user(ADMIN_M))
    url = reverse("followup:annual-report", kwargs={"slug": "molndal", "year": 2025})
    client.get(url)
    before, _response = count_queries(lambda: client.get(url))
    for n in range(3):
        commitment = services.commitment_create(
            actor=SYSTEM,
            organisation=molndal_setup["commitment"].organisation,
            data={"kind": "strategy_goal", "title": {"sv": f"Mål {n}"}},
        )
        services.action_create(actor=SYSTEM, commitment=commitment, data={"title": "Åtgärd"})
    after, _response = count_queries(lambda: client.get(url))
    assert after == before


def test_an_unlikely_year_is_404(linkoping):
    url = reverse("followup:annual-report", kwargs={"slug": "linkoping", "year": 1200})
    assert Client().get(url).status_code == 404


def test_the_admin_lists_follow_up_read_only(linkoping):
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for model in (
        "indicatordefinition",
        "indicatorvalue",
        "target",
        "emissiontarget",
        "importbatch",
        "responsibleunit",
        "commitment",
        "action",
        "promisemenu",
    ):
        response = client.get(f"/admin/followup/{model}/")
        assert response.status_code == 200, model
        assert client.get(f"/admin/followup/{model}/add/").status_code == 403, model
