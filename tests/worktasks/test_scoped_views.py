"""A village's view of the dashboard and the summary (issue 10 §6).

A sub-district target is not a village's target: a village sees its own figure without it. The
summary's default wording speaks for the sub-district: a village scope gets it only once the
office has written the village's own wording. The dashboard opens on a year with a checklist,
and every figure on it (rows of its tables included) opens the records behind it.
"""

import datetime

import pytest
from django.urls import reverse

from chengjiang.worktasks import services
from chengjiang.worktasks.models import Section
from chengjiang.worktasks.selectors import State, checklist_progress

from .factories import ChecklistFactory, TaskFactory

DASHBOARD = reverse("worktasks:dashboard")


@pytest.fixture
def checklist(tree, meeting):
    checklist = ChecklistFactory(year=2024)
    # the sub-district's task: its target is the whole sub-district's
    TaskFactory(
        checklist=checklist,
        number=1,
        responsible=tree.root,
        title="街道任务",
        measure_params={"kind": "democratic_life"},
        target=48,
        deadline=datetime.date(2024, 6, 30),
    )
    # the village's own task: its target is the village's
    TaskFactory(
        checklist=checklist,
        number=2,
        responsible=tree.a,
        title="花园村任务",
        measure_params={"kind": "org_life"},
        target=1,
    )
    meeting(tree.a1)
    meeting(tree.a1, kind="org_life")
    meeting(tree.b1)
    return checklist


def _by_number(progress):
    return {tp.task.number: tp for tp in progress.tasks}


def test_village_sees_a_sub_district_task_without_its_target(tree, checklist):
    tasks = _by_number(checklist_progress(checklist, tree.a.path, tree.a.pk))
    own, above = tasks[2], tasks[1]
    assert above.value == 1
    assert above.target is None and above.percent is None
    assert above.state == State.NO_TARGET  # not "overdue" against the sub-district's 48
    assert not above.counted
    assert own.target == 1 and own.percent == 100
    # the village's overall is its own task's, not a mix with the sub-district's target
    progress = checklist_progress(checklist, tree.a.path, tree.a.pk)
    assert progress.overall.percent == 100


def test_sub_district_still_sees_its_target(tree, checklist):
    tasks = _by_number(checklist_progress(checklist, tree.root.path, tree.root.pk))
    assert tasks[1].value == 2 and tasks[1].target == 48
    assert tasks[1].state == State.OVERDUE


def test_village_dashboard_page_shows_no_sub_district_target(tree, users, login, checklist):
    body = login(users.sec_a).get(DASHBOARD, {"year": 2024}).content.decode()
    assert "/ 48" not in body
    assert "本范围无分解目标" in body
    office = login(users.office).get(DASHBOARD, {"year": 2024}).content.decode()
    assert "/ 48" in office


def test_a_village_summary_speaks_for_the_village(tree, users, login, checklist):
    client = login(users.sec_a)
    response = client.get(reverse("worktasks:report", args=[2024]))
    report = response.context["report"]
    assert report.offered
    assert report.plain_title() == "花园村2024年度抓党建促乡村组织振兴工作总结"
    text = "".join(t for _key, t in report.plain_sections())
    assert "花园村党组织" in text and "组织生活会1次" in text
    # nothing the sub-district speaks for: no 民主生活会, no branches set up, no "街道创新…"
    assert "民主生活会" not in text and "党支部调整书记" not in text and "街道创新" not in text
    assert client.get(reverse("worktasks:report_docx", args=[2024])).status_code == 200


def test_summary_is_not_offered_below_a_village_without_its_own_wording(
    tree, users, login, checklist
):
    client = login(users.leader)
    response = client.get(reverse("worktasks:report", args=[2024]), {"org": tree.a1.pk})
    assert response.status_code == 200
    assert not response.context["report"].offered
    body = response.content.decode()
    assert "民主生活会" not in body and "党支部调整书记" not in body
    assert "没有自己的总结措辞" in body
    docx = client.get(reverse("worktasks:report_docx", args=[2024]), {"org": tree.a1.pk})
    assert docx.status_code == 404
    dashboard = client.get(DASHBOARD, {"year": 2024, "org": tree.a1.pk}).content.decode()
    summary = reverse("worktasks:report", args=[2024])
    assert f'href="{summary}?org={tree.a1.pk}"' not in dashboard
    assert (
        f'href="{summary}?org={tree.a.pk}"'
        in client.get(DASHBOARD, {"year": 2024, "org": tree.a.pk}).content.decode()
    )


def test_a_village_without_tasks_of_its_own_is_told_why_there_is_no_percentage(
    tree, users, login, checklist
):
    response = login(users.sec_b).get(DASHBOARD, {"year": 2024})
    assert response.context["progress"].overall.percent is None
    assert "本范围没有分解目标的任务" in response.content.decode()


def test_summary_speaks_for_the_village_once_written(tree, users, login, checklist):
    text = "花园村开展民主生活会{branches.meetings:kind=democratic_life}次。"
    sections = {s.value: text for s in Section}
    services.report_draft_save(
        year=2024, scope=tree.a, title="花园村{year}年总结", sections=sections, by=users.office
    )
    client = login(users.sec_a)
    report = client.get(reverse("worktasks:report", args=[2024])).context["report"]
    assert report.plain_title() == "花园村2024年总结"
    assert "花园村开展民主生活会1次" in report.plain_sections()[0][1]
    assert client.get(reverse("worktasks:report_docx", args=[2024])).status_code == 200


def test_sub_district_summary_is_still_offered(tree, users, login, checklist):
    report = login(users.leader).get(reverse("worktasks:report", args=[2024])).context["report"]
    assert "民主生活会2次" in dict(report.plain_sections())[Section.ORGANIZATION]


def test_dashboard_opens_on_the_latest_year_with_a_checklist(tree, users, login, checklist):
    ChecklistFactory(year=2023)
    response = login(users.office).get(DASHBOARD)
    assert response.context["year"] == 2024
    assert response.context["checklist"] == checklist
    report = login(users.office).get(reverse("worktasks:report_current"))
    assert report.context["year"] == 2024


def test_every_row_of_the_dashboard_tables_opens_its_records(tree, users, login, checklist):
    response = login(users.office).get(DASHBOARD, {"year": 2024})
    level = response.context["level"]
    assert level.rows
    for row in level.rows:
        assert row.url.startswith(DASHBOARD) and f"org={row.organization.pk}" in row.url
        for (_text, url), tp in zip(row.cells, level.columns, strict=True):
            assert url.startswith(reverse("worktasks:drilldown", args=[tp.task.measure_key]))
    for series in response.context["trend"].series:
        assert series["url"].startswith(reverse("worktasks:drilldown", args=["branches.meetings"]))
        assert "month" not in series["url"]
    for table in response.context["tables"]:
        for row in table.rows:
            assert row.url, row.label
    body = response.content.decode()
    for row in level.rows:
        assert f'<a href="{row.url.replace("&", "&amp;")}">{row.organization.name}</a>' in body


def test_state_counts_open_the_tasks_in_that_state(tree, users, login, checklist):
    client = login(users.office)
    body = client.get(DASHBOARD, {"year": 2024}).content.decode()
    assert "state=overdue" in body
    response = client.get(DASHBOARD, {"year": 2024, "state": "overdue"})
    body = response.content.decode()
    assert "街道任务" in body and "花园村任务" not in body


def test_the_village_default_wording_passes_the_wording_rules(db):
    from chengjiang.worktasks.report import (
        DEFAULT_VILLAGE_SECTIONS,
        DEFAULT_VILLAGE_TITLE,
        validate_wording,
    )

    for text in [DEFAULT_VILLAGE_TITLE, *DEFAULT_VILLAGE_SECTIONS.values()]:
        validate_wording(text)  # no typed digits, every placeholder known


def test_the_office_edits_a_village_summary_from_the_village_default(tree, users, login):
    from chengjiang.worktasks.report import DEFAULT_VILLAGE_TITLE

    url = reverse("worktasks:report_edit", args=[2024]) + f"?org={tree.a.pk}"
    response = login(users.office).get(url)
    assert response.status_code == 200
    assert response.context["form"].initial["title"] == DEFAULT_VILLAGE_TITLE
