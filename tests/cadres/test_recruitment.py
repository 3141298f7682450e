"""公开招考: stages in order, interview within the ratio, combined score, ranking with ties."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cadres import services
from cadres.models import Applicant, ReserveCadre
from cadres.selectors import applicants_for_office, rank_by_combined, rank_by_written
from chengjiang.access import SYSTEM
from tests.cadres.factories import ApplicantFactory, RecruitmentFactory, applicant_at_written

D = datetime.date
S = Applicant.Stage
pytestmark = pytest.mark.django_db


def _interview(rec, scores: dict):
    services.recruitment_select_interviewees(recruitment=rec, by=SYSTEM)
    for a, score in scores.items():
        a.refresh_from_db()
        if a.stage == S.INTERVIEW:
            services.applicant_record_interview(applicant=a, score=Decimal(score), by=SYSTEM)


def test_qualification_checks_age_and_education_from_the_record():
    rec = RecruitmentFactory(age_limit=35, min_education="college")
    old = ApplicantFactory(recruitment=rec, birth_date=D(1988, 10, 7))  # 36 on 2024-10-08
    just = ApplicantFactory(recruitment=rec, birth_date=D(1989, 10, 8))  # 35 that day
    school = ApplicantFactory(recruitment=rec, education="senior")
    for a in (old, just, school):
        services.applicant_review(applicant=a, passed=True, by=SYSTEM)
    old.refresh_from_db(), just.refresh_from_db(), school.refresh_from_db()
    assert old.stage == S.STOPPED and "35" in old.stop_reason
    assert just.stage == S.QUALIFIED
    assert school.stage == S.STOPPED and school.stopped_at == S.QUALIFIED


def test_office_refusal_needs_a_reason():
    a = ApplicantFactory()
    with pytest.raises(ValidationError) as exc:
        services.applicant_review(applicant=a, passed=False, by=SYSTEM)
    assert str(services.MSG_REASON_REQUIRED) in exc.value.messages
    a = services.applicant_review(applicant=a, passed=False, reason="材料不全", by=SYSTEM)
    assert a.stop_reason == "材料不全"


def test_steps_cannot_be_skipped():
    a = ApplicantFactory()
    with pytest.raises(ValidationError, match="此环节要求报考人员处于“"):
        services.applicant_record_written(applicant=a, score=Decimal("80"), by=SYSTEM)
    services.applicant_review(applicant=a, passed=True, by=SYSTEM)
    services.applicant_record_written(applicant=a, score=Decimal("80"), by=SYSTEM)
    with pytest.raises(ValidationError, match="此环节要求报考人员处于“"):
        services.applicant_record_interview(applicant=a, score=Decimal("80"), by=SYSTEM)
    with pytest.raises(ValidationError, match="此环节要求报考人员处于“"):
        services.applicant_hire(applicant=a, on=D(2024, 12, 1), by=SYSTEM)


def test_interview_selection_waits_for_every_written_score():
    rec = RecruitmentFactory()
    applicant_at_written(rec, "80")
    pending = ApplicantFactory(recruitment=rec)
    services.applicant_review(applicant=pending, passed=True, by=SYSTEM)
    with pytest.raises(ValidationError) as exc:
        services.recruitment_select_interviewees(recruitment=rec, by=SYSTEM)
    assert str(services.MSG_WRITTEN_PENDING) in exc.value.messages


def test_interview_within_the_ratio_and_ties_at_the_line_all_go():
    rec = RecruitmentFactory(posts=1, interview_ratio=3)
    a = applicant_at_written(rec, "90")
    b = applicant_at_written(rec, "85")
    c = applicant_at_written(rec, "80")
    d = applicant_at_written(rec, "80")  # tied at the 3rd place
    e = applicant_at_written(rec, "79.5")
    absent = applicant_at_written(rec, None)
    services.recruitment_select_interviewees(recruitment=rec, by=SYSTEM)
    for x in (a, b, c, d, e, absent):
        x.refresh_from_db()
    assert [x.stage for x in (a, b, c, d)] == [S.INTERVIEW] * 4
    assert e.stage == S.STOPPED and e.stopped_at == S.INTERVIEW and "5" in e.stop_reason
    assert absent.stage == S.STOPPED and absent.stopped_at == S.WRITTEN


def test_combined_score_uses_the_weights():
    rec = RecruitmentFactory(written_weight=Decimal("40"), interview_weight=Decimal("60"))
    assert rec.combined_score(Decimal("80"), Decimal("90")) == Decimal("86.00")
    rec.interview_weight = Decimal("50")
    with pytest.raises(ValidationError, match="笔试与面试的权重之和必须为100。"):
        rec.full_clean()


def test_ranking_ties_broken_by_written_then_interview_then_shared():
    rec = RecruitmentFactory(posts=2, interview_ratio=3)
    a = applicant_at_written(rec, "85")  # combined 82.5
    b = applicant_at_written(rec, "78")  # combined 82.5, lower written
    c = applicant_at_written(rec, "80")  # combined 80
    d = applicant_at_written(rec, "80")  # combined 80, exactly as c: shares the rank
    _interview(rec, {a: "80", b: "87", c: "80", d: "80"})
    interviewed = list(Applicant.objects.filter(stage=S.INTERVIEWED))
    ranks = {x.pk: r for x, r in rank_by_combined(interviewed)}
    assert ranks[a.pk] == 1 and ranks[b.pk] == 2
    assert ranks[c.pk] == ranks[d.pk] == 3
    chosen = services.recruitment_select_for_assessment(recruitment=rec, by=SYSTEM)
    assert {x.pk for x in chosen} == {a.pk, b.pk}
    c.refresh_from_db()
    assert c.stage == S.STOPPED and c.stopped_at == S.ASSESSMENT and "80" in c.stop_reason


def test_tie_on_everything_at_the_last_post_sends_both_to_assessment():
    rec = RecruitmentFactory(posts=1, interview_ratio=3)
    a = applicant_at_written(rec, "80")
    b = applicant_at_written(rec, "80")
    _interview(rec, {a: "85", b: "85"})
    chosen = services.recruitment_select_for_assessment(recruitment=rec, by=SYSTEM)
    assert len(chosen) == 2


def test_written_ranking_shares_ranks():
    rec = RecruitmentFactory()
    xs = [applicant_at_written(rec, s) for s in ("90", "85", "85", "70")]
    assert [r for _x, r in rank_by_written(xs)] == [1, 2, 2, 4]


def test_office_view_explains_each_stop():
    rec = RecruitmentFactory(posts=1, interview_ratio=1)
    a = applicant_at_written(rec, "90")
    b = applicant_at_written(rec, "70")
    _interview(rec, {a: "88"})
    rows = applicants_for_office(rec)
    by_pk = {r["applicant"].pk: r for r in rows}
    assert by_pk[a.pk]["combined"] == Decimal("89.00") and by_pk[a.pk]["rank"] == 1
    assert by_pk[b.pk]["applicant"].stop_reason


def test_through_publicity_to_hire_makes_a_reserve_cadre():
    rec = RecruitmentFactory(posts=1)
    a = applicant_at_written(rec, "88")
    _interview(rec, {a: "90"})
    (chosen,) = services.recruitment_select_for_assessment(recruitment=rec, by=SYSTEM)
    services.applicant_assess(applicant=chosen, passed=True, note="考察合格", by=SYSTEM)
    services.applicant_publicise(
        applicant=chosen, start=D(2024, 11, 20), end=D(2024, 11, 26), by=SYSTEM
    )
    with pytest.raises(ValidationError) as exc:
        services.applicant_hire(applicant=chosen, on=D(2024, 11, 26), by=SYSTEM)
    assert str(services.MSG_PUBLICITY_NOT_OVER) in exc.value.messages
    cadre = services.applicant_hire(applicant=chosen, on=D(2024, 11, 28), by=SYSTEM)
    assert cadre.village == rec.village and cadre.status == ReserveCadre.Status.POOL
    assert cadre.statuses.get().since == D(2024, 11, 28)


def test_failed_assessment_needs_and_keeps_the_reason():
    rec = RecruitmentFactory(posts=1)
    a = applicant_at_written(rec, "88")
    _interview(rec, {a: "90"})
    services.recruitment_select_for_assessment(recruitment=rec, by=SYSTEM)
    a.refresh_from_db()
    with pytest.raises(ValidationError, match="请填写原因。"):
        services.applicant_assess(applicant=a, passed=False, by=SYSTEM)
    a = services.applicant_assess(applicant=a, passed=False, note="群众基础较弱", by=SYSTEM)
    assert a.stopped_at == S.ASSESSED and "群众基础较弱" in a.stop_reason
