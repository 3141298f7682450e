"""Exports are masked for everyone; full values are an explicit, reasoned, logged choice."""

import io
import zipfile

import openpyxl
import pytest
from django.urls import reverse

from branches.models import Member
from chengjiang.accounts.models import PersonalDataAccess, User

EXPORT = "admin:branches_member_export"
XLSX, CSV = "0", "1"


def _text(response) -> str:
    """Every byte of the file as text (an xlsx is a zip: its parts are unpacked)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return content.decode("utf-8", "replace")


def _all_columns() -> dict[str, str]:
    from branches.resources import MemberResource

    return {f"memberresource_{name}": "on" for name in MemberResource().get_export_order()}


def _post(client, **data):
    return client.post(reverse(EXPORT), {"format": XLSX, "resource": "0", **_all_columns(), **data})


@pytest.mark.parametrize("username", ["office", "huayuan", "qingqiao", "leader"])
@pytest.mark.parametrize("fmt", [XLSX, CSV])
def test_no_role_gets_a_full_id_number_in_an_export(demo_db, client, username, fmt):
    ids = list(Member.objects.values_list("id_number", flat=True))
    phones = [p for p in Member.objects.values_list("phone", flat=True) if p]
    assert ids
    client.force_login(User.objects.get(username=username))
    response = client.post(reverse(EXPORT), {"format": fmt, "resource": "0", **_all_columns()})
    text = _text(response) if response.status_code == 200 else response.content.decode()
    if username == "office":
        assert response["Content-Disposition"].startswith("attachment")
    assert not [i for i in ids if i in text]
    assert not [p for p in phones if p in text]
    assert not PersonalDataAccess.objects.exists()


def test_full_export_needs_a_reason_and_is_logged_without_values(tree, users, login):
    client = login(users.office)
    form = client.get(reverse(EXPORT)).content.decode()
    assert 'name="full_values"' in form and 'name="reason"' in form
    refused = _post(client, full_values="on", reason="  ")
    assert refused.status_code == 200 and "请填写导出完整信息的理由" in refused.content.decode()
    assert not PersonalDataAccess.objects.exists()

    response = _post(client, full_values="on", reason="换届资格审查")
    text = _text(response)
    members = Member.objects.all()
    assert all(m.id_number in text for m in members)
    access = PersonalDataAccess.objects.get()
    assert access.user == users.office
    assert access.record_count == members.count()
    assert access.reason == "换届资格审查"
    assert set(access.field.split(",")) == {"id_number", "phone"}
    assert access.remote_addr == "127.0.0.1"
    stored = " ".join(str(v) for v in PersonalDataAccess.objects.values().get().values())
    assert not any(m.id_number in stored or m.phone in stored for m in members)


def test_full_export_is_refused_without_the_permission(tree, users, login):
    from django.contrib.auth.models import Permission

    users.office.groups.clear()
    users.office.user_permissions.set(
        Permission.objects.filter(codename__in=["view_member", "add_member"])
    )
    client = login(User.objects.get(pk=users.office.pk))
    assert 'name="full_values"' not in client.get(reverse(EXPORT)).content.decode()
    response = _post(client, full_values="on", reason="想看看")
    assert response.status_code == 403
    assert not PersonalDataAccess.objects.exists()


def test_export_file_sheet_and_headers_are_chinese(tree, users, login):
    client = login(users.sec_a) if users.sec_a.is_staff else login(users.office)
    response = _post(client)
    disposition = response["Content-Disposition"]
    from urllib.parse import unquote

    filename = unquote(disposition.split("''", 1)[1])
    assert filename.startswith("党员名册-") and filename.endswith(".xlsx")
    assert "Member" not in filename
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.active.title == "党员名册"
    headers = [c.value for c in book.active[1]]
    assert headers[0] == "姓名" and "编号" in headers
    assert not [h for h in headers if "(" in str(h)]
    page = client.get(reverse(EXPORT)).content.decode()
    assert "Name (姓名)" not in page and "Tablib" not in page
