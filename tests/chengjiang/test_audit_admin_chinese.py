"""The audit log, the personal-data access log and the permission pickers speak Chinese: record
types and fields by their verbose names, never ``member``, ``phone`` or ``Axes | access attempt``.
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from branches import services
from chengjiang.personal_data import reveal


def _text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_audit_log_names_changes_fields_and_record_types_in_chinese(tree, users, login):
    member = tree.a_members[0]
    member.phone = "13900000000"
    member.name = "新名字"
    services.member_save(member=member, by=users.office)
    with translation.override("zh-hans"):
        phone = str(member._meta.get_field("phone").verbose_name)
        name = str(member._meta.get_field("name").verbose_name)
        record = str(member._meta.verbose_name)
    text = _text(login(users.office).get(reverse("admin:auditlog_logentry_changelist")))
    assert "2 项修改" in text and phone in text and name in text, text
    assert f"{record} - " in text  # the record column: 党员 - <name>
    assert "关联编号" in text and "系统" in text
    for english in ("changes:", "phone", "Correlation", "system", ">member<"):
        assert english not in text, english


def test_access_log_names_fields_and_record_types_in_chinese(tree, users, login):
    member = tree.a_members[0]
    reveal(users.office, member, "id_number")
    reveal(users.office, member, "phone")
    client = login(users.office)
    text = _text(client.get(reverse("admin:accounts_personaldataaccess_changelist")))
    assert "身份证号" in text and "党员" in text, text
    for english in ("id_number", "phone", "Axes", "access attempt", "branches | member"):
        assert english not in text, english


def test_permission_pickers_read_chinese(db, client):
    root = get_user_model().objects.create_superuser("root", password="x-Long-pass-1")
    client.force_login(root, backend="django.contrib.auth.backends.ModelBackend")
    text = _text(client.get(reverse("admin:auth_group_add")))
    assert "组织建设 | 党员 | 添加" in text
    assert "Can add" not in text and "Can view" not in text


def test_yes_no_icons_have_chinese_alt_text(tree, users, login):
    html = login(users.office).get(reverse("admin:training_sessionattendance_changelist"))
    html = html.content.decode()
    assert 'alt="True"' not in html and 'alt="False"' not in html
