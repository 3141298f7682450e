"""Checklist import: round trip by 编号, and the uploaded sheet kept out of the session."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from chengjiang.worktasks.models import Task
from chengjiang.worktasks.resources import TaskResource
from tests.roundtrip import assert_round_trip, edit, export_xlsx
from tests.worktasks.factories import TaskFactory

pytestmark = pytest.mark.usefixtures("chinese")  # the office's language


def test_task_round_trip_changes_the_title(tree, users):
    for _ in range(3):
        TaskFactory(responsible=tree.a)
    title = assert_round_trip(
        TaskResource,
        users.office,
        Task.objects.order_by("pk"),
        "任务名称",
        "新任务名称",
        attribute="title",
    )
    assert title == "新任务名称"


def test_the_session_holds_no_copy_of_the_uploaded_sheet(tree, users, login, settings):
    for _ in range(2):
        TaskFactory(responsible=tree.a)
    data = export_xlsx(TaskResource, users.office, Task.objects.order_by("pk"))
    data = edit(data, {(0, "任务内容"): "很长的说明" * 2000})
    client = login(users.office)
    url = reverse("worktasks:import")
    response = client.post(url, {"file": SimpleUploadedFile("清单.xlsx", data), "preview": "1"})
    assert response.status_code == 200 and not response.context["outcome"].errors
    stored = client.session["worktasks_import"]
    assert len(str(stored)) < 200  # a name, a format and a hash — not the file
    assert [p["type"] for p in response.context["preview"]] == ["修改", "无变化"]
    page = response.content.decode()
    assert "修改 1 条" in page and "无变化 1 条" in page and 'class="cell-changed"' in page
    done = client.post(url, {"confirm": "1", "hash": response.context["outcome"].hash})
    assert done.status_code == 302
    assert Task.objects.order_by("pk").first().description.startswith("很长的说明")
    assert "worktasks_import" not in client.session


def test_the_export_names_the_measure_as_the_task_form_does_and_reads_back(tree, users):
    """The sheet says 召开会议 / 民主生活会 (as the task's form), not branches.meetings /
    kind=democratic_life; the office's unchanged sheet imports as unchanged, and a sheet
    written with the codes (an older export) still reads."""
    from tests.roundtrip import import_xlsx, kinds, reasons, sheet_rows

    TaskFactory(responsible=tree.a)
    data = export_xlsx(TaskResource, users.office, Task.objects.order_by("pk"))
    row = sheet_rows(data)[0]
    assert (row["指标"], row["指标参数"]) == ("召开会议", "民主生活会")
    result = import_xlsx(TaskResource, users.office, data, dry_run=True)
    assert reasons(result) == [] and kinds(result) == ["无变化"]
    old = edit(data, {(0, "指标"): "branches.meetings", (0, "指标参数"): "kind=org_life"})
    result = import_xlsx(TaskResource, users.office, old, dry_run=False)
    assert reasons(result) == []
    task = Task.objects.get()
    assert (task.measure_key, task.measure_params) == ("branches.meetings", {"kind": "org_life"})
    wrong = edit(data, {(0, "指标参数"): "不存在的会"})
    assert reasons(import_xlsx(TaskResource, users.office, wrong, dry_run=True))
