"""The office records each election and recruitment step in the admin, through the services.

Each step is an admin action with a small form page: a valid form records the step for the
selected records; a refusal by the service is shown on the form, in Chinese, with what was typed;
a user scoped to one village cannot act on the other village's records.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from cadres import services
from cadres.models import Applicant, Candidate, ReserveCadre
from chengjiang.access import SYSTEM
from chengjiang.accounts import roles
from tests.cadres.factories import (
    ALL_MET,
    ElectionRoundFactory,
    RecruitmentFactory,
    VillageGroupFactory,
    applicant_at_written,
    candidate,
    qualify,
)
from tests.factories import UserFactory

D = datetime.date
S = Candidate.Stage
AS = Applicant.Stage
CANDIDATES = reverse("admin:cadres_candidate_changelist")
APPLICANTS = reverse("admin:cadres_applicant_changelist")


def zh(msg, **params):
    with translation.override("zh-hans"):
        text = str(msg)
    return text % params if params else text


def act(client, url, action, objs, **data):
    """Post an action's form page (``apply``) for the given records."""
    post = {"action": action, "_selected_action": [o.pk for o in objs], "apply": "1"}
    post.update({k: v for k, v in data.items() if v is not None})
    return client.post(url, post, follow=False)


@pytest.fixture
def election(tree):
    rnd = ElectionRoundFactory(villages=[tree.va, tree.vb])
    ga = VillageGroupFactory(village=tree.va, name="大塘组")
    gb = VillageGroupFactory(village=tree.vb, name="东庄组")
    return rnd, ga, gb


@pytest.fixture
def office(users, login):
    users.office.first_name = "王审查"
    users.office.save()
    return login(users.office)


QUAL_OK = {field: "1" for field in ALL_MET} | {"checked_on": "2024-03-15"}


# --- (a) qualification ------------------------------------------------------------------------


def test_qualification_form_page_lists_the_five_conditions(election, office):
    rnd, ga, _gb = election
    c = candidate(rnd, ga, name="张三")
    response = office.post(
        CANDIDATES, {"action": "qualification_action", "_selected_action": [c.pk]}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "张三" in html and "admin/base_site.html" in [t.name for t in response.templates]
    for field in ALL_MET:
        assert f'name="{field}"' in html
    assert "style=" not in html.split('id="content-main"')[1].split("</form>")[0]


def test_qualification_recorded_with_the_checker_and_date(election, office, users):
    rnd, ga, _gb = election
    c1, c2 = candidate(rnd, ga, name="甲"), candidate(rnd, ga, name="乙")
    response = act(office, CANDIDATES, "qualification_action", [c1, c2], **QUAL_OK)
    assert response.status_code == 302
    for c in (c1, c2):
        c.refresh_from_db()
        assert c.stage == S.QUALIFIED
        assert c.qualification_checked_by == "王审查"
        assert c.qualification_checked_on == D(2024, 3, 15)
        assert c.lives_locally is True


def test_failing_one_condition_stops_the_candidate_with_the_reason(election, office):
    rnd, ga, _gb = election
    c = candidate(rnd, ga)
    act(office, CANDIDATES, "qualification_action", [c], **(QUAL_OK | {"lives_locally": "0"}))
    c.refresh_from_db()
    assert c.stage == S.STOPPED and c.stopped_at == "qualification"
    assert c.lives_locally is False
    assert zh(Candidate._meta.get_field("lives_locally").verbose_name) in c.stop_reason


def test_every_condition_must_be_answered(election, office):
    rnd, ga, _gb = election
    c = candidate(rnd, ga)
    data = dict(QUAL_OK)
    del data["knows_village"]
    response = act(office, CANDIDATES, "qualification_action", [c], **data)
    assert response.status_code == 200
    c.refresh_from_db()
    assert c.stage == S.REGISTERED


def test_second_qualification_is_refused_on_the_form_in_chinese(election, office):
    rnd, ga, _gb = election
    c = qualify(candidate(rnd, ga, name="张三"))
    response = act(
        office, CANDIDATES, "qualification_action", [c], **(QUAL_OK | {"checked_on": "2024-03-16"})
    )
    assert response.status_code == 200  # the form again, not a redirect
    html = response.content.decode()
    step = zh(services.Step.QUALIFICATION.label)
    assert zh(services.MSG_STEP_DONE) % {"step": step} in html
    assert 'value="2024-03-16"' in html  # what was typed is shown again
    c.refresh_from_db()
    assert c.qualification_checked_on == D(2024, 3, 15)


def test_refusal_of_one_record_writes_none(election, office):
    rnd, ga, _gb = election
    fresh = candidate(rnd, ga, name="新")
    done = qualify(candidate(rnd, ga, name="旧"))
    response = act(office, CANDIDATES, "qualification_action", [fresh, done], **QUAL_OK)
    assert response.status_code == 200
    fresh.refresh_from_db()
    assert fresh.stage == S.REGISTERED
    assert "旧" in response.content.decode()


# --- (b) two recommendations ------------------------------------------------------------------

REC_OK = {"party_recommended": "1", "votes_for": "40", "votes_cast": "50", "on": "2024-03-28"}


def test_recommendations_recorded(election, office):
    rnd, ga, _gb = election
    c = qualify(candidate(rnd, ga))
    response = act(office, CANDIDATES, "recommendations_action", [c], **REC_OK)
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.stage == S.RECOMMENDED
    assert (c.party_recommended, c.mass_votes_for, c.mass_votes_cast) == (True, 40, 50)
    assert c.recommended_on == D(2024, 3, 28)


def test_not_recommended_by_the_party_stops_the_candidate(election, office):
    rnd, ga, _gb = election
    c = qualify(candidate(rnd, ga))
    act(office, CANDIDATES, "recommendations_action", [c], **(REC_OK | {"party_recommended": "0"}))
    c.refresh_from_db()
    assert c.stage == S.STOPPED and c.stopped_at == "recommendation"
    assert c.stop_reason == zh(services.REASON_PARTY)


def test_recommendations_before_qualification_refused_with_the_service_message(election, office):
    rnd, ga, _gb = election
    c = candidate(rnd, ga)
    response = act(office, CANDIDATES, "recommendations_action", [c], **REC_OK)
    assert response.status_code == 200
    html = response.content.decode()
    step = zh(services.Step.RECOMMENDATION.label)
    assert zh(services.MSG_STEP_ORDER) % {"step": step} in html
    assert 'value="40"' in html and 'value="50"' in html
    c.refresh_from_db()
    assert c.stage == S.REGISTERED and c.mass_votes_for is None


def test_votes_for_above_votes_cast_refused(election, office):
    rnd, ga, _gb = election
    c = qualify(candidate(rnd, ga))
    response = act(
        office, CANDIDATES, "recommendations_action", [c], **(REC_OK | {"votes_for": "60"})
    )
    assert response.status_code == 200
    assert zh(services.MSG_VOTES_EXCEED) in response.content.decode()
    c.refresh_from_db()
    assert c.stage == S.QUALIFIED


def test_recommendations_one_candidate_at_a_time(election, office):
    rnd, ga, _gb = election
    c1, c2 = qualify(candidate(rnd, ga, name="甲")), qualify(candidate(rnd, ga, name="乙"))
    response = act(office, CANDIDATES, "recommendations_action", [c1, c2], **REC_OK)
    assert response.status_code == 302
    c1.refresh_from_db()
    c2.refresh_from_db()
    assert c1.stage == c2.stage == S.QUALIFIED


# --- scope and permission ---------------------------------------------------------------------


@pytest.fixture
def village_staff(tree, login):
    """Office staff whose organisation is 花园村's committee: scoped to village A."""
    user = UserFactory(username="a_staff", organization=tree.a, is_staff=True, role=roles.OFFICE)
    return login(user)


def test_staff_of_one_village_cannot_act_on_the_other(election, village_staff):
    rnd, ga, gb = election
    mine, theirs = candidate(rnd, ga, name="本村"), candidate(rnd, gb, name="外村")
    act(village_staff, CANDIDATES, "qualification_action", [mine, theirs], **QUAL_OK)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.stage == S.QUALIFIED
    assert theirs.stage == S.REGISTERED
    qualify(theirs)
    act(village_staff, CANDIDATES, "recommendations_action", [theirs], **REC_OK)
    theirs.refresh_from_db()
    assert theirs.stage == S.QUALIFIED


def test_secretary_cannot_use_the_actions(election, users, login):
    rnd, ga, _gb = election
    c = candidate(rnd, ga)
    users.sec_a.is_staff = True
    users.sec_a.save()
    client = login(users.sec_a)
    act(client, CANDIDATES, "qualification_action", [c], **QUAL_OK)
    c.refresh_from_db()
    assert c.stage == S.REGISTERED


# --- (c) recruitment: review, assessment, publicity, hiring -----------------------------------


@pytest.fixture
def recruitment(tree):
    return RecruitmentFactory(village=tree.va, posts=1, interview_ratio=1)


def _applicant(rec, **kw):
    from tests.cadres.factories import ApplicantFactory

    return ApplicantFactory(recruitment=rec, **kw)


def _to_assessment(rec):
    a = applicant_at_written(rec, "88")
    services.recruitment_select_interviewees(recruitment=rec, by=SYSTEM)
    a.refresh_from_db()
    services.applicant_record_interview(applicant=a, score=Decimal("90"), by=SYSTEM)
    services.recruitment_select_for_assessment(recruitment=rec, by=SYSTEM)
    a.refresh_from_db()
    return a


def test_review_passes_and_refusal_needs_a_reason(recruitment, office):
    a, b = _applicant(recruitment, name="甲"), _applicant(recruitment, name="乙")
    assert act(office, APPLICANTS, "review_action", [a], passed="1").status_code == 302
    a.refresh_from_db()
    assert a.stage == AS.QUALIFIED
    response = act(office, APPLICANTS, "review_action", [b], passed="0", reason="")
    assert response.status_code == 200
    assert zh(services.MSG_REASON_REQUIRED) in response.content.decode()
    b.refresh_from_db()
    assert b.stage == AS.APPLIED
    act(office, APPLICANTS, "review_action", [b], passed="0", reason="户籍不符")
    b.refresh_from_db()
    assert b.stage == AS.STOPPED and b.stop_reason == "户籍不符"


def test_review_twice_refused_with_the_stage_message(recruitment, office):
    a = _applicant(recruitment)
    services.applicant_review(applicant=a, passed=True, by=SYSTEM)
    response = act(office, APPLICANTS, "review_action", [a], passed="1")
    assert response.status_code == 200
    assert zh(services.MSG_STAGE) % {"stage": zh(AS.APPLIED.label)} in response.content.decode()


def test_assessment_publicity_and_hiring(recruitment, office):
    a = _to_assessment(recruitment)
    # hiring before publicity is refused with the service's message
    response = act(office, APPLICANTS, "hire_action", [a], on="2024-11-28")
    assert response.status_code == 200
    assert zh(services.MSG_STAGE) % {"stage": zh(AS.PUBLICISED.label)} in response.content.decode()

    assert (
        act(office, APPLICANTS, "assess_action", [a], passed="1", note="考察合格").status_code
        == 302
    )
    a.refresh_from_db()
    assert a.stage == AS.ASSESSED and a.assessment_note == "考察合格"

    response = act(
        office, APPLICANTS, "publicise_action", [a], start="2024-11-20", end="2024-11-19"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert zh(services.MSG_PUBLICITY_DATES) in html and 'value="2024-11-19"' in html
    act(office, APPLICANTS, "publicise_action", [a], start="2024-11-20", end="2024-11-26")
    a.refresh_from_db()
    assert a.stage == AS.PUBLICISED and a.publicity_end == D(2024, 11, 26)

    response = act(office, APPLICANTS, "hire_action", [a], on="2024-11-26")
    assert zh(services.MSG_PUBLICITY_NOT_OVER) in response.content.decode()
    assert act(office, APPLICANTS, "hire_action", [a], on="2024-11-28").status_code == 302
    a.refresh_from_db()
    assert a.stage == AS.HIRED
    assert ReserveCadre.objects.get(applicant=a).recruited_on == D(2024, 11, 28)


def test_failed_assessment_needs_a_note(recruitment, office):
    a = _to_assessment(recruitment)
    response = act(office, APPLICANTS, "assess_action", [a], passed="0", note="")
    assert zh(services.MSG_REASON_REQUIRED) in response.content.decode()
    act(office, APPLICANTS, "assess_action", [a], passed="0", note="群众基础较弱")
    a.refresh_from_db()
    assert a.stage == AS.STOPPED and "群众基础较弱" in a.stop_reason


def test_village_staff_cannot_review_the_other_villages_applicants(tree, village_staff):
    other = RecruitmentFactory(village=tree.vb)
    a = _applicant(other)
    act(village_staff, APPLICANTS, "review_action", [a], passed="1")
    a.refresh_from_db()
    assert a.stage == AS.APPLIED


# --- mass-recommendation votes in the candidates' import ---------------------------------------

REC_COLS = ("round", "id_number", "party_recommended", "mass_votes_for", "mass_votes_cast")
REC_COLS += ("recommended_on",)


def _import(user, cols, rows):
    from cadres.resources import CandidateResultResource
    from tests.cadres.test_imports import run

    return run(CandidateResultResource, user, cols, rows, xlsx=True)[1]


def test_recommendations_imported_through_the_service(election, users):
    rnd, ga, gb = election
    a, b = qualify(candidate(rnd, ga)), qualify(candidate(rnd, gb))
    reasons = _import(
        users.office,
        REC_COLS,
        [
            (rnd.name, a.id_number, "是", 40, 50, "2024-03-28"),
            (rnd.name, b.id_number, "否", 45, 50, "2024-03-28"),
        ],
    )
    assert reasons == []
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.stage == S.RECOMMENDED and (a.mass_votes_for, a.mass_votes_cast) == (40, 50)
    assert b.stage == S.STOPPED and b.stop_reason == zh(services.REASON_PARTY)


def test_recommendations_then_exam_in_one_row(election, users):
    rnd, ga, _gb = election
    a = qualify(candidate(rnd, ga))
    cols = (*REC_COLS, "exam_score", "exam_on")
    reasons = _import(
        users.office,
        cols,
        [(rnd.name, a.id_number, "推荐", 40, 50, "2024-03-28", "80", "2024-04-12")],
    )
    assert reasons == []
    a.refresh_from_db()
    assert a.stage == S.EXAMINED


def test_bad_recommendation_rows_write_nothing(election, users):
    rnd, ga, _gb = election
    good = qualify(candidate(rnd, ga, name="好"))
    early = candidate(rnd, ga, name="早")  # not yet qualified
    over = qualify(candidate(rnd, ga, name="多"))
    no_party = qualify(candidate(rnd, ga, name="空"))
    reasons = _import(
        users.office,
        REC_COLS,
        [
            (rnd.name, good.id_number, "是", 40, 50, "2024-03-28"),
            (rnd.name, early.id_number, "是", 40, 50, "2024-03-28"),
            (rnd.name, over.id_number, "是", 60, 50, "2024-03-28"),
            (rnd.name, no_party.id_number, "", 40, 50, "2024-03-28"),
        ],
    )
    good.refresh_from_db()
    assert good.stage == S.QUALIFIED and good.mass_votes_for is None
    step = zh(services.Step.RECOMMENDATION.label)
    assert any(zh(services.MSG_STEP_ORDER) % {"step": step} in r for r in reasons)
    assert any(zh(services.MSG_VOTES_EXCEED) in r for r in reasons)
    assert any(r.startswith("第 4 行") for r in reasons)
    assert len(reasons) == 3


def test_an_unknown_recommendation_word_is_refused(election, users):
    rnd, ga, _gb = election
    a = qualify(candidate(rnd, ga))
    reasons = _import(
        users.office, REC_COLS, [(rnd.name, a.id_number, "也许", 40, 50, "2024-03-28")]
    )
    assert len(reasons) == 1 and "也许" in reasons[0]
    a.refresh_from_db()
    assert a.stage == S.QUALIFIED
