"""Bookings: no two sessions overlap in one facility; no class larger than the facility."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from chengjiang.access import SYSTEM
from tests.training.factories import SessionFactory, TrainingClassFactory, at
from training import services
from training.models import MSG_CAPACITY, MSG_CLASH, Session

DAY = datetime.date(2024, 5, 10)


def _session(klass, facility, start, end, topic="新场次"):
    return Session(
        training_class=klass, facility=facility, starts_at=start, ends_at=end, topic=topic
    )


def _messages(exc) -> list[str]:
    return [str(m) for m in exc.value.messages]


def test_overlapping_booking_is_refused_naming_the_clashing_session(training):
    other = TrainingClassFactory(base=training.base_a, name="青雁计划测试班", participants=20)
    services.session_save(
        session=_session(other, training.room, at(DAY, 9), at(DAY, 11), topic="党建引领红色物业"),
        by=SYSTEM,
    )
    with pytest.raises(ValidationError) as exc:
        services.session_save(
            session=_session(training.class_a, training.room, at(DAY, 10), at(DAY, 12)), by=SYSTEM
        )
    expected = MSG_CLASH % {
        "facility": "大型会议室",
        "start": "2024-05-10 09:00",
        "end": "2024-05-10 11:00",
        "session": "党建引领红色物业",
        "klass": "青雁计划测试班",
    }
    assert _messages(exc) == [expected]
    assert "党建引领红色物业" in expected and "青雁计划测试班" in expected
    assert Session.objects.filter(training_class=training.class_a).count() == 0


@pytest.mark.parametrize(
    ("start", "end"),
    [((8, 0), (9, 30)), ((10, 30), (12, 0)), ((9, 30), (10, 30)), ((8, 0), (12, 0))],
    ids=["overlaps start", "overlaps end", "inside", "encloses"],
)
def test_every_kind_of_overlap_is_refused(training, start, end):
    services.session_save(
        session=_session(training.class_a, training.room, at(DAY, 9), at(DAY, 11)), by=SYSTEM
    )
    with pytest.raises(ValidationError, match="）预约，时间冲突。"):
        services.session_save(
            session=_session(training.class_a, training.room, at(DAY, *start), at(DAY, *end)),
            by=SYSTEM,
        )


def test_back_to_back_other_facility_and_no_facility_are_allowed(training):
    services.session_save(
        session=_session(training.class_a, training.room, at(DAY, 9), at(DAY, 11)), by=SYSTEM
    )
    services.session_save(
        session=_session(training.class_a, training.room, at(DAY, 11), at(DAY, 12)), by=SYSTEM
    )
    services.session_save(
        session=_session(training.class_a, training.projector, at(DAY, 9), at(DAY, 11)), by=SYSTEM
    )
    services.session_save(
        session=_session(training.class_a, None, at(DAY, 9), at(DAY, 11)), by=SYSTEM
    )
    assert Session.objects.count() == 4


def test_moving_a_session_does_not_clash_with_itself(training):
    s = services.session_save(
        session=_session(training.class_a, training.room, at(DAY, 9), at(DAY, 11)), by=SYSTEM
    )
    s.ends_at = at(DAY, 11, 30)
    services.session_save(session=s, by=SYSTEM)
    s.refresh_from_db()
    assert s.ends_at == at(DAY, 11, 30)


def test_class_larger_than_the_facility_is_refused(training):
    klass = TrainingClassFactory(base=training.base_a, name="大班", participants=45)
    with pytest.raises(ValidationError) as exc:
        services.session_save(
            session=_session(klass, training.room, at(DAY, 9), at(DAY, 10)), by=SYSTEM
        )
    assert _messages(exc) == [
        MSG_CAPACITY % {"facility": "大型会议室", "capacity": 40, "klass": "大班", "size": 45}
    ]
    # exactly the capacity fits; a facility without a capacity takes any class
    klass.participants = 40
    services.class_save(training_class=klass, by=SYSTEM)
    services.session_save(
        session=_session(klass, training.room, at(DAY, 9), at(DAY, 10)), by=SYSTEM
    )
    klass.participants = 45
    with pytest.raises(ValidationError, match="人参训，超出容量。"):
        services.class_save(training_class=klass, by=SYSTEM)
    klass.refresh_from_db()
    assert klass.participants == 40
    services.session_save(
        session=_session(klass, training.projector, at(DAY, 9), at(DAY, 10)), by=SYSTEM
    )


def test_shrinking_a_facility_below_a_booked_class_is_refused(training):
    services.session_save(
        session=_session(training.class_a, training.room, at(DAY, 9), at(DAY, 10)), by=SYSTEM
    )
    training.room.capacity = 25
    with pytest.raises(ValidationError, match="人参训，超出容量。"):
        services.facility_save(facility=training.room, by=SYSTEM)


def test_end_must_follow_start_and_facility_must_be_of_the_base(training):
    with pytest.raises(ValidationError, match="结束时间必须晚于开始时间。"):
        services.session_save(
            session=_session(training.class_a, training.room, at(DAY, 10), at(DAY, 9)), by=SYSTEM
        )
    with pytest.raises(ValidationError, match="该设施属于其他实训基地。"):
        services.session_save(
            session=_session(training.class_a, training.room_b, at(DAY, 9), at(DAY, 10)), by=SYSTEM
        )


@pytest.mark.postgres
def test_database_refuses_an_overlap_written_past_the_service(training):
    SessionFactory(
        training_class=training.class_a,
        facility=training.room,
        starts_at=at(DAY, 9),
        ends_at=at(DAY, 11),
    )
    with (
        pytest.raises(IntegrityError, match="session_no_overlap_in_facility"),
        transaction.atomic(),
    ):
        Session.objects.create(
            training_class=training.class_a,
            facility=training.room,
            starts_at=at(DAY, 10),
            ends_at=at(DAY, 12),
        )
    # the constraint is per facility and half-open: these are fine
    Session.objects.create(
        training_class=training.class_a,
        facility=training.room,
        starts_at=at(DAY, 11),
        ends_at=at(DAY, 12),
    )
    Session.objects.create(
        training_class=training.class_a,
        facility=training.hall,
        starts_at=at(DAY, 10),
        ends_at=at(DAY, 12),
    )
    Session.objects.bulk_create(
        [
            Session(training_class=training.class_a, starts_at=at(DAY, 9), ends_at=at(DAY, 12))
            for _ in range(2)
        ]
    )
    # bulk writes skip clean() altogether: the database still refuses
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.bulk_create(
            [
                Session(
                    training_class=training.class_a,
                    facility=training.hall,
                    starts_at=at(DAY, 11),
                    ends_at=at(DAY, 13),
                )
            ]
        )


@pytest.mark.postgres
def test_service_turns_a_lost_race_into_the_clash_message(training, monkeypatch):
    """Two writers check at once: the constraint stops the second; the message names the first."""
    SessionFactory(
        training_class=training.class_a,
        facility=training.room,
        starts_at=at(DAY, 9),
        ends_at=at(DAY, 11),
        topic="先到的场次",
    )
    monkeypatch.setattr(Session, "check_booking", lambda self: None)  # the check "missed" it
    with pytest.raises(ValidationError) as exc:
        services.session_save(
            session=_session(training.class_a, training.room, at(DAY, 10), at(DAY, 12)), by=SYSTEM
        )
    assert "先到的场次" in _messages(exc)[0]
    assert Session.objects.count() == 1
