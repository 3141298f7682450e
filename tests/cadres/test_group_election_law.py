"""村民组长 elections as the law runs them (《村民委员会组织法》第二十八条, issue 11 §4).

The 村民小组会议 is valid only with two-thirds of those who should attend present; a candidate is
elected with more than half of those present; a tie or nobody over half is 另行选举 (another
ballot of the same round), never "the first row recorded". A leader's term is the villagers'
committee's.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError

from cadres import services
from cadres.models import (
    Candidate,
    GroupLeader,
    GroupMeeting,
    VillageCommitteeTerm,
    has_quorum,
    is_majority,
    term_end_from,
)
from chengjiang.access import SYSTEM
from tests.cadres.factories import ElectionRoundFactory, through_exam
from tests.cadres.factories import VillageGroupFactory as GroupF
from tests.factories import valid_id_number

D = datetime.date
Stage = Candidate.Stage
Outcome = GroupMeeting.Outcome
pytestmark = pytest.mark.django_db
HELD_ON = D(2024, 4, 20)


@pytest.fixture
def race():
    group = GroupF()
    rnd = ElectionRoundFactory(villages=[group.village])
    a = through_exam(rnd, group, name="甲")
    b = through_exam(rnd, group, name="乙")
    return rnd, group, a, b


def meet(rnd, group, votes, *, expected=30, present=30, basis="adults", held_on=HELD_ON):
    return services.group_meeting_record(
        round=rnd,
        group=group,
        held_on=held_on,
        basis=basis,
        expected=expected,
        present=present,
        votes=votes,
        by=SYSTEM,
    )


def _msgs(exc):
    return exc.value.messages


# --- the arithmetic, at its boundaries ------------------------------------------------------------


@pytest.mark.parametrize(
    ("expected", "present", "valid"),
    [
        (18, 12, True),  # exactly two-thirds
        (18, 11, False),
        (10, 7, True),  # 7 ≥ 6.67
        (10, 6, False),
        (3, 2, True),
        (1, 1, True),
        (1, 0, False),
        (0, 0, False),
    ],
)
def test_quorum_is_two_thirds_of_those_who_should_attend(expected, present, valid):
    assert has_quorum(expected=expected, present=present) is valid


@pytest.mark.parametrize(
    ("votes", "present", "elected"),
    [(11, 20, True), (10, 20, False), (11, 21, True), (10, 21, False), (0, 0, False)],
)
def test_majority_is_more_than_half_of_those_present(votes, present, elected):
    assert is_majority(votes=votes, present=present) is elected


# --- the meeting's validity -----------------------------------------------------------------------


def test_a_meeting_without_quorum_is_refused_and_records_nothing(race):
    rnd, group, a, b = race
    with pytest.raises(ValidationError) as exc:
        meet(rnd, group, {a: 10, b: 1}, expected=18, present=11)
    assert _msgs(exc) == [
        str(services.MSG_NO_QUORUM) % {"present": 11, "expected": 18, "quorum": 12}
    ]
    assert not GroupMeeting.objects.exists()
    a.refresh_from_db()
    assert a.stage == Stage.EXAMINED and not GroupLeader.objects.exists()


def test_exactly_two_thirds_present_is_a_valid_meeting(race):
    rnd, group, a, b = race
    meeting = meet(rnd, group, {a: 7, b: 5}, expected=18, present=12)
    assert meeting.outcome == Outcome.ELECTED and meeting.winner == a


def test_household_representatives_are_a_basis_too(race):
    rnd, group, a, b = race
    meeting = meet(rnd, group, {a: 30, b: 10}, expected=60, present=40, basis="households")
    assert meeting.basis == GroupMeeting.Basis.HOUSEHOLDS and meeting.winner == a


def test_more_present_than_should_attend_is_refused(race):
    rnd, group, a, _b = race
    with pytest.raises(ValidationError, match=str(services.MSG_PRESENT_EXCEEDS)):
        meet(rnd, group, {a: 20}, expected=30, present=31)


def test_votes_cannot_exceed_those_present(race):
    rnd, group, a, b = race
    with pytest.raises(ValidationError, match=str(services.MSG_BALLOT_VOTES_EXCEED)):
        meet(rnd, group, {a: 20, b: 11}, present=30)


def test_the_database_refuses_a_meeting_below_quorum(race):
    rnd, group, _a, _b = race
    row = GroupMeeting(
        round=rnd,
        group=group,
        held_on=HELD_ON,
        basis="adults",
        expected=18,
        present=11,
        outcome=Outcome.ANOTHER_BALLOT,
    )
    with pytest.raises(ValidationError, match="三分之二"):
        row.full_clean()


# --- the winner: more than half of those present --------------------------------------------------


def test_more_than_half_of_those_present_elects_and_the_leader_takes_office(race):
    rnd, group, a, b = race
    meeting = meet(rnd, group, {a: 16, b: 12}, present=30)
    assert meeting.outcome == Outcome.ELECTED and meeting.ballot == 1
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.stage == Stage.ELECTED
    assert (a.election_votes_for, a.election_votes_cast, a.election_on) == (16, 30, HELD_ON)
    assert b.stage == Stage.STOPPED and b.stopped_at == "election" and "甲" in b.stop_reason
    assert GroupLeader.objects.serving().get(group=group).candidate == a


def test_exactly_half_of_those_present_is_not_elected(race):
    rnd, group, a, b = race
    meeting = meet(rnd, group, {a: 15, b: 14}, present=30)
    assert meeting.outcome == Outcome.ANOTHER_BALLOT and meeting.winner is None
    assert not GroupLeader.objects.exists()


def test_half_of_votes_cast_is_not_half_of_those_present(race):
    """14 of 16 votes cast, but 30 were present: no majority of the meeting."""
    rnd, group, a, b = race
    meeting = meet(rnd, group, {a: 14, b: 2}, present=30)
    assert meeting.outcome == Outcome.ANOTHER_BALLOT


def test_a_tie_is_another_ballot_then_the_next_ballot_elects(race):
    rnd, group, a, b = race
    first = meet(rnd, group, {a: 14, b: 14}, present=30)
    assert first.outcome == Outcome.ANOTHER_BALLOT and first.ballot == 1
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.stage == b.stage == Stage.EXAMINED  # both stay for the next ballot
    assert sorted(v.votes for v in first.votes.all()) == [14, 14]
    second = meet(rnd, group, {a: 17, b: 12}, present=30, held_on=HELD_ON + datetime.timedelta(1))
    assert second.ballot == 2 and second.outcome == Outcome.ELECTED and second.winner == a
    assert list(GroupMeeting.objects.filter(group=group).values_list("ballot", "outcome")) == [
        (1, Outcome.ANOTHER_BALLOT),
        (2, Outcome.ELECTED),
    ]


def test_no_ballot_after_the_group_has_elected(race):
    rnd, group, a, b = race
    meet(rnd, group, {a: 20, b: 5})
    with pytest.raises(ValidationError, match=str(services.MSG_GROUP_ALREADY_ELECTED)):
        meet(rnd, group, {a: 20})


def test_only_candidates_who_passed_the_exam_are_on_the_ballot(race):
    rnd, group, a, _b = race
    other = through_exam(rnd, GroupF(village=group.village), name="丙")
    with pytest.raises(ValidationError, match="丙"):
        meet(rnd, group, {a: 20, other: 1})


# --- the term follows the villagers' committee's --------------------------------------------------


def test_a_committee_term_is_five_years_by_default():
    group = GroupF()
    term = services.village_committee_term_save(
        term=VillageCommitteeTerm(village=group.village, starts_on=D(2021, 10, 8)), by=SYSTEM
    )
    assert term.ends_on == D(2026, 10, 7) == term_end_from(D(2021, 10, 8))


def test_an_elected_leaders_term_ends_with_the_committee_term(race):
    rnd, group, a, b = race
    term = services.village_committee_term_save(
        term=VillageCommitteeTerm(village=group.village, starts_on=D(2024, 1, 1)), by=SYSTEM
    )
    assert term.ends_on != rnd.term_end
    meet(rnd, group, {a: 20, b: 5})
    leader = GroupLeader.objects.get(candidate=a)
    assert leader.term_end == term.ends_on


def test_without_a_committee_term_the_round_term_is_used(race):
    rnd, group, a, b = race
    meet(rnd, group, {a: 20, b: 5})
    assert GroupLeader.objects.get(candidate=a).term_end == rnd.term_end


def test_changing_the_villages_term_moves_the_leaders_term_end(race):
    rnd, group, a, b = race
    term = services.village_committee_term_save(
        term=VillageCommitteeTerm(village=group.village, starts_on=D(2024, 1, 1)), by=SYSTEM
    )
    meet(rnd, group, {a: 20, b: 5})
    term.ends_on = D(2028, 12, 31)
    services.village_committee_term_save(term=term, by=SYSTEM)
    assert GroupLeader.objects.get(candidate=a).term_end == D(2028, 12, 31)


def test_overlapping_committee_terms_are_refused():
    group = GroupF()
    services.village_committee_term_save(
        term=VillageCommitteeTerm(village=group.village, starts_on=D(2021, 10, 8)), by=SYSTEM
    )
    with pytest.raises(ValidationError, match=str(services.MSG_TERM_OVERLAP)):
        services.village_committee_term_save(
            term=VillageCommitteeTerm(village=group.village, starts_on=D(2025, 1, 1)), by=SYSTEM
        )


# --- the admin: a ballot for the selected candidates of one group ---------------------------------


@pytest.mark.usefixtures("demo_db")
def test_the_office_records_a_ballot_from_the_candidates_list(client):
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from branches.models import Village

    office = get_user_model().objects.get(username="office")
    client.force_login(office, backend="django.contrib.auth.backends.ModelBackend")
    group = GroupF(village=Village.objects.get(name="花园村"))
    rnd = ElectionRoundFactory(villages=[group.village])
    a, b = through_exam(rnd, group, name="甲"), through_exam(rnd, group, name="乙")
    url = reverse("admin:cadres_candidate_changelist")
    chosen = {"action": "meeting_action", "_selected_action": [a.pk, b.pk]}
    page = client.post(url, chosen)
    assert page.status_code == 200 and "应到人数" in page.content.decode()
    form = {
        **chosen,
        "apply": "1",
        "held_on": "2024-04-20",
        "basis": "adults",
        "expected": "30",
        "present": "19",
    }
    refused = client.post(url, {**form, f"votes_{a.pk}": "15", f"votes_{b.pk}": "4"})
    assert "不足三分之二" in refused.content.decode()
    assert not GroupMeeting.objects.filter(group=group).exists()
    tie = client.post(url, {**form, "present": "20", f"votes_{a.pk}": "10", f"votes_{b.pk}": "10"})
    assert tie.status_code == 302
    assert GroupMeeting.objects.get(group=group).outcome == Outcome.ANOTHER_BALLOT
    client.post(url, {**form, "present": "20", f"votes_{a.pk}": "11", f"votes_{b.pk}": "9"})
    second = GroupMeeting.objects.get(group=group, ballot=2)
    assert second.winner == a


def test_a_leader_entered_by_hand_also_ends_with_the_committee_term():
    group = GroupF()
    term = services.village_committee_term_save(
        term=VillageCommitteeTerm(village=group.village, starts_on=D(2021, 10, 8)), by=SYSTEM
    )
    leader = services.leader_save(
        leader=GroupLeader(
            group=group,
            name="丁",
            gender="M",
            id_number=valid_id_number(),
            started_on=D(2023, 3, 1),
            term_end=D(2030, 1, 1),
        ),
        by=SYSTEM,
    )
    assert leader.term_end == term.ends_on
