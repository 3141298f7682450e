"""Attachment download: a scope-checked download that the browser never renders inline."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from branches import services
from branches.models import Meeting, MeetingKind
from chengjiang.access import SYSTEM

PDF = b"%PDF-1.4\n% test\n%%EOF\n"


@pytest.fixture
def attachment(tree):
    meeting = Meeting.objects.create(
        kind=MeetingKind.BRANCH_COMMITTEE,
        organization=tree.a1,
        held_on=datetime.date(2024, 3, 1),
        topic="会议",
    )
    return services.attachment_add(
        meeting=meeting,
        upload=SimpleUploadedFile("会议记录.pdf", PDF, "application/pdf"),
        by=SYSTEM,
    )


def test_download_headers(users, login, attachment):
    resp = login(users.sec_a).get(reverse("branches:attachment_download", args=[attachment.pk]))
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/pdf"
    assert resp["Content-Disposition"].startswith("attachment;")
    assert (
        "filename*=utf-8''%E4%BC%9A%E8%AE%AE%E8%AE%B0%E5%BD%95.pdf" in resp["Content-Disposition"]
    )
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert b"".join(resp.streaming_content) == PDF


def test_stored_under_a_server_made_name(attachment):
    assert "会议记录" not in attachment.file.name
    assert attachment.file.name.startswith("attachments/")


@pytest.mark.parametrize(
    "who,status", [("sec_a", 200), ("office", 200), ("leader", 200), ("sec_b", 404)]
)
def test_download_scope(users, login, attachment, who, status):
    resp = login(getattr(users, who)).get(
        reverse("branches:attachment_download", args=[attachment.pk])
    )
    assert resp.status_code == status


def test_anonymous_cannot_download(client, attachment):
    resp = client.get(reverse("branches:attachment_download", args=[attachment.pk]))
    assert resp.status_code == 302


def test_missing_attachment_is_404(users, login, db):
    assert (
        login(users.office).get(reverse("branches:attachment_download", args=[999])).status_code
        == 404
    )
