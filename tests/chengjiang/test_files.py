"""Uploaded files: downloads of missing files answer 404, personal files are never cached, a long
name keeps its extension, and a full or read-only upload folder loses nothing typed and leaves no
partial file behind (issue 14)."""

from __future__ import annotations

import datetime
import errno

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from branches import services
from branches.models import Meeting, MeetingKind
from chengjiang.access import SYSTEM
from chengjiang.worktasks.models import Evidence, ManualStatus
from chengjiang.worktasks.services import evidence_add
from tests.worktasks.factories import ChecklistFactory, TaskFactory

PDF = b"%PDF-1.4\n" + b"x" * 4096 + b"\n%%EOF\n"
MSG_STORAGE_ZH = "文件未能保存"

pytestmark = pytest.mark.django_db


@pytest.fixture
def evidence(tree, users):
    task = TaskFactory(
        checklist=ChecklistFactory(year=2024),
        responsible=tree.a,
        measure_key="",
        measure_params={},
        target=None,
        manual_status=ManualStatus.NOT_STARTED,
    )
    return evidence_add(task=task, upload=SimpleUploadedFile("方案.pdf", PDF), by=users.office)


@pytest.fixture
def meeting(tree, users):
    return services.meeting_save(
        meeting=Meeting(
            kind=MeetingKind.BRANCH_COMMITTEE,
            organization=tree.a1,
            held_on=datetime.date(2024, 3, 10),
            topic="支部委员会",
        ),
        by=users.sec_a,
    )


def test_evidence_missing_on_disk_answers_404(login, users, evidence):
    evidence.file.storage.delete(evidence.file.name)
    response = login(users.office).get(f"/dashboard/evidence/{evidence.pk}/")
    assert response.status_code == 404


def test_downloads_of_files_are_not_cached(login, users, evidence, meeting):
    attachment = services.attachment_add(
        meeting=meeting, upload=SimpleUploadedFile("a.pdf", PDF), by=SYSTEM
    )
    client = login(users.office)
    for url in (f"/dashboard/evidence/{evidence.pk}/", f"/attachments/{attachment.pk}/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"], url


def test_allowance_sheet_download_is_not_cached(login, users):
    response = login(users.office).get("/cadres/allowances.xlsx", {"period": "2024-10"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_a_long_file_name_keeps_its_extension(login, users, tree, meeting):
    name = "关于" + "很长的文件名" * 60 + ".pdf"
    attachment = services.attachment_add(
        meeting=meeting, upload=SimpleUploadedFile(name, PDF), by=SYSTEM
    )
    assert attachment.original_name.endswith(".pdf")
    assert len(attachment.original_name) <= 200
    task = TaskFactory(
        checklist=ChecklistFactory(year=2025),
        responsible=tree.a,
        measure_key="",
        measure_params={},
        target=None,
        manual_status=ManualStatus.NOT_STARTED,
    )
    ev = evidence_add(task=task, upload=SimpleUploadedFile(name, PDF), by=users.office)
    assert ev.original_name.startswith("关于") and ev.original_name.endswith(".pdf")
    response = login(users.office).get(f"/attachments/{attachment.pk}/")
    assert ".pdf" in response["Content-Disposition"]


def _files(root):
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_a_full_or_read_only_upload_folder_keeps_what_was_typed(
    login, users, tree, settings, monkeypatch, err
):
    real_save = FileSystemStorage._save

    def failing_save(self, name, content):
        path = self.path(name)
        real_save(self, name, SimpleUploadedFile("part", PDF[:100]))  # a partial file...
        assert self.exists(name), path
        raise OSError(err, "simulated")  # ...then the disk is full / read-only

    monkeypatch.setattr(FileSystemStorage, "_save", failing_save)
    client = login(users.sec_a)
    response = client.post(
        f"/meetings/new/?organization={tree.a1.pk}",
        {
            "organization": tree.a1.pk,
            "kind": MeetingKind.BRANCH_COMMITTEE,
            "held_on": "2024-03-10",
            "topic": "学习贯彻全会精神",
            "minutes": "会议纪要正文",
            "attachments": [SimpleUploadedFile("纪要.pdf", PDF)],
            **{f"present_{m.pk}": "on" for m in tree.a_members},
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert MSG_STORAGE_ZH in page
    assert "学习贯彻全会精神" in page and "会议纪要正文" in page
    assert not Meeting.objects.exists()
    assert _files(settings.MEDIA_ROOT) == []


def test_evidence_on_a_full_disk_is_a_form_error_and_leaves_nothing(
    login, users, tree, settings, monkeypatch
):
    task = TaskFactory(
        checklist=ChecklistFactory(year=2024),
        responsible=tree.a,
        measure_key="",
        measure_params={},
        target=None,
        manual_status=ManualStatus.NOT_STARTED,
    )
    real_save = FileSystemStorage._save

    def failing_save(self, name, content):
        real_save(self, name, SimpleUploadedFile("part", PDF[:100]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", failing_save)
    response = login(users.office).post(
        f"/dashboard/task/{task.pk}/",
        {"upload": "1", "file": SimpleUploadedFile("方案.pdf", PDF), "description": "印发件"},
    )
    assert response.status_code == 200
    assert MSG_STORAGE_ZH in response.content.decode()
    assert "印发件" in response.content.decode()
    assert not Evidence.objects.exists()
    assert _files(settings.MEDIA_ROOT) == []


def test_the_admin_names_a_files_kind_and_size_not_its_content_type(login, users, meeting):
    """Issue 11 §6: no raw code is shown (the inline printed application/pdf and a byte count)."""
    services.attachment_add(meeting=meeting, upload=SimpleUploadedFile("a.pdf", PDF), by=SYSTEM)
    page = login(users.office).get(f"/admin/branches/meeting/{meeting.pk}/change/").content.decode()
    assert "application/pdf" not in page
    assert "PDF 文档" in page and "4.0\xa0KB" in page
