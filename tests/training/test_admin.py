"""The training admin answers every page for office staff, and books through the services."""

import datetime

import pytest
from django.urls import reverse

from chengjiang.access import SYSTEM
from tests.training.factories import SessionFactory, at
from training.models import (
    Attendee,
    Course,
    Facility,
    Session,
    SessionAttendance,
    TrainingBase,
    TrainingClass,
)

MODELS = [TrainingBase, Facility, Course, TrainingClass, Session, Attendee, SessionAttendance]


@pytest.fixture
def records(training, tree):
    from training import services

    session = SessionFactory(training_class=training.internal, facility=training.room)
    attendee = services.attendee_enrol(
        training_class=training.internal, member=tree.a_members[0], by=SYSTEM
    )
    services.attendance_record(
        session=session, lines=[services.AttendanceLine(attendee)], by=SYSTEM
    )
    return {
        TrainingBase: training.base_a,
        Facility: training.room,
        Course: training.course,
        TrainingClass: training.class_a,
        Session: session,
        Attendee: attendee,
        SessionAttendance: session.attendance.get(),
    }


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_office_opens_every_admin_page(records, users, login, model):
    client = login(users.office)
    info = model._meta.app_label, model._meta.model_name
    for url in (
        reverse("admin:%s_%s_changelist" % info),
        reverse("admin:%s_%s_add" % info),
        reverse("admin:%s_%s_change" % info, args=[records[model].pk]),
    ):
        assert client.get(url).status_code == 200, url
    if model in (TrainingClass, SessionAttendance):
        assert client.get(reverse("admin:%s_%s_import" % info)).status_code == 200
        assert client.get(reverse("admin:%s_%s_export" % info)).status_code == 200


def test_admin_session_form_refuses_a_clash_with_the_chinese_message(training, users, login):
    day = datetime.date(2024, 5, 10)
    SessionFactory(
        training_class=training.class_a,
        facility=training.room,
        topic="已有场次",
        starts_at=at(day, 9),
        ends_at=at(day, 11),
    )
    client = login(users.office)
    response = client.post(
        reverse("admin:training_session_add"),
        {
            "training_class": training.class_a.pk,
            "topic": "新场次",
            "facility": training.room.pk,
            "starts_at_0": "2024-05-10",
            "starts_at_1": "10:00",
            "ends_at_0": "2024-05-10",
            "ends_at_1": "12:00",
            "hours": "1",
        },
    )
    assert response.status_code == 200
    assert "已有场次" in response.content.decode()
    assert not Session.objects.filter(topic="新场次").exists()
