"""progress.xlsx names a task's measure and parameters in Chinese, and reading them back gives
the keys the task stores (so the export can still be re-imported)."""

import io

import openpyxl
import pytest
from django.urls import reverse

from chengjiang.worktasks.measure_text import measure_key_from_text, params_from_text

from .factories import ChecklistFactory, TaskFactory


@pytest.fixture
def tasks(tree):
    checklist = ChecklistFactory(year=2024)
    TaskFactory(checklist=checklist, number=1, responsible=tree.root)
    TaskFactory(
        checklist=checklist,
        number=2,
        responsible=tree.root,
        measure_key="branches.org_changes",
        measure_params={"kind": "established", "org_kind": "branch"},
    )
    TaskFactory(
        checklist=checklist,
        number=3,
        responsible=tree.root,
        measure_key="branches.talk_person_times",
        measure_params={},
    )
    return checklist


def _sheet(client):
    response = client.get(reverse("worktasks:progress_xlsx", args=[2024]))
    ws = openpyxl.load_workbook(io.BytesIO(response.content))["任务清单"]
    headers = [c.value for c in ws[1]]
    rows = {
        r[1]: dict(zip(headers, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)
    }
    return rows


def test_progress_xlsx_names_measures_and_parameters_in_chinese(tasks, users, login):
    rows = _sheet(login(users.office))
    assert rows[1]["指标"] == "召开会议" and rows[1]["指标参数"] == "民主生活会"
    assert rows[2]["指标"] == "组织调整" and rows[2]["指标参数"] == "新成立、党支部"
    assert rows[3]["指标"] == "谈心谈话" and not rows[3]["指标参数"]
    assert not any("." in str(r["指标"]) or "=" in str(r["指标参数"] or "") for r in rows.values())


def test_the_chinese_text_reads_back_as_the_stored_keys(tasks, users, login):
    rows = _sheet(login(users.office))
    for number, key, params in [
        (1, "branches.meetings", {"kind": "democratic_life"}),
        (2, "branches.org_changes", {"kind": "established", "org_kind": "branch"}),
        (3, "branches.talk_person_times", {}),
    ]:
        row = rows[number]
        assert measure_key_from_text(row["指标"]) == key
        assert params_from_text(key, row["指标参数"] or "") == params


def test_keys_still_read_and_unknown_labels_are_refused():
    assert measure_key_from_text("branches.meetings") == "branches.meetings"
    assert params_from_text("branches.meetings", "kind=org_life") == {"kind": "org_life"}
    with pytest.raises(ValueError, match="野餐"):
        params_from_text("branches.meetings", "野餐")


def test_the_export_imports_back_with_the_same_measures(tasks, users, login):
    from chengjiang.worktasks import services
    from chengjiang.worktasks.models import Task

    response = login(users.office).get(reverse("worktasks:progress_xlsx", args=[2024]))
    before = {t.number: (t.measure_key, t.measure_params) for t in Task.objects.all()}
    Task.objects.all().delete()  # (updating existing rows is the import's own business)
    outcome = services.checklist_import(data=response.content, by=users.office, dry_run=False)
    assert outcome.errors == []
    after = {t.number: (t.measure_key, t.measure_params) for t in Task.objects.all()}
    assert after == before
