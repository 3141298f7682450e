"""The district's checklist sheet: preview, all or nothing, each bad row's reason in Chinese."""

import io

import openpyxl
from django.urls import reverse

from chengjiang.worktasks import services
from chengjiang.worktasks.exports import IMPORT_HEADERS
from chengjiang.worktasks.models import Task

from .factories import ChecklistFactory


def sheet(*rows) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(IMPORT_HEADERS))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def good_row(number, org="花园村党委", **over):
    row = {
        "年度": 2024,
        "序号": number,
        "工作条线": "组织建设",
        "任务名称": f"任务{number}",
        "任务内容": "说明",
        "责任单位": org,
        "完成时限": "2024-12-31",
        "权重": 1,
        "指标": "branches.meetings",
        "指标参数": "kind=democratic_life",
        "目标值": 2,
        "手工状态": "",
        "不适用": "",
    }
    row.update(over)
    return [row[h] for h in IMPORT_HEADERS]


def test_a_good_sheet_imports_after_the_preview(tree, users):
    ChecklistFactory(year=2024)
    data = sheet(
        good_row(1),
        good_row(2, 工作条线="队伍建设", 指标="", 指标参数="", 目标值="", 手工状态="已完成"),
        good_row(3, 不适用="是"),
    )
    preview = services.checklist_import(data=data, by=users.office, dry_run=True)
    assert preview.ok and Task.objects.count() == 0
    outcome = services.checklist_import(data=data, by=users.office, dry_run=False)
    assert outcome.ok, outcome.errors
    tasks = {t.number: t for t in Task.objects.all()}
    assert tasks[1].measure_params == {"kind": "democratic_life"} and tasks[1].target == 2
    assert tasks[2].manual_status == "done" and tasks[2].line == "team"
    assert tasks[3].not_applicable


def test_bad_rows_write_nothing_and_are_named_in_chinese(tree, users):
    ChecklistFactory(year=2024)
    data = sheet(
        good_row(1),
        good_row(2, 工作条线="宣传建设"),
        good_row(3, 责任单位="不存在的支部"),
        good_row(4, 指标="branches.nothing"),
        good_row(5, 指标参数="kind=picnic"),
        good_row(6, 手工状态="已完成"),  # both a measure and manual
        good_row(7, 年度=2031),
        good_row(1),  # repeated in the file
    )
    outcome = services.checklist_import(data=data, by=users.office, dry_run=False)
    assert not outcome.ok
    assert Task.objects.count() == 0
    text = "\n".join(outcome.errors)
    # rows are numbered as the shared import blocks do: data rows from 1
    for row in (2, 3, 4, 5, 6, 7, 8):
        assert f"第 {row} 行" in text or f"第{row}行" in text, text
    assert "不存在的支部" in text
    assert "2031" in text


def test_a_secretary_cannot_import_tasks_for_another_village(tree, users):
    ChecklistFactory(year=2024)
    data = sheet(good_row(1, 责任单位="青桥村总支"))
    outcome = services.checklist_import(data=data, by=users.sec_a, dry_run=False)
    assert not outcome.ok and Task.objects.count() == 0


def test_import_page_previews_then_confirms(tree, users, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ChecklistFactory(year=2024)
    client = login(users.office)
    url = reverse("worktasks:import")
    upload = SimpleUploadedFile("清单.xlsx", sheet(good_row(1), good_row(2)))
    response = client.post(url, {"file": upload, "preview": "1"})
    assert response.status_code == 200 and Task.objects.count() == 0
    digest = response.context["outcome"].hash
    response = client.post(url, {"confirm": "1", "hash": digest})
    assert response.status_code == 302
    assert Task.objects.count() == 2


def test_import_page_refuses_leadership(users, login):
    assert login(users.leader).get(reverse("worktasks:import")).status_code == 403
    assert login(users.leader).post(reverse("worktasks:import")).status_code == 403
