"""Imports of classes and attendance: preview first, all or nothing, Chinese reasons per row."""

import datetime
import io
from decimal import Decimal

import pytest
import tablib
from django.urls import reverse

from chengjiang.access import SYSTEM
from chengjiang.importexport import MSG_OUT_OF_SCOPE
from tests.training.factories import at, opening_session
from training import services
from training.models import Session, SessionAttendance, TrainingClass
from training.resources import (
    MSG_NO_ATTENDEE,
    SessionAttendanceResource,
    TrainingClassResource,
)

pytestmark = pytest.mark.usefixtures("chinese")  # the office's language

CLASS_HEADERS = [
    "班次类别",
    "实训基地",
    "班次名称",
    "主办（委托）单位",
    "开始日期",
    "结束日期",
    "参训人数",
]
ATTENDANCE_HEADERS = ["班次", "场次开始时间", "姓名", "是否出勤", "认定学时"]


def _dataset(headers, rows):
    data = tablib.Dataset(headers=headers)
    for row in rows:
        data.append(row)
    return data


def test_class_headers_are_the_chinese_column_names():
    headers = TrainingClassResource(user=None).get_export_headers()
    assert headers[: len(CLASS_HEADERS)] == CLASS_HEADERS


def test_a_bad_row_refuses_the_whole_class_file(training, users):
    good = [
        "接待培训班次",
        "花园村实训基地",
        "导入的好班次",
        "扬州大学",
        "2024-06-01",
        "2024-06-02",
        30,
    ]
    bad_date = [
        "接待培训班次",
        "花园村实训基地",
        "日期错的班次",
        "某单位",
        "六月一日",
        "2024-06-02",
        20,
    ]
    before = TrainingClass.objects.count()
    result = TrainingClassResource(user=users.office).import_data(
        _dataset(CLASS_HEADERS, [good, bad_date])
    )
    assert result.has_validation_errors()
    [invalid] = result.invalid_rows
    assert invalid.number == 2
    assert any("开始日期" in m and "六月一日" in m for m in invalid.error.messages)
    assert TrainingClass.objects.count() == before

    # a row outside the user's scope: refused, and nothing is written
    other = [
        "接待培训班次",
        "青桥村实训基地",
        "别村的班次",
        "某单位",
        "2024-06-01",
        "2024-06-01",
        5,
    ]
    result = TrainingClassResource(user=users.sec_a).import_data(
        _dataset(CLASS_HEADERS, [good, other])
    )
    [invalid] = result.invalid_rows
    # out of scope reads exactly as a base that does not exist
    missing = TrainingClassResource(user=users.sec_a).import_data(
        _dataset(CLASS_HEADERS, [good, [*other[:1], "不存在的基地", *other[2:]]])
    )
    assert invalid.error.messages == [
        m.replace("不存在的基地", "青桥村实训基地") for m in missing.invalid_rows[0].error.messages
    ]
    assert str(MSG_OUT_OF_SCOPE % {"name": "青桥村实训基地"}) not in invalid.error.messages
    assert TrainingClass.objects.count() == before

    result = TrainingClassResource(user=users.office).import_data(_dataset(CLASS_HEADERS, [good]))
    assert not result.has_validation_errors() and not result.has_errors()
    assert TrainingClass.objects.get(name="导入的好班次").participants == 30


def test_a_class_import_growing_beyond_a_booked_facility_is_refused(training, users):
    """Rows are written through the services: the capacity rule holds for imports too."""
    services.session_save(
        session=Session(
            training_class=training.class_a,
            facility=training.room,
            starts_at=at(datetime.date(2024, 5, 10), 9),
            ends_at=at(datetime.date(2024, 5, 10), 10),
        ),
        by=SYSTEM,
    )
    big = [
        "接待培训班次",
        "花园村实训基地",
        "扬州大学测试班",
        "扬州大学",
        "2024-05-01",
        "2024-05-31",
        80,
    ]
    result = TrainingClassResource(user=users.office).import_data(_dataset(CLASS_HEADERS, [big]))
    assert result.has_validation_errors() or result.has_errors()
    assert TrainingClass.objects.filter(name="扬州大学测试班").count() == 1


@pytest.fixture
def attendance_setup(training, tree):
    session = opening_session(training.internal, training.room)
    people = tree.a_members[:2]
    for m in people:
        services.attendee_enrol(training_class=training.internal, member=m, by=SYSTEM)
    return session, people


def test_attendance_import_all_or_nothing(training, users, attendance_setup):
    _session, (m1, m2) = attendance_setup
    rows = [
        ["春早测试班", "2024-03-01 09:00", m1.name, "是", ""],
        ["春早测试班", "2024-03-01 09:00", "查无此人", "是", "2"],
    ]
    result = SessionAttendanceResource(user=users.office).import_data(
        _dataset(ATTENDANCE_HEADERS, rows)
    )
    [invalid] = result.invalid_rows
    assert invalid.number == 2
    assert str(MSG_NO_ATTENDEE % {"name": "查无此人", "klass": "春早测试班"}) in (
        invalid.error.messages
    )
    assert SessionAttendance.objects.count() == 0

    rows[1] = ["春早测试班", "2024-03-01 09:00", m2.name, "否", ""]
    result = SessionAttendanceResource(user=users.office).import_data(
        _dataset(ATTENDANCE_HEADERS, rows)
    )
    assert not result.has_validation_errors() and not result.has_errors()
    hours = dict(SessionAttendance.objects.values_list("attendee__member__name", "hours"))
    assert hours == {m1.name: Decimal("2.0"), m2.name: Decimal("0")}
    # importing the same file again repeats stored records: refused, nothing changes
    result = SessionAttendanceResource(user=users.office).import_data(
        _dataset(ATTENDANCE_HEADERS, rows)
    )
    assert len(result.invalid_rows) == 2
    assert SessionAttendance.objects.count() == 2


def test_attendance_of_another_villages_class_is_not_found(training, users, attendance_setup):
    _session, (m1, _m2) = attendance_setup
    rows = [["春早测试班", "2024-03-01 09:00", m1.name, "是", ""]]
    result = SessionAttendanceResource(user=users.sec_b).import_data(
        _dataset(ATTENDANCE_HEADERS, rows)
    )
    assert result.has_validation_errors()
    assert SessionAttendance.objects.count() == 0


def test_export_is_scoped(training, users):
    names = {row[2] for row in TrainingClassResource(user=users.sec_a).export()}
    assert "扬州大学测试班" in names and "青桥村测试班" not in names


def test_admin_import_previews_and_a_bad_file_writes_nothing(training, users, login):
    client = login(users.office)
    url = reverse("admin:training_trainingclass_import")
    data = _dataset(
        CLASS_HEADERS,
        [
            [
                "接待培训班次",
                "花园村实训基地",
                "预览班次",
                "扬州大学",
                "2024-06-01",
                "2024-06-02",
                30,
            ],
            ["外星班次", "花园村实训基地", "类别错", "某单位", "2024-06-01", "2024-06-02", 3],
        ],
    )
    upload = io.BytesIO(data.export("csv").encode("utf-8"))
    upload.name = "classes.csv"
    before = TrainingClass.objects.count()
    response = client.post(url, {"import_file": upload, "format": "1", "resource": "0"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "第 3 行：班次类别：“外星班次”不是有效选项" in html  # header = row 1
    assert response.context.get("confirm_form") is None  # no way to confirm a bad file
    assert TrainingClass.objects.count() == before
