"""两荐一考一选: the four steps in order, each refusal, and the reason a candidate stopped."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cadres import services
from cadres.models import Candidate, GroupLeader, Step, VoteRule
from chengjiang.access import SYSTEM
from tests.cadres.factories import (
    ElectionRoundFactory,
    candidate,
    elect,
    examine,
    qualify,
    recommend,
    through_exam,
)
from tests.cadres.factories import VillageGroupFactory as GroupF

D = datetime.date
Stage = Candidate.Stage
pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    group = GroupF()
    return ElectionRoundFactory(villages=[group.village]), group


def _msg(exc):
    return exc.value.messages


def test_full_path_elects_and_makes_the_leader(setup):
    rnd, group = setup
    c = through_exam(rnd, group)
    c = elect(c, votes_for=76, votes_cast=150)
    assert c.stage == Stage.ELECTED
    leader = GroupLeader.objects.get(candidate=c)
    assert leader.group == group and leader.ended_on is None
    assert leader.started_on == rnd.term_start and leader.term_end == rnd.term_end


def test_group_outside_the_round_is_refused(setup):
    rnd, _group = setup
    with pytest.raises(ValidationError) as exc:
        candidate(rnd, GroupF())
    assert str(services.MSG_GROUP_NOT_IN_ROUND) in _msg(exc)


@pytest.mark.parametrize(
    "step",
    [
        lambda c: recommend(c),
        lambda c: examine(c),
        lambda c: elect(c),
    ],
)
def test_no_step_before_qualification(setup, step):
    c = candidate(*setup)
    with pytest.raises(ValidationError) as exc:
        step(c)
    assert _msg(exc)[0].startswith(str(services.MSG_STEP_ORDER).split("%")[0])
    c.refresh_from_db()
    assert c.stage == Stage.REGISTERED


def test_exam_before_recommendations_and_election_before_exam_are_refused(setup):
    c = candidate(*setup)
    qualify(c)
    with pytest.raises(ValidationError) as exc:
        examine(c)
    assert str(services.MSG_STEP_ORDER % {"step": Step.EXAM.label}) in _msg(exc)
    recommend(c)
    with pytest.raises(ValidationError) as exc:
        elect(c)
    assert str(services.MSG_STEP_ORDER % {"step": Step.ELECTION.label}) in _msg(exc)


def test_a_step_cannot_be_recorded_twice(setup):
    c = candidate(*setup)
    qualify(c)
    with pytest.raises(ValidationError) as exc:
        qualify(c)
    assert str(services.MSG_STEP_DONE % {"step": Step.QUALIFICATION.label}) in _msg(exc)


def test_failing_a_condition_stops_with_the_reason(setup):
    c = qualify(candidate(*setup), lives_locally=False)
    assert c.stage == Stage.STOPPED and c.stopped_at == Step.QUALIFICATION
    assert "长期在家" in c.stop_reason or "long-term" in c.stop_reason
    assert c.qualification_checked_by == "审查组"
    with pytest.raises(ValidationError) as exc:
        recommend(c)
    assert str(services.MSG_CANDIDATE_STOPPED) in _msg(exc)


def test_all_five_conditions_and_the_checker_are_required(setup):
    c = candidate(*setup)
    with pytest.raises(ValidationError) as exc:
        services.candidate_check_qualification(
            candidate=c,
            conditions={"politically_reliable": True},
            checked_by="审查组",
            checked_on=D(2024, 3, 15),
            by=SYSTEM,
        )
    assert str(services.MSG_CONDITIONS_MISSING) in _msg(exc)
    with pytest.raises(ValidationError) as exc:
        qualify_with_checker(c, "  ")
    assert str(services.MSG_CHECKED_BY) in _msg(exc)


def qualify_with_checker(c, checker):
    from tests.cadres.factories import ALL_MET

    return services.candidate_check_qualification(
        candidate=c, conditions=ALL_MET, checked_by=checker, checked_on=D(2024, 3, 15), by=SYSTEM
    )


def test_party_not_recommending_stops(setup):
    c = recommend(qualify(candidate(*setup)), party=False)
    assert c.stage == Stage.STOPPED and c.stopped_at == Step.RECOMMENDATION
    assert c.stop_reason


@pytest.mark.parametrize(("votes_for", "passes"), [(25, False), (26, True)])
def test_mass_recommendation_needs_more_than_half(setup, votes_for, passes):
    c = recommend(qualify(candidate(*setup)), votes_for=votes_for, votes_cast=50)
    assert (c.stage == Stage.RECOMMENDED) is passes
    if not passes:
        assert c.stopped_at == Step.RECOMMENDATION and "25" in c.stop_reason


def test_votes_for_above_votes_cast_are_refused(setup):
    c = qualify(candidate(*setup))
    with pytest.raises(ValidationError) as exc:
        recommend(c, votes_for=51, votes_cast=50)
    assert str(services.MSG_VOTES_EXCEED) in _msg(exc)


@pytest.mark.parametrize(("score", "passes"), [("59.5", False), ("60", True)])
def test_exam_against_the_pass_mark(setup, score, passes):
    c = examine(recommend(qualify(candidate(*setup))), score=score)
    assert (c.stage == Stage.EXAMINED) is passes
    if not passes:
        assert c.stopped_at == Step.EXAM and "59.5" in c.stop_reason


def test_exam_score_out_of_range_is_refused(setup):
    c = recommend(qualify(candidate(*setup)))
    with pytest.raises(ValidationError) as exc:
        examine(c, score="101")
    assert str(services.MSG_SCORE_RANGE) in _msg(exc)


@pytest.mark.parametrize(("votes_for", "elected"), [(75, False), (76, True)])
def test_election_by_more_than_half_of_those_present(setup, votes_for, elected):
    c = elect(through_exam(*setup), votes_for=votes_for, votes_cast=150)
    assert (c.stage == Stage.ELECTED) is elected
    assert GroupLeader.objects.filter(candidate=c).exists() is elected
    if not elected:  # another ballot (另行选举): the candidate stays for it
        assert c.stage == Stage.EXAMINED


def test_the_law_not_the_rounds_rule_decides_the_election():
    """《村民委员会组织法》第二十八条: more than half of those present, whatever the round says."""
    group = GroupF()
    rnd = ElectionRoundFactory(villages=[group.village], election_rule=VoteRule.TWO_THIRDS)
    c = elect(through_exam(rnd, group), votes_for=76, votes_cast=150)
    assert c.stage == Stage.ELECTED


def test_a_second_winner_in_one_group_is_refused(setup):
    rnd, group = setup
    elect(through_exam(rnd, group))
    other = through_exam(rnd, group)
    with pytest.raises(ValidationError) as exc:
        elect(other)
    assert str(services.MSG_GROUP_ALREADY_ELECTED) in _msg(exc)
    assert GroupLeader.objects.serving().filter(group=group).count() == 1


def test_withdrawal_stops_at_the_next_step_with_the_reason(setup):
    c = recommend(qualify(candidate(*setup)))
    c = services.candidate_withdraw(candidate=c, reason="本人申请退出", by=SYSTEM)
    assert c.stage == Stage.STOPPED and c.stopped_at == Step.EXAM
    assert c.stop_reason == "本人申请退出"
    with pytest.raises(ValidationError, match="该候选人已终止于前一环节，不能再登记后续环节。"):
        services.candidate_withdraw(candidate=c, reason="again", by=SYSTEM)


def test_future_dates_are_refused(setup):
    c = candidate(*setup)
    with pytest.raises(ValidationError) as exc:
        services.candidate_check_qualification(
            candidate=c,
            conditions={f: True for f in Candidate.QUALIFICATIONS},
            checked_by="审查组",
            checked_on=D(2999, 1, 1),
            by=SYSTEM,
        )
    assert str(services.MSG_FUTURE_DATE) in _msg(exc)


def test_stop_needs_a_reason_in_the_database(setup):
    from django.db import IntegrityError, transaction

    c = candidate(*setup)
    with pytest.raises(IntegrityError), transaction.atomic():
        Candidate.objects.filter(pk=c.pk).update(stage=Stage.STOPPED, stopped_at="exam")


def test_exam_score_is_decimal(setup):
    c = examine(recommend(qualify(candidate(*setup))), score="88.5")
    c.refresh_from_db()
    assert c.exam_score == Decimal("88.5")
