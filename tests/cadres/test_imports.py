"""Imports: groups with figures, candidates' scores and votes, applicants' scores.

Each goes through the services, refuses rows outside the importer's scope, and writes nothing
when any row is bad, naming the row and the reason.
"""

import datetime
from decimal import Decimal

import pytest
import tablib
from django.urls import reverse
from django.utils import translation
from import_export.formats.base_formats import XLSX

from cadres.models import Applicant, Candidate, GroupFigures, GroupLeader, VillageGroup
from cadres.resources import (
    MSG_NO_CANDIDATE,
    ApplicantScoreResource,
    CandidateResultResource,
    GroupFiguresResource,
)
from chengjiang.access import SYSTEM
from chengjiang.importexport import row_reasons
from tests.cadres.factories import (
    ElectionRoundFactory,
    RecruitmentFactory,
    candidate,
    qualify,
    recommend,
    through_exam,
)
from tests.cadres.factories import VillageGroupFactory as GroupF

D = datetime.date
GROUP_COLS = ("village", "group_name", "effective_from", "population", "households", "workload")


def dataset(resource_cls, attrs, rows, *, xlsx=False):
    """A dataset whose headers are the resource's own (Chinese) column names."""
    resource = resource_cls()
    data = tablib.Dataset(headers=[str(resource.fields[a].column_name) for a in attrs])
    for row in rows:
        data.append(row)
    if xlsx:
        return XLSX().create_dataset(XLSX().export_data(data))
    return data


def run(resource_cls, user, attrs, rows, *, xlsx=False, dry_run=False):
    with translation.override("zh-hans"):
        result = resource_cls(user=user).import_data(
            dataset(resource_cls, attrs, rows, xlsx=xlsx), dry_run=dry_run
        )
        return result, row_reasons(result)


def test_group_import_creates_groups_and_figures(tree, users):
    _result, reasons = run(
        GroupFiguresResource,
        users.office,
        GROUP_COLS,
        [
            ("花园村", "大塘组", "2024-01-01", 268, 82, 30),
            ("青桥村", "东庄组", "2024/1/1", 215, 66, 24),
            ("花园村", "大塘组", "2024-07-01", 320, 95, 30),  # new figures of the same group
        ],
        xlsx=True,
    )
    assert reasons == []
    assert VillageGroup.objects.count() == 2
    assert GroupFigures.objects.filter(group__name="大塘组").count() == 2


def test_bad_group_rows_write_nothing_and_name_row_and_reason(tree, users):
    _result, reasons = run(
        GroupFiguresResource,
        users.office,
        GROUP_COLS,
        [
            ("花园村", "大塘组", "2024-01-01", 268, 82, 30),
            ("无此村", "东庄组", "2024-01-01", 215, 66, 24),
            ("花园村", "大塘组", "2024-01-01", 268, 82, 30),  # repeats row 1
            ("花园村", "河埂组", "不是日期", 100, 30, 10),
        ],
    )
    assert VillageGroup.objects.count() == 0 and GroupFigures.objects.count() == 0
    assert len(reasons) == 3
    # the spreadsheet's row numbers (header = row 1)
    assert reasons[0].startswith("第 3 行") and "无此村" in reasons[0]
    assert reasons[1].startswith("第 4 行") and "第 2 行" in reasons[1]  # names the first
    assert reasons[2].startswith("第 5 行") and "不是日期" in reasons[2]


def test_secretary_cannot_import_the_other_village(tree, users):
    _result, reasons = run(
        GroupFiguresResource,
        users.sec_a,
        GROUP_COLS,
        [
            ("花园村", "大塘组", "2024-01-01", 268, 82, 30),
            ("青桥村", "东庄组", "2024-01-01", 215, 66, 24),
        ],
    )
    assert VillageGroup.objects.count() == 0
    assert any("青桥村" in r for r in reasons)


CAND_COLS = (
    "round",
    "id_number",
    "exam_score",
    "exam_on",
    "election_votes_for",
    "election_votes_cast",
    "election_on",
)


@pytest.fixture
def election(tree):
    ga, gb = GroupF(village=tree.va), GroupF(village=tree.vb)
    rnd = ElectionRoundFactory(villages=[tree.va, tree.vb], name="2024年组长选举")
    return rnd, ga, gb


def test_scores_and_votes_import_records_the_steps(election, users):
    rnd, ga, gb = election
    a = recommend(qualify(candidate(rnd, ga)))
    b = through_exam(rnd, gb)
    _result, reasons = run(
        CandidateResultResource,
        users.office,
        CAND_COLS,
        [
            (rnd.name, a.id_number, "82.5", "2024-04-12", None, None, None),
            (rnd.name, b.id_number, "80", "2024-04-12", None, None, None),
        ],
        xlsx=True,
    )
    assert reasons == []
    a.refresh_from_db(), b.refresh_from_db()
    assert a.stage == Candidate.Stage.EXAMINED and a.exam_score == Decimal("82.5")
    assert b.exam_score == Decimal("80")


def test_election_votes_are_not_imported_row_by_row(election, users):
    """The election is a ballot of the group meeting (应到, 实到, every candidate's votes)."""
    from cadres.resources import MSG_ELECTION_AT_MEETING

    rnd, _ga, gb = election
    b = through_exam(rnd, gb)
    _result, reasons = run(
        CandidateResultResource,
        users.office,
        CAND_COLS,
        [(rnd.name, b.id_number, "", "", 120, 150, "2024-04-20")],
        xlsx=True,
    )
    assert len(reasons) == 1 and str(MSG_ELECTION_AT_MEETING) in reasons[0]
    b.refresh_from_db()
    assert b.stage == Candidate.Stage.EXAMINED and not GroupLeader.objects.filter(group=gb)


def test_a_bad_score_row_writes_nothing(election, users):
    rnd, ga, _gb = election
    a = recommend(qualify(candidate(rnd, ga)))
    early = qualify(candidate(rnd, ga))  # not yet recommended: exam out of order
    _result, reasons = run(
        CandidateResultResource,
        users.office,
        CAND_COLS,
        [
            (rnd.name, a.id_number, "82.5", "2024-04-12", None, None, None),
            (rnd.name, early.id_number, "75", "2024-04-12", None, None, None),
            (rnd.name, "110101199003078515", "75", "2024-04-12", None, None, None),
        ],
    )
    a.refresh_from_db()
    assert a.exam_score is None and a.stage == Candidate.Stage.RECOMMENDED
    assert len(reasons) == 2
    # the spreadsheet's row numbers: the header is row 1
    assert reasons[0].startswith("第 3 行") and reasons[1].startswith("第 4 行")


def test_scores_outside_scope_are_refused(election, users):
    rnd, ga, gb = election
    b = recommend(qualify(candidate(rnd, gb)))
    a = recommend(qualify(candidate(rnd, ga)))
    _result, reasons = run(
        CandidateResultResource,
        users.sec_a,
        CAND_COLS,
        [
            (rnd.name, a.id_number, "70", "2024-04-12", None, None, None),
            (rnd.name, b.id_number, "70", "2024-04-12", None, None, None),
        ],
    )
    a.refresh_from_db(), b.refresh_from_db()
    assert a.exam_score is None and b.exam_score is None
    # out of scope reads as not found: the reply does not confirm the ID number exists elsewhere
    assert reasons == [f"第 3 行：{MSG_NO_CANDIDATE % {'round': rnd.name}}"]
    assert not any("青桥村" in r for r in reasons)


APP_COLS = ("recruitment", "id_number", "written", "interview")


def test_applicant_written_scores_import_with_absence(tree, users):
    rec = RecruitmentFactory(village=tree.va, name="花园村招考")
    from cadres import services
    from tests.cadres.factories import ApplicantFactory

    a, b = ApplicantFactory(recruitment=rec), ApplicantFactory(recruitment=rec)
    for x in (a, b):
        services.applicant_review(applicant=x, passed=True, by=SYSTEM)
    _result, reasons = run(
        ApplicantScoreResource,
        users.office,
        APP_COLS,
        [("花园村招考", a.id_number, "86.5", ""), ("花园村招考", b.id_number, "缺考", "")],
        xlsx=True,
    )
    assert reasons == []
    a.refresh_from_db(), b.refresh_from_db()
    assert a.written_score == Decimal("86.5") and a.stage == Applicant.Stage.WRITTEN
    assert b.stage == Applicant.Stage.STOPPED and b.stop_reason


def test_bad_applicant_scores_write_nothing(tree, users):
    from cadres import services
    from tests.cadres.factories import ApplicantFactory

    rec = RecruitmentFactory(village=tree.va, name="花园村招考")
    a, b = ApplicantFactory(recruitment=rec), ApplicantFactory(recruitment=rec)
    for x in (a, b):
        services.applicant_review(applicant=x, passed=True, by=SYSTEM)
    _result, reasons = run(
        ApplicantScoreResource,
        users.office,
        APP_COLS,
        [("花园村招考", a.id_number, "86.5", None), ("花园村招考", b.id_number, "120", None)],
    )
    a.refresh_from_db()
    assert a.written_score is None and a.stage == Applicant.Stage.QUALIFIED
    assert len(reasons) == 1 and reasons[0].startswith("第 3 行")


def test_export_masks_id_numbers_without_permission(election, users):
    rnd, ga, _gb = election
    a = candidate(rnd, ga)
    data = CandidateResultResource(user=users.sec_a).export()
    assert a.id_number not in data.csv and "****" in data.csv
    data = CandidateResultResource(user=users.office).export()
    assert len(data) == 1


@pytest.mark.parametrize("model", ["groupfigures", "candidate", "applicant"])
def test_admin_import_and_export_pages_answer(tree, users, login, model):
    client = login(users.office)
    assert client.get(reverse(f"admin:cadres_{model}_import")).status_code == 200
    assert client.get(reverse(f"admin:cadres_{model}_changelist")).status_code == 200
