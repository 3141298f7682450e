"""Who may do what: leadership and office see everything in scope, secretaries their village;
leadership changes nothing (403 on every write)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from chengjiang.worktasks.models import Evidence, ManualStatus

from .factories import ChecklistFactory, TaskFactory

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def manual_task(tree):
    checklist = ChecklistFactory(year=2024)
    return TaskFactory(
        checklist=checklist,
        responsible=tree.a,
        measure_key="",
        measure_params={},
        target=None,
        manual_status=ManualStatus.NOT_STARTED,
    )


@pytest.mark.parametrize("role", ["office", "leader", "sec_a"])
@pytest.mark.parametrize("name", ["worktasks:dashboard", "worktasks:report_current"])
def test_every_role_reads(users, login, role, name, manual_task):
    assert login(getattr(users, role)).get(reverse(name)).status_code == 200


@pytest.mark.parametrize("role", ["office", "leader", "sec_a"])
def test_year_pages_and_downloads(users, login, role, manual_task):
    client = login(getattr(users, role))
    for name in ("worktasks:report", "worktasks:report_docx", "worktasks:progress_xlsx"):
        assert client.get(reverse(name, args=[2024])).status_code == 200


def test_anonymous_is_sent_to_login():
    from django.test import Client

    response = Client().get(reverse("worktasks:dashboard"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ["leader", "sec_a", "sec_b"])
def test_only_office_updates_manual_tasks(users, login, role, manual_task):
    client = login(getattr(users, role))
    url = reverse("worktasks:task_manual", args=[manual_task.pk])
    response = client.post(url, {"save": "1", "status": ManualStatus.DONE})
    assert response.status_code == 403
    manual_task.refresh_from_db()
    assert manual_task.manual_status == ManualStatus.NOT_STARTED


def test_office_sets_status_and_attaches_checked_evidence(users, login, manual_task):
    client = login(users.office)
    url = reverse("worktasks:task_manual", args=[manual_task.pk])
    assert client.post(url, {"save": "1", "status": ManualStatus.DONE}).status_code == 302
    manual_task.refresh_from_db()
    assert manual_task.manual_status == ManualStatus.DONE
    fake = SimpleUploadedFile("方案.pdf", b"MZ not a pdf")
    response = client.post(url, {"upload": "1", "file": fake})
    assert response.status_code == 200 and not Evidence.objects.exists()
    good = SimpleUploadedFile("方案.pdf", PDF)
    assert (
        client.post(url, {"upload": "1", "file": good, "description": "印发件"}).status_code == 302
    )
    evidence = Evidence.objects.get()
    download = reverse("worktasks:evidence_download", args=[evidence.pk])
    assert client.get(download).status_code == 200
    assert login(users.sec_a).get(download).status_code == 200  # the task is the village's
    assert login(users.sec_b).get(download).status_code == 404


def test_secretary_dashboard_is_scoped(tree, users, login, manual_task):
    client = login(users.sec_b)
    response = client.get(reverse("worktasks:dashboard"), {"year": 2024})
    assert response.context["progress"].tasks == []  # the task belongs to 花园村
    assert [r.organization.name for r in response.context["level"].rows] == ["青桥村第一党支部"]
    assert client.get(reverse("worktasks:dashboard"), {"org": tree.a.pk}).status_code == 404
