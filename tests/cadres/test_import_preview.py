"""The import preview of a page's own unchanged export (QA M2a–M2c): every cell shows what the
file says (Chinese stage labels, the village and group of a candidate), and only a cell whose
value really changes is marked — 410 against 410.0, 82.5 against 82.50 are the same value."""

import datetime
from decimal import Decimal

import pytest

from cadres import services
from cadres.models import Applicant, Candidate, GroupFigures
from cadres.resources import (
    ApplicantScoreResource,
    CandidateResultResource,
    GroupFiguresResource,
)
from chengjiang.access import SYSTEM
from tests.cadres.factories import (
    ApplicantFactory,
    ElectionRoundFactory,
    RecruitmentFactory,
    VillageGroupFactory,
    elect,
    group_with,
    through_exam,
)
from tests.import_preview import (
    admin_export_xlsx,
    assert_preview_shows_the_file,
    cell_text,
    marked,
    preview,
    preview_cells,
)
from tests.roundtrip import edit, kinds, reasons, sheet_rows

pytestmark = pytest.mark.usefixtures("chinese")  # the office's language

D = datetime.date


@pytest.fixture
def applicants(tree):
    rec = RecruitmentFactory(village=tree.va, name="花园村招考")
    scored = ApplicantFactory(recruitment=rec, name="甲")
    services.applicant_review(applicant=scored, passed=True, by=SYSTEM)
    services.applicant_record_written(applicant=scored, score=Decimal("82.50"), by=SYSTEM)
    hired = ApplicantFactory(recruitment=rec, name="乙")
    services.applicant_review(applicant=hired, passed=True, by=SYSTEM)
    services.applicant_record_written(applicant=hired, score=Decimal("91"), by=SYSTEM)
    Applicant.objects.filter(pk=hired.pk).update(stage=Applicant.Stage.HIRED)
    stopped = ApplicantFactory(recruitment=rec, name="丙")
    services.applicant_review(applicant=stopped, passed=False, reason="学历不符", by=SYSTEM)
    waiting = ApplicantFactory(recruitment=rec, name="丁")
    services.applicant_review(applicant=waiting, passed=True, by=SYSTEM)
    return Applicant.objects.order_by("pk")


def test_applicants_unchanged_export_previews_as_the_file_with_no_marks(applicants, users):
    data = admin_export_xlsx(ApplicantScoreResource, users.office, applicants)
    stages = [r["所处环节"] for r in sheet_rows(data)]
    assert stages == [
        str(Applicant.Stage.WRITTEN.label),
        str(Applicant.Stage.HIRED.label),
        str(Applicant.Stage.STOPPED.label),
        str(Applicant.Stage.QUALIFIED.label),
    ]
    result = preview(ApplicantScoreResource, users.office, data)
    assert reasons(result) == [] and kinds(result) == ["无变化"] * 4
    assert_preview_shows_the_file(result, data)
    assert marked(result) == [[], [], [], []]
    shown = [cells["所处环节"][0] for cells in preview_cells(result)]
    assert "hired" not in shown and "stopped" not in shown


def test_a_real_score_edit_is_the_only_marked_cell(applicants, users):
    data = admin_export_xlsx(ApplicantScoreResource, users.office, applicants)
    data = edit(data, {(3, "笔试成绩"): 85.5})
    result = preview(ApplicantScoreResource, users.office, data)
    assert reasons(result) == [] and kinds(result) == ["无变化"] * 3 + ["修改"]
    assert marked(result)[:3] == [[], [], []]
    # the stage a service moves the record to may show too; no other column is marked
    assert "笔试成绩" in marked(result)[3]
    assert set(marked(result)[3]) <= {"笔试成绩", "所处环节"}
    assert preview_cells(result)[3]["笔试成绩"][0] == "85.5"


@pytest.fixture
def candidates(tree):
    group = VillageGroupFactory(village=tree.va, name="大塘组")
    rnd = ElectionRoundFactory(villages=[tree.va, tree.vb], name="2024年组长选举")
    elect(through_exam(rnd, group, name="甲"))
    stopped = through_exam(rnd, group, name="乙")
    Candidate.objects.filter(pk=stopped.pk).update(
        stage=Candidate.Stage.STOPPED, stop_reason="本人放弃", stopped_at=Candidate.Stage.EXAMINED
    )
    return Candidate.objects.order_by("pk")


def test_candidates_unchanged_export_previews_as_the_file_with_no_marks(candidates, users):
    data = admin_export_xlsx(CandidateResultResource, users.office, candidates)
    rows = sheet_rows(data)
    assert [r["所处环节"] for r in rows] == [
        str(Candidate.Stage.ELECTED.label),
        str(Candidate.Stage.STOPPED.label),
    ]
    assert {(r["所属村（社区）"], r["村民小组"]) for r in rows} == {("花园村", "大塘组")}
    result = preview(CandidateResultResource, users.office, data)
    assert reasons(result) == [] and kinds(result) == ["无变化", "无变化"]
    assert_preview_shows_the_file(result, data)
    assert marked(result) == [[], []]


@pytest.fixture
def figures(tree):
    for name, area in (("大塘组", "410"), ("东庄组", "82.5")):
        group = group_with(tree.va, 268, 30, name=name)
        GroupFigures.objects.filter(group=group).update(area_mu=Decimal(area))
    return GroupFigures.objects.order_by("pk")


def test_group_figures_unchanged_export_has_no_marks_and_a_real_edit_is_seen(figures, users):
    data = admin_export_xlsx(GroupFiguresResource, users.office, figures)
    result = preview(GroupFiguresResource, users.office, data)
    assert reasons(result) == [] and kinds(result) == ["无变化", "无变化"]
    assert marked(result) == [[], []]
    assert_preview_shows_the_file(result, data)

    result = preview(GroupFiguresResource, users.office, edit(data, {(1, "人口数"): 300}))
    assert kinds(result) == ["无变化", "修改"]
    assert marked(result) == [[], ["人口数"]]


def test_a_new_group_row_previews_its_cells(figures, users):
    data = admin_export_xlsx(GroupFiguresResource, users.office, figures)
    new = {"所属村（社区）": "花园村", "村民小组": "西庄组", "生效日期": "2024-01-01"}
    new |= {"人口数": 120, "户数": 40, "面积（亩）": 55.5, "工作量（分）": 10}
    result = preview(GroupFiguresResource, users.office, edit(data, {}, append=[new]))
    assert reasons(result) == [] and kinds(result) == ["无变化", "无变化", "新增"]
    shown = preview_cells(result)[2]
    assert {h: shown[h][0] for h in new} == {h: cell_text(v) for h, v in new.items()}
