"""Uploads: checked by content and extension (JPEG, PNG, PDF only), capped in size and count,
refused with a clear Chinese message, stored under server-made names, and served only as a
download to users whose scope holds the record."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from branches import services
from branches.models import MeetingAttachment
from chengjiang import uploads
from chengjiang.access import SYSTEM

from .trust_data import JPEG, PDF, PNG, upload
from .trust_data import rich as rich_fixture

rich = rich_fixture

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _refusal(callable_, *args, **kwargs) -> ValidationError:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        callable_(*args, **kwargs)
    return info.value


def _message(error: ValidationError) -> str:
    with translation.override("zh-hans"):
        text = " ".join(str(m) for m in error.messages)
    assert CHINESE.search(text), f"not a Chinese message: {text!r}"
    assert "%(" not in text
    return text


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("照片.jpg", HTML, "mismatch"),  # an HTML page renamed .jpg
        ("照片.JPEG", HTML, "mismatch"),
        ("图.svg", SVG, "type"),  # SVG can carry script: not on the allowlist
        ("图.jpg", SVG, "mismatch"),  # ... nor renamed
        ("page.html", HTML, "type"),
        ("report.pdf.html", HTML, "type"),
        ("photo.png", JPEG, "mismatch"),  # a real image under the wrong extension
        ("noextension", PNG, "type"),
        ("empty.pdf", b"", "empty"),
        ("script.exe", b"MZ\x90\x00", "type"),
    ],
)
def test_bad_files_are_refused_with_a_chinese_message(name, content, code):
    error = _refusal(uploads.check_upload, upload(name, content))
    assert error.code == code
    _message(error)


@pytest.mark.parametrize(
    ("name", "content"), [("a.jpg", JPEG), ("a.jpeg", JPEG), ("b.PNG", PNG), ("c.pdf", PDF)]
)
def test_allowed_files_pass(name, content):
    assert uploads.check_upload(upload(name, content)).extension in ("jpg", "png", "pdf")


def test_oversized_file_is_refused(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    error = _refusal(uploads.check_upload, upload("big.jpg", JPEG + b"\x00" * 2048))
    assert error.code == "size"
    assert "1.0" in _message(error) or "1024" in _message(error)


@pytest.mark.django_db
def test_service_refuses_html_renamed_jpg_and_writes_nothing(rich):
    before = MeetingAttachment.objects.count()
    error = _refusal(
        services.attachment_add, meeting=rich.meeting, upload=upload("x.jpg", HTML), by=SYSTEM
    )
    _message(error)
    assert MeetingAttachment.objects.count() == before


@pytest.mark.django_db
def test_service_refuses_svg_and_oversized(rich, settings):
    _message(
        _refusal(
            services.attachment_add, meeting=rich.meeting, upload=upload("x.svg", SVG), by=SYSTEM
        )
    )
    settings.UPLOAD_MAX_BYTES = 100
    big = upload("x.pdf", PDF + b"0" * 200)
    _message(_refusal(services.attachment_add, meeting=rich.meeting, upload=big, by=SYSTEM))


@pytest.mark.django_db
def test_too_many_files_are_refused(rich, settings):
    settings.UPLOAD_MAX_FILES = 2
    services.attachment_add(
        meeting=rich.meeting, upload=upload("2.png", PNG), by=SYSTEM
    )  # 1 already there
    error = _refusal(
        services.attachment_add, meeting=rich.meeting, upload=upload("3.png", PNG), by=SYSTEM
    )
    assert "2" in _message(error)
    assert rich.meeting.attachments.count() == 2


@pytest.mark.django_db
def test_stored_under_a_server_made_name(rich):
    att = services.attachment_add(
        meeting=rich.meeting, upload=upload("../../../etc/passwd<script>.png", PNG), by=SYSTEM
    )
    stored = att.file.name
    assert re.fullmatch(r"attachments/\d{4}/\d{2}/[0-9a-f]{32}\.png", stored), stored
    assert att.content_type == "image/png"


@pytest.mark.django_db
def test_download_is_an_attachment_with_nosniff(login, users, rich):
    response = login(users.sec_a).get(
        reverse("branches:attachment_download", args=[rich.attachment.pk])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/png"


@pytest.mark.django_db
def test_download_outside_scope_is_404(login, users, rich):
    url = reverse("branches:attachment_download", args=[rich.attachment.pk])
    assert login(users.sec_b).get(url).status_code == 404


@pytest.mark.django_db
def test_uploads_are_not_reachable_as_static_or_media(client, login, users, rich):
    office = login(users.office)
    name = rich.attachment.file.name
    for prefix in ("/media/", "/static/", "/media-not-served/"):
        response = office.get(prefix + name)
        assert response.status_code == 404, prefix
