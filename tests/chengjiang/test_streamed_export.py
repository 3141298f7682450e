"""Streamed exports (issue 12, goal 5): rows written as they are read, the file never held in
memory, the same cells as the export built in memory (scope, masks, formula escaping)."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.models import Meeting, Member
from branches.resources import MeetingResource, MemberResource
from chengjiang import streamexport
from chengjiang.accounts.models import PersonalDataAccess
from chengjiang.streamexport import stream_export
from tests.factories import MeetingFactory

pytestmark = pytest.mark.usefixtures("chinese")  # the office's language


def in_memory(resource_cls, user, queryset) -> list[list[str]]:
    dataset = resource_cls(user=user).export(queryset)
    return [list(map(_text, dataset.headers))] + [list(map(_text, row)) for row in dataset]


def _text(value) -> str:
    if isinstance(value, datetime.datetime):  # an xlsx date cell, read back
        return value.date().isoformat()
    return "" if value is None else str(value)


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # Excel reads Chinese CSV only with the BOM
    return list(csv.reader(io.StringIO(body[1:])))


def xlsx_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    return [[_text(c) for c in row] for row in sheet.iter_rows(values_only=True)]


def test_csv_is_streamed_with_the_same_cells_masked_and_escaped(tree, users):
    tree.a_members[0].name = "=HYPERLINK(1)"
    tree.a_members[0].save()
    queryset = Member.objects.order_by("pk")
    response = stream_export(MemberResource(user=users.sec_a), queryset, fmt="csv")
    assert response.streaming
    rows = csv_rows(response)
    assert rows == in_memory(MemberResource, users.sec_a, queryset)
    assert len(rows) == 1 + len(tree.a_members)  # sec_a's scope only
    text = "".join(",".join(r) for r in rows)
    assert tree.a_members[1].id_number not in text and "'=HYPERLINK(1)" in text


def test_xlsx_is_written_to_a_file_and_streamed(tree, users):
    for n in range(3):
        MeetingFactory(organization=tree.a1, topic=f"学习{n}")
    queryset = Meeting.objects.order_by("pk")
    response = stream_export(MeetingResource(user=users.office), queryset, fmt="xlsx")
    assert response.streaming and response["Content-Type"].startswith("application/vnd.openxml")
    assert xlsx_rows(response) == in_memory(MeetingResource, users.office, queryset)


def test_rows_are_read_a_chunk_at_a_time_while_the_client_reads(tree, users, monkeypatch):
    monkeypatch.setattr(streamexport, "CHUNK_SIZE", 2)
    monkeypatch.setattr(streamexport, "CSV_LINES_PER_CHUNK", 2)
    for n in range(8):
        MeetingFactory(organization=tree.a1, topic=f"学习{n}")
    response = stream_export(MeetingResource(user=users.office), Meeting.objects.all(), fmt="csv")
    chunks = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as first:
        next(chunks)  # the header and the first two meetings
    with CaptureQueriesContext(connection) as rest:
        list(chunks)
    # the later meetings' attendance and appraisals are read only as the client reads on, two
    # meetings at a time: one query per related table per chunk, the meetings' query only once
    first_sql = [q["sql"] for q in first.captured_queries]
    later = [q["sql"] for q in rest.captured_queries]
    per_chunk = len(first_sql) - 1
    assert per_chunk >= 1 and sum('FROM "branches_meeting"' in sql for sql in first_sql) == 1
    assert len(later) == 3 * per_chunk
    assert sum("branches_attendance" in sql for sql in later) == 3
    assert not any('FROM "branches_meeting"' in sql for sql in later)


def test_a_large_admin_export_is_streamed_and_a_full_one_recorded(tree, users, login, settings):
    settings.STREAM_EXPORT_MIN_ROWS = 1
    client = login(users.office)
    columns = {f"memberresource_{n}": "on" for n in MemberResource().get_export_order()}
    url = reverse("admin:branches_member_export")
    response = client.post(url, {"format": "1", "resource": "0", **columns})
    assert response.status_code == 200 and response.streaming
    rows = csv_rows(response)
    assert len(rows) == 1 + Member.objects.count() and "编号" in rows[0]
    assert not PersonalDataAccess.objects.exists()
    full = client.post(
        url, {"format": "0", "resource": "0", "full_values": "on", "reason": "换届审查", **columns}
    )
    assert full.streaming
    ids = {r[3] for r in xlsx_rows(full)[1:]}
    assert tree.a_members[0].id_number in ids
    assert PersonalDataAccess.objects.get().record_count == Member.objects.count()
