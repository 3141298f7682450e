"""Exported xlsx columns are wide enough for Chinese text (QA M10), and the export page names the
key column 编号 (QA L1).

A spreadsheet column width counts characters of the default font, and a Chinese character takes
two of them: a column sized by ``len(text)`` cuts 花园村第一党支部 in half. Every way an admin
export reaches a file is checked: built in memory (tablib), streamed (large lists) and made by a
background job (both of the latter through ``chengjiang.streamexport``)."""

from __future__ import annotations

import datetime
import io
import unicodedata

import openpyxl
import pytest
from django.urls import reverse
from openpyxl.utils import get_column_letter

from branches.models import Member, Organization
from branches.resources import MemberResource
from chengjiang.importexport import KEY_COLUMN
from chengjiang.streamexport import stream_export

pytestmark = pytest.mark.usefixtures("chinese")  # the office's language

# 15 Chinese characters: 30 width units in a spreadsheet
LONG_BRANCH = "花园村第一党支部第二网格党员之家"
CAP = 50


def shown(value) -> str:
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "" if value is None else str(value)


def wide(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def check_widths(sheet) -> dict[str, float]:
    widths = {}
    for index, column in enumerate(sheet.iter_cols(values_only=True), start=1):
        letter = get_column_letter(index)
        need = min(max(wide(shown(v)) for v in column), CAP)
        width = sheet.column_dimensions[letter].width
        assert width is not None and width >= need, (column[0], width, need)
        assert width <= CAP + 3, (column[0], width)
        widths[shown(column[0])] = width
    return widths


def admin_export(client, app="branches", model="member"):
    url = reverse(f"admin:{app}_{model}_export")
    form = client.get(url)
    fields = {
        name: "on"
        for name, field in form.context["form"].fields.items()
        if getattr(field, "is_selectable_field", False)
    }
    response = client.post(url, {"format": "0", "resource": "0", **fields})
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return openpyxl.load_workbook(io.BytesIO(body)).active


def test_display_width_counts_chinese_twice():
    from chengjiang.importexport import display_width

    assert display_width("花园村") == 6
    assert display_width("A1-") == 3
    assert display_width("（需补充）") == 10
    assert display_width(None) == 0


@pytest.mark.parametrize("streamed", [False, True], ids=["in_memory", "streamed"])
def test_admin_xlsx_columns_fit_chinese_text(tree, users, login, settings, streamed):
    Organization.objects.filter(pk=tree.a1.pk).update(name=LONG_BRANCH)
    # the longest name the field holds (50 characters), 100 wide in Chinese: above the cap
    Member.objects.filter(pk=tree.a_members[0].pk).update(name="长" * 50)
    settings.STREAM_EXPORT_MIN_ROWS = 1 if streamed else 10**6
    sheet = admin_export(login(users.office))
    widths = check_widths(sheet)
    assert widths["党支部"] >= wide(LONG_BRANCH)
    assert widths["性别"] >= wide("性别")
    assert widths["姓名"] == CAP + 2  # a cell wider than the cap is capped
    # dates are date cells shown as 2024-03-18, not text (the import reads either)
    dates = [c for row in sheet.iter_rows(min_row=2) for c in row if c.is_date]
    assert dates and all(c.number_format == "yyyy-mm-dd" for c in dates)


def test_background_job_xlsx_columns_fit_chinese_text(tree, users):
    """The job's file is written by the streamed writer; checked here without the job runner."""
    Organization.objects.filter(pk=tree.a1.pk).update(name=LONG_BRANCH)
    response = stream_export(MemberResource(user=users.office), Member.objects.all(), fmt="xlsx")
    body = b"".join(response.streaming_content)
    widths = check_widths(openpyxl.load_workbook(io.BytesIO(body)).active)
    assert widths["党支部"] >= wide(LONG_BRANCH)


def test_export_page_names_the_key_column_in_chinese(tree, users, login):
    page = login(users.office).get(reverse("admin:branches_member_export")).content.decode()
    assert f">{KEY_COLUMN}<" in page.replace("\n", "").replace(" <", "<")
    assert ">key<" not in page.replace("\n", "").replace(" <", "<").lower()
