"""The demo states the report's figures of 队伍建设, read through the measures."""

import pytest
from django.core.management import call_command

from branches.models import Organization
from cadres.models import Candidate, GroupLeader, Pairing, ReserveCadre, VillageGroup
from chengjiang import measures
from chengjiang.measures import Period

Y2024 = Period.year(2024)


@pytest.fixture
def demo(demo_db):
    """The demo, loaded once for the module (tests/conftest.py)."""


def _value(key, scope="", **params):
    return measures.get(key).evaluate(period=Y2024, scope=scope, **params).value


def test_demo_reproduces_the_report(demo):
    assert VillageGroup.objects.count() == 21
    assert _value("cadres.group_leaders_elected") == 21
    huayuan = Organization.objects.get(name="中共澄江街道花园村委员会")
    qingqiao = Organization.objects.get(name="中共澄江街道青桥村总支部委员会")
    assert _value("cadres.reserve_cadres_recruited", scope=huayuan.path) == 1
    assert _value("cadres.reserve_cadres_recruited", scope=qingqiao.path) == 0
    # 青桥村 named a reserve cadre in 2024 without an open recruitment: not "公开招考"
    assert ReserveCadre.objects.filter(
        village__name="青桥村", recruited_on__year=2024, applicant__isnull=True
    ).exists()
    assert _value("cadres.pairings", mode=Pairing.Mode.ONE_TO_ONE) >= 1
    assert _value("cadres.pairings", mode=Pairing.Mode.MANY_TO_ONE) >= 1
    # every tier is used, and the groups add up
    per_tier = [_value("cadres.groups_by_tier", tier=t) for t in range(1, 6)]
    assert all(n >= 1 for n in per_tier) and sum(per_tier) == 21
    # one serving leader in each group, elected in 2024; past leaders stay
    assert GroupLeader.objects.serving().count() == 21
    assert GroupLeader.objects.filter(ended_on__isnull=False).count() == 21


def test_demo_candidates_stop_at_each_step_with_a_reason(demo):
    stopped = Candidate.objects.filter(stage=Candidate.Stage.STOPPED)
    for step in ("qualification", "recommendation", "exam", "election"):
        assert stopped.filter(stopped_at=step).exists(), step
    assert not stopped.filter(stop_reason="").exists()
    assert (
        _value("cadres.candidates_by_step", stopped_at="election")
        == stopped.filter(stopped_at="election").count()
    )


def test_demo_recruitment_has_results_and_hires_one(demo):
    cadre = ReserveCadre.objects.get(applicant__isnull=False)
    applicant = cadre.applicant
    assert applicant.written_score and applicant.interview_score
    assert applicant.assessment_note
    assert cadre.village.name == "花园村"
    assert applicant.recruitment.announced_on.month == 10


def test_demo_is_idempotent(demo):
    counts = (Candidate.objects.count(), GroupLeader.objects.count(), Pairing.objects.count())
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts == (
        Candidate.objects.count(),
        GroupLeader.objects.count(),
        Pairing.objects.count(),
    )
