"""The rules engine: every rule kind passed and failed with hand-computed numbers.

Pure Python: no database. Reasons are checked in Swedish (the default) and English.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import translation

from kraftsamla.funding import rules
from kraftsamla.funding.facts import (
    ApplicationFacts,
    AttachmentFact,
    AttachmentType,
    PartyFact,
    PartyRole,
    SignerRole,
)
from kraftsamla.funding.rules import FAILED, NOT_CHECKABLE, PASSED, RuleSpec
from kraftsamla.funding.schema import Invalid, clean
from kraftsamla.organisations.models import ActorGroup

D = Decimal
NBSP = "\u202f"


def party(name: str, role: str = PartyRole.PARTY, group: str | None = "public", **extra):
    return PartyFact(name=name, role=role, actor_group=group, slug=extra.pop("slug", ""), **extra)


def facts(*parties: PartyFact, **extra) -> ApplicationFacts:
    return ApplicationFacts(parties=tuple(parties), **extra)


def outcome(kind: str, parameters: dict, application: ApplicationFacts, names=None):
    [result] = rules.evaluate([RuleSpec(kind, parameters)], application, names)
    return result


def sv(result) -> str:
    return result.reason.in_language("sv")


def en(result) -> str:
    return result.reason.in_language("en")


def sek(text: str) -> str:
    """Write thousands as the formatter does (a narrow no-break space between digits)."""
    return re.sub(r"(?<=\d) (?=\d{3}\b|\d{3}[,.])", NBSP, text)


# --- Minimum number of parties --------------------------------------------------------------


@pytest.mark.parametrize("count, status", [(3, FAILED), (4, PASSED), (5, PASSED), (0, FAILED)])
def test_min_parties_at_the_boundary(count, status):
    application = facts(*(party(f"P{i}", slug=f"p{i}") for i in range(count)))
    result = outcome("min_parties", {"minimum": 4}, application)
    assert result.status == status
    assert sv(result) == f"{count} parter, minst 4 krävs"
    assert en(result) == f"{count} parties, at least 4 required"


def test_min_parties_counts_an_organisation_once_and_uses_the_singular():
    twice = facts(party("Ale", slug="ale"), party("Ale", slug="ale", role=PartyRole.COORDINATOR))
    result = outcome("min_parties", {"minimum": 2}, twice)
    assert result.status == FAILED
    assert sv(result) == "1 part, minst 2 krävs"
    assert en(result) == "1 party, at least 2 required"


# --- Actor groups -------------------------------------------------------------------------

ALL_GROUPS = {"groups": ["academia", "business", "public", "civil_society"]}


def test_actor_groups_all_present_passes():
    application = facts(
        party("LiU", group="academia"),
        party("Almi", group="business"),
        party("Linköping", group="public"),
        party("Spira", group="civil_society"),
    )
    assert outcome("actor_groups", ALL_GROUPS, application).status == PASSED


def test_actor_groups_names_the_missing_group():
    application = facts(
        party("LiU", group="academia"), party("Almi", group="business"), party("Linköping")
    )
    result = outcome("actor_groups", ALL_GROUPS, application)
    assert result.status == FAILED
    assert sv(result) == "saknar aktörsgrupp: Idéburen sektor"
    assert en(result) == "missing actor group: Civil society"


def test_actor_groups_names_several_missing_groups():
    result = outcome("actor_groups", ALL_GROUPS, facts(party("Linköping")))
    assert sv(result) == "saknar aktörsgrupper: Akademi och forskning, Näringsliv, Idéburen sektor"


def test_actor_groups_with_a_party_of_unknown_group_is_not_checkable():
    application = facts(party("LiU", group="academia"), party("Okänd förening", group=None))
    result = outcome("actor_groups", {"groups": ["academia", "civil_society"]}, application)
    assert result.status == NOT_CHECKABLE
    assert "Okänd förening" in sv(result)


# --- Coordinator --------------------------------------------------------------------------

VIABLE = "viable-cities"
NAMES = {VIABLE: "Viable Cities", "linkoping": "Linköpings kommun"}


def test_coordinator_member_of_the_programme_passes():
    coordinator = party(
        "Linköping", role=PartyRole.COORDINATOR, slug="linkoping", member_of=frozenset({VIABLE})
    )
    result = outcome("coordinator", {"member_of": [VIABLE]}, facts(coordinator), NAMES)
    assert result.status == PASSED
    assert sv(result) == "Linköping får koordinera som medlem i Viable Cities"


def test_coordinator_outside_the_programme_fails():
    coordinator = party("Mjölby", role=PartyRole.COORDINATOR, slug="mjolby")
    result = outcome("coordinator", {"member_of": [VIABLE]}, facts(coordinator), NAMES)
    assert result.status == FAILED
    assert sv(result) == "Mjölby är inte medlem i Viable Cities"


def test_coordinator_in_a_list_of_organisations():
    linkoping = party("Linköping", role=PartyRole.COORDINATOR, slug="linkoping")
    mjolby = party("Mjölby", role=PartyRole.COORDINATOR, slug="mjolby")
    listed = {"organisations": ["linkoping"]}
    assert outcome("coordinator", listed, facts(linkoping)).status == PASSED
    result = outcome("coordinator", listed, facts(mjolby))
    assert result.status == FAILED
    assert en(result) == "Mjölby is not one of the organisations that may coordinate"


def test_coordinator_missing_is_not_checkable_and_two_coordinators_fail():
    result = outcome("coordinator", {"member_of": [VIABLE]}, facts(party("Almi")))
    assert result.status == NOT_CHECKABLE
    assert sv(result) == "ingen part har rollen koordinator ännu"
    two = facts(
        party("A", role=PartyRole.COORDINATOR, slug="a"),
        party("B", role=PartyRole.COORDINATOR, slug="b"),
    )
    assert outcome("coordinator", {"organisations": ["a"]}, two).status == FAILED


def test_a_coordinator_outside_the_register_is_not_checkable():
    result = outcome(
        "coordinator", {"member_of": [VIABLE]}, facts(party("X", role=PartyRole.COORDINATOR))
    )
    assert result.status == NOT_CHECKABLE


# --- Maximum support, raised per number of twin cities ------------------------------------

CEILING = {
    "amount": 3_000_000,
    "twin_city_raises": [
        {"twin_cities": 1, "raise": 1_000_000},
        {"twin_cities": 2, "raise": 1_500_000},
    ],
}


def with_twins(count: int, support: int) -> ApplicationFacts:
    twins = [party(f"Tvilling {i}", role=PartyRole.TWIN_CITY, slug=f"t{i}") for i in range(count)]
    return facts(party("Pionjär", role=PartyRole.COORDINATOR), *twins, support_requested=D(support))


@pytest.mark.parametrize(
    "twins, ceiling",
    [(0, 3_000_000), (1, 4_000_000), (2, 4_500_000), (3, 4_500_000)],
)
def test_max_support_at_exactly_the_ceiling_passes_and_one_krona_more_fails(twins, ceiling):
    exactly = outcome("max_support", CEILING, with_twins(twins, ceiling))
    assert exactly.status == PASSED
    above = outcome("max_support", CEILING, with_twins(twins, ceiling + 1))
    assert above.status == FAILED
    ceiling_text = f"{ceiling:,}".replace(",", NBSP)
    above_text = f"{ceiling + 1:,}".replace(",", NBSP)
    noun = "tvillingstad" if twins == 1 else "tvillingstäder"
    assert sv(above) == f"sökt stöd {above_text} kr, högst {ceiling_text} kr med {twins} {noun}"


def test_max_support_in_english_and_with_ore():
    result = outcome("max_support", CEILING, with_twins(1, 0))
    assert result.status == PASSED
    application = facts(
        party("Pionjär", role=PartyRole.COORDINATOR, support=D("3000000.50")),
    )
    result = outcome("max_support", CEILING, application)
    assert result.status == FAILED
    assert en(result) == sek(
        "support requested 3 000 000.50 SEK, at most 3 000 000 SEK with 0 twin cities"
    )
    assert sv(result) == sek("sökt stöd 3 000 000,50 kr, högst 3 000 000 kr med 0 tvillingstäder")


def test_max_support_sums_the_parties_and_is_not_checkable_without_figures():
    application = facts(
        party("A", role=PartyRole.COORDINATOR, support=D(2_000_000)),
        party("B", role=PartyRole.TWIN_CITY, support=D(2_000_001), slug="b"),
    )
    assert outcome("max_support", CEILING, application).status == FAILED
    result = outcome("max_support", CEILING, facts(party("A")))
    assert result.status == NOT_CHECKABLE
    assert sv(result) == "sökt stöd är inte känt ännu"


def test_max_support_describes_its_steps():
    description = rules.describe(RuleSpec("max_support", CEILING)).in_language("sv")
    assert description == sek(
        "Stöd på högst 3 000 000 kr; 4 000 000 kr med 1 tvillingstad; "
        "4 500 000 kr med 2 tvillingstäder eller fler"
    )


# --- Maximum support share ------------------------------------------------------------------


@pytest.mark.parametrize(
    "support, total, status, share",
    [
        (2_000_000, 4_000_000, PASSED, "50,0"),  # exactly 50 %
        (2_000_001, 4_000_000, FAILED, "50,00003"),
        (1_999_999, 4_000_000, PASSED, "50,0"),
        (2_100_000, 4_000_000, FAILED, "52,5"),
    ],
)
def test_max_support_share(support, total, status, share):
    application = facts(party("A"), support_requested=D(support), total_budget=D(total))
    result = outcome("max_support_share", {"percent": 50}, application)
    assert result.status == status
    support_text = f"{support:,}".replace(",", NBSP)
    assert (
        sv(result) == f"stöd {support_text} kr av 4{NBSP}000{NBSP}000 kr är {share} %, högst 50 %"
    )


def test_max_support_share_from_the_parties_budgets():
    # Support 4 000 000; own budgets 3 000 000 money + 1 000 000 time: 50 % exactly.
    application = facts(
        party("A", support=D(3_000_000), cofunding_money=D(2_000_000)),
        party("B", support=D(1_000_000), cofunding_money=D(1_000_000), cofunding_time=D(1_000_000)),
    )
    assert outcome("max_support_share", {"percent": 50}, application).status == PASSED
    assert outcome("max_support_share", {"percent": "49.99"}, application).status == FAILED


def test_max_support_share_without_a_budget_is_not_checkable():
    assert outcome("max_support_share", {"percent": 50}, facts()).status == NOT_CHECKABLE
    zero = facts(party("A", support=D(0), cofunding_money=D(0)))
    assert outcome("max_support_share", {"percent": 50}, zero).status == NOT_CHECKABLE


# --- Own budget of each twin city ------------------------------------------------------------


def test_each_twin_city_has_its_own_budget_in_time_or_money():
    application = facts(
        party("Mjölby", role=PartyRole.TWIN_CITY, cofunding_time=D(400_000)),
        party("Motala", role=PartyRole.TWIN_CITY, cofunding_money=D(1)),
    )
    result = outcome("own_budget", {}, application)
    assert result.status == PASSED
    assert sv(result) == sek("Tvillingstad med egen budget: Mjölby 400 000 kr, Motala 1 kr")


def test_a_twin_city_with_zero_own_budget_fails_and_an_unknown_one_is_not_checkable():
    zero = facts(
        party("Mjölby", role=PartyRole.TWIN_CITY, cofunding_time=D(400_000)),
        party("Motala", role=PartyRole.TWIN_CITY, support=D(500_000), cofunding_money=D(0)),
    )
    result = outcome("own_budget", {"role": "twin_city"}, zero)
    assert result.status == FAILED
    assert sv(result) == "Tvillingstad utan egen budget: Motala"
    unknown = facts(party("Motala", role=PartyRole.TWIN_CITY))
    assert outcome("own_budget", {}, unknown).status == NOT_CHECKABLE


def test_own_budget_without_twin_cities_passes():
    result = outcome("own_budget", {}, facts(party("Linköping", role=PartyRole.COORDINATOR)))
    assert result.status == PASSED
    assert sv(result) == "Ingen part har rollen Tvillingstad"


# --- Required allocation per twin city -----------------------------------------------------

TRANSITION_LAB = {"activity": "Transition Lab", "amount": 200_000}


@pytest.mark.parametrize(
    "allocated, status", [(200_000, PASSED), (199_999, FAILED), (250_000, PASSED)]
)
def test_allocation_per_twin_city(allocated, status):
    application = facts(
        party(
            "Mjölby",
            role=PartyRole.TWIN_CITY,
            cofunding_time=D(500_000),
            allocations={"transition  lab": D(allocated)},
        )
    )
    result = outcome("allocation", TRANSITION_LAB, application)
    assert result.status == status
    if status == FAILED:
        assert sv(result) == sek("mindre än 200 000 kr till Transition Lab: Mjölby 199 999 kr")


def test_allocation_missing_for_one_twin_city_names_it():
    application = facts(
        party(
            "Mjölby",
            role=PartyRole.TWIN_CITY,
            cofunding_time=D(1),
            allocations={"Transition Lab": D(200_000)},
        ),
        party("Motala", role=PartyRole.TWIN_CITY, cofunding_time=D(1)),
    )
    result = outcome("allocation", TRANSITION_LAB, application)
    assert result.status == FAILED
    assert en(result) == sek("less than 200 000 SEK for Transition Lab: Motala 0 SEK")


def test_allocation_of_a_twin_city_without_budget_is_not_checkable():
    application = facts(party("Motala", role=PartyRole.TWIN_CITY))
    assert outcome("allocation", TRANSITION_LAB, application).status == NOT_CHECKABLE


# --- Mandatory attachment per role -----------------------------------------------------------

LETTER = {
    "role": "twin_city",
    "type": "support_letter",
    "signer_role": "political_leadership",
}


def letter(signer: str = SignerRole.POLITICAL_LEADERSHIP) -> AttachmentFact:
    return AttachmentFact(type=AttachmentType.SUPPORT_LETTER, signer_role=signer)


def test_support_letter_signed_by_the_political_leadership_passes():
    application = facts(party("Mjölby", role=PartyRole.TWIN_CITY, attachments=(letter(),)))
    result = outcome("attachment", LETTER, application)
    assert result.status == PASSED
    assert sv(result) == "”Stödbrev” bifogat för: Mjölby"


def test_a_missing_letter_and_one_signed_by_someone_else_fail():
    application = facts(
        party("Mjölby", role=PartyRole.TWIN_CITY, attachments=(letter(),)),
        party("Motala", role=PartyRole.TWIN_CITY),
        party("Boxholm", role=PartyRole.TWIN_CITY, attachments=(letter(SignerRole.MANAGEMENT),)),
    )
    result = outcome("attachment", LETTER, application)
    assert result.status == FAILED
    assert sv(result) == (
        "saknar ”Stödbrev” undertecknat av politisk ledning: Motala, Boxholm; "
        "undertecknat av någon annan för: Boxholm"
    )
    assert en(result) == (
        "missing “Support letter” signed by political leadership: Motala, Boxholm; "
        "signed by someone else for: Boxholm"
    )


def test_an_attachment_of_the_whole_application():
    rule = {"type": "budget_sheet"}
    assert outcome("attachment", rule, facts(party("A"))).status == FAILED
    with_sheet = facts(party("A"), attachments=(AttachmentFact(type="budget_sheet"),))
    assert outcome("attachment", rule, with_sheet).status == PASSED


# --- Project dates inside the window -------------------------------------------------------

WINDOW = {"earliest_start": "2024-12-01", "latest_end": "2027-10-31"}
DAY = datetime.date


@pytest.mark.parametrize(
    "start, end, status",
    [
        (DAY(2024, 12, 1), DAY(2027, 10, 31), PASSED),  # both boundaries
        (DAY(2024, 11, 30), DAY(2027, 10, 31), FAILED),
        (DAY(2024, 12, 1), DAY(2027, 11, 1), FAILED),
        (DAY(2024, 12, 1), None, NOT_CHECKABLE),
        (DAY(2024, 11, 1), None, FAILED),
    ],
)
def test_project_dates(start, end, status):
    result = outcome("project_dates", WINDOW, facts(project_start=start, project_end=end))
    assert result.status == status


def test_project_dates_reason():
    result = outcome(
        "project_dates", WINDOW, facts(project_start=DAY(2024, 11, 30), project_end=DAY(2027, 1, 1))
    )
    assert sv(result) == (
        "startar 2024-11-30, tidigast 2024-12-01; slutar 2027-01-01, senast 2027-10-31"
    )


# --- Submission inside the opening window --------------------------------------------------

OPEN = {"opens": "2024-03-06", "closes": "2024-06-05"}


@pytest.mark.parametrize(
    "day, status",
    [
        (DAY(2024, 3, 6), PASSED),
        (DAY(2024, 6, 5), PASSED),  # the closing date itself
        (DAY(2024, 6, 6), FAILED),
        (DAY(2024, 3, 5), FAILED),
        (None, NOT_CHECKABLE),
    ],
)
def test_submission_window(day, status):
    result = outcome("submission_window", OPEN, facts(submission_date=day))
    assert result.status == status
    if day == DAY(2024, 6, 6):
        assert sv(result) == "inlämnad 2024-06-06, öppen 2024-03-06–2024-06-05"


# --- Parameters: clear errors with their paths ----------------------------------------------


@pytest.mark.parametrize(
    "kind, parameters, problem",
    [
        ("min_parties", {}, "parameters.minimum: required"),
        ("min_parties", {"minimum": 0}, "parameters.minimum: must be at least 1"),
        ("min_parties", {"minimum": "4"}, "parameters.minimum: must be a whole number"),
        ("min_parties", {"minimum": 4, "maximum": 9}, "parameters.maximum: unknown field"),
        ("actor_groups", {"groups": ["academia", "x"]}, "parameters.groups[1]: must be one of"),
        ("actor_groups", {"groups": ["public", "public"]}, "parameters.groups[1]: given twice"),
        ("coordinator", {}, "parameters: give at least one of: organisations, member_of"),
        ("max_support", {"amount": -1}, "parameters.amount: must be at least 0"),
        ("max_support", {"amount": "1.005"}, "parameters.amount: must be a number with at most"),
        (
            "max_support",
            {
                "amount": 1,
                "twin_city_raises": [
                    {"twin_cities": 1, "raise": 1},
                    {"twin_cities": 1, "raise": 2},
                ],
            },
            "parameters.twin_city_raises[1].twin_cities: given twice",
        ),
        (
            "max_support",
            {"amount": 1, "twin_city_raises": [{"twin_cities": 1}]},
            "parameters.twin_city_raises[0].raise: required",
        ),
        ("max_support_share", {"percent": 101}, "parameters.percent: must be at most 100"),
        ("allocation", {"activity": " ", "amount": 1}, "parameters.activity: must not be empty"),
        ("attachment", {"type": "letter"}, "parameters.type: must be one of"),
        (
            "project_dates",
            {"earliest_start": "1 dec 2024"},
            "parameters.earliest_start: must be a date",
        ),
        (
            "project_dates",
            {"earliest_start": "2025-01-01", "latest_end": "2024-01-01"},
            "parameters.latest_end: must not be before earliest_start",
        ),
        ("submission_window", {"opens": "2024-03-06"}, "parameters.closes: required"),
    ],
)
def test_invalid_parameters_are_reported_with_their_path(kind, parameters, problem):
    with translation.override("en"):
        _cleaned, problems = rules.parameters_clean(kind, parameters)
        assert any(str(found).startswith(problem) for found in problems), [str(p) for p in problems]


def test_an_unknown_kind_is_an_error_and_not_checkable():
    with translation.override("en"):
        _cleaned, problems = rules.parameters_clean("max_cats", {}, "rules[2].parameters")
        assert str(problems[0]).startswith("rules[2].kind: unknown rule kind “max_cats”")
    result = outcome("max_cats", {}, facts())
    assert result.status == NOT_CHECKABLE


def test_swedish_problem_messages():
    _cleaned, problems = rules.parameters_clean("min_parties", {}, "rules[0].parameters")
    assert str(problems[0]) == "rules[0].parameters.minimum: obligatoriskt"


def test_schema_clean_raises_with_every_problem():
    with pytest.raises(Invalid) as raised:
        clean(rules.KINDS["submission_window"].schema, {"opens": "x", "closes": "y"})
    assert [problem.path for problem in raised.value.problems] == ["opens", "closes"]


def test_every_kind_has_a_label_a_schema_and_an_example_in_this_file():
    tested = {
        "min_parties",
        "actor_groups",
        "coordinator",
        "max_support",
        "max_support_share",
        "own_budget",
        "allocation",
        "attachment",
        "project_dates",
        "submission_window",
    }
    assert set(rules.KINDS) == tested
    for kind in rules.KINDS.values():
        assert str(kind.label) and kind.schema.describe()["type"] == "object"


# --- A whole application: Linköping with Mjölby as twin city ----------------------------------


def test_the_viable_cities_rules_pass_for_linkopings_application():
    from kraftsamla.funding.demo import VIABLE_CITIES_RULES

    application = facts(
        party(
            "Linköping",
            role=PartyRole.COORDINATOR,
            slug="linkoping",
            member_of=frozenset({"viable-cities-klimatneutrala-stader-2030"}),
            support=D(3_500_000),
            cofunding_time=D(2_500_000),
        ),
        party(
            "Mjölby",
            role=PartyRole.TWIN_CITY,
            slug="mjolby",
            support=D(500_000),
            cofunding_time=D(500_000),
            allocations={"Transition Lab": D(200_000)},
            attachments=(letter(),),
        ),
        party(
            "Linköpings universitet",
            group=ActorGroup.ACADEMIA,
            slug="liu",
            cofunding_time=D(500_000),
        ),
        party("Almi", group=ActorGroup.BUSINESS, slug="almi", cofunding_time=D(300_000)),
        party("Spira", group=ActorGroup.CIVIL_SOCIETY, slug="spira", cofunding_time=D(200_000)),
        project_start=DAY(2024, 12, 1),
        project_end=DAY(2027, 10, 31),
        submission_date=DAY(2024, 6, 5),
    )
    specs = [RuleSpec(**rule, order=i) for i, rule in enumerate(VIABLE_CITIES_RULES)]
    outcomes = rules.evaluate(specs, application)
    assert [(o.kind, o.status) for o in outcomes if o.status != PASSED] == []
    assert rules.outcome_counts(outcomes) == {"passed": 10, "failed": 0, "not_checkable": 0}
