"""Round trip for village groups, candidates' results and applicants' scores (issues 10 and 14)."""

import datetime
from decimal import Decimal

import pytest
import tablib

from cadres import services
from cadres.models import Applicant, Candidate, GroupFigures
from cadres.resources import (
    MSG_DUPLICATE_IN_DB,
    ApplicantScoreResource,
    CandidateResultResource,
    GroupFiguresResource,
)
from chengjiang.access import SYSTEM
from tests.cadres.factories import (
    ApplicantFactory,
    ElectionRoundFactory,
    RecruitmentFactory,
    candidate,
    group_with,
    qualify,
    recommend,
)
from tests.roundtrip import assert_round_trip, reasons

pytestmark = pytest.mark.usefixtures("chinese")  # the office's language

D = datetime.date


def test_group_figures_round_trip_changes_the_population(tree, users):
    group_with(tree.va, 268, 30, name="大塘组")
    group_with(tree.va, 215, 24, name="东庄组")
    population = assert_round_trip(
        GroupFiguresResource,
        users.office,
        GroupFigures.objects.order_by("pk"),
        "人口数",
        300,
        attribute="population",
    )
    assert population == 300


def test_a_new_row_for_a_stored_group_and_date_is_refused_not_an_overwrite(tree, users):
    """Issue 14: the duplicate check ran before the row's group was set, so the import said
    新增 and overwrote 268/30 with 9999/999."""
    group = group_with(tree.va, 268, 30, name="大塘组")
    figures = GroupFigures.objects.get(group=group)
    resource = GroupFiguresResource(user=users.office)
    headers = [str(resource.fields[a].column_name) for a in ("village", "group_name")]
    headers += [
        str(resource.fields[a].column_name)
        for a in ("effective_from", "population", "households", "workload")
    ]
    data = tablib.Dataset(
        ["花园村", "大塘组", figures.effective_from.isoformat(), 9999, 999, 30], headers=headers
    )
    result = resource.import_data(data, dry_run=False)
    assert reasons(result) == [f"第 2 行：{MSG_DUPLICATE_IN_DB}"]
    figures.refresh_from_db()
    assert (figures.population, figures.households) != (9999, 999)
    assert result.totals["new"] == 0


@pytest.fixture
def election(tree):
    from tests.cadres.factories import VillageGroupFactory

    ga = VillageGroupFactory(village=tree.va)
    rnd = ElectionRoundFactory(villages=[tree.va, tree.vb], name="2024年组长选举")
    return rnd, ga


def test_candidate_round_trip_records_an_exam_score(election, users):
    rnd, ga = election
    recommend(qualify(candidate(rnd, ga, name="甲")))
    recommend(qualify(candidate(rnd, ga, name="乙")))
    queryset = Candidate.objects.order_by("pk")
    from tests.roundtrip import edit, export_xlsx, import_xlsx, kinds

    data = export_xlsx(CandidateResultResource, users.office, queryset)
    data = edit(data, {(0, "考试成绩"): 88, (0, "考试日期"): "2024-04-12"})
    preview = import_xlsx(CandidateResultResource, users.office, data, dry_run=True)
    assert reasons(preview) == [] and kinds(preview) == ["修改", "无变化"]
    result = import_xlsx(CandidateResultResource, users.office, data, dry_run=False)
    assert reasons(result) == []
    first = queryset.first()
    assert first.exam_score == Decimal("88") and Candidate.objects.count() == 2


def test_applicant_round_trip_records_a_written_score(tree, users):
    rec = RecruitmentFactory(village=tree.va, name="花园村招考")
    for _ in range(2):
        services.applicant_review(
            applicant=ApplicantFactory(recruitment=rec), passed=True, by=SYSTEM
        )
    score = assert_round_trip(
        ApplicantScoreResource,
        users.office,
        Applicant.objects.order_by("pk"),
        "笔试成绩",
        86.5,
        attribute="written_score",
    )
    assert score == Decimal("86.5")
