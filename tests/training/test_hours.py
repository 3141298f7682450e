"""Internal training: attendance per session, hours credited, each person's hours for a year."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from chengjiang.access import SYSTEM
from chengjiang.measures import Period, get
from tests.training.factories import ReserveCadreFactory, at
from training import selectors, services
from training.models import Session

D = Decimal


def _session(klass, day, hours, hour=9):
    return services.session_save(
        session=Session(
            training_class=klass,
            topic="第%d场" % hour,
            starts_at=at(day, hour),
            ends_at=at(day, hour + 2),
            hours=D(hours),
        ),
        by=SYSTEM,
    )


@pytest.fixture
def chunzao(training, tree):
    cadre = ReserveCadreFactory(name="青苗", village=tree.va)
    member = tree.a_members[0]
    a_cadre = services.attendee_enrol(
        training_class=training.internal, reserve_cadre=cadre, by=SYSTEM
    )
    a_member = services.attendee_enrol(training_class=training.internal, member=member, by=SYSTEM)
    return cadre, member, a_cadre, a_member


def test_enrolment_keeps_participants_and_refuses_repeats(training, chunzao):
    _cadre, member, _a, a_member = chunzao
    training.internal.refresh_from_db()
    assert training.internal.participants == 2
    with pytest.raises(ValidationError, match="已是本班次学员。"):
        services.attendee_enrol(training_class=training.internal, member=member, by=SYSTEM)
    with pytest.raises(ValidationError, match="只有内部培训班次才登记学员。"):
        services.attendee_enrol(training_class=training.class_a, member=member, by=SYSTEM)
    with pytest.raises(ValidationError, match="请选择且只选择一人：党员或后备干部。"):
        services.attendee_enrol(training_class=training.internal, by=SYSTEM)
    services.attendee_withdraw(attendee=a_member, by=SYSTEM)
    training.internal.refresh_from_db()
    assert training.internal.participants == 1


def test_each_persons_hours_for_a_year(training, chunzao):
    cadre, member, a_cadre, a_member = chunzao
    s1 = _session(training.internal, datetime.date(2024, 3, 1), "2.0")
    s2 = _session(training.internal, datetime.date(2024, 3, 2), "3.0")
    s3 = _session(training.internal, datetime.date(2024, 3, 3), "1.5")
    services.attendance_record(
        session=s1,
        lines=[services.AttendanceLine(a_cadre), services.AttendanceLine(a_member)],
        by=SYSTEM,
    )
    services.attendance_record(
        session=s2,
        lines=[
            services.AttendanceLine(a_cadre),
            services.AttendanceLine(a_member, present=False),
        ],
        by=SYSTEM,
    )
    services.attendance_record(
        session=s3,
        lines=[services.AttendanceLine(a_cadre, hours=D("1.0")), services.AttendanceLine(a_member)],
        by=SYSTEM,
    )
    rows = {(r.kind, r.person_id): r for r in selectors.hours_by_person(year=2024, scope="")}
    assert rows[("reserve_cadre", cadre.pk)].hours == D("6.0")
    assert rows[("reserve_cadre", cadre.pk)].sessions == 3
    assert rows[("member", member.pk)].hours == D("3.5")
    assert rows[("member", member.pk)].sessions == 2
    assert selectors.person_hours(year=2024, scope="", member=member) == D("3.5")
    assert selectors.person_hours(year=2025, scope="", member=member) == D("0")
    # the measure sums the same hours
    assert get("training.internal_hours").evaluate(period=Period.year(2024), scope="").value == D(
        "9.5"
    )
    # recording again replaces the session's records: the figure follows
    services.attendance_record(session=s2, lines=[services.AttendanceLine(a_member)], by=SYSTEM)
    assert selectors.person_hours(year=2024, scope="", reserve_cadre=cadre) == D("3.0")
    assert selectors.person_hours(year=2024, scope="", member=member) == D("6.5")


def test_hours_are_counted_in_the_year_of_the_session_and_in_scope(training, chunzao, tree):
    _cadre, member, _a_cadre, a_member = chunzao
    training.internal.ends_on = datetime.date(2025, 3, 1)
    services.class_save(training_class=training.internal, by=SYSTEM)
    s_2024 = _session(training.internal, datetime.date(2024, 12, 31), "2.0", hour=20)
    s_2025 = _session(training.internal, datetime.date(2025, 1, 2), "4.0")
    for s in (s_2024, s_2025):
        services.attendance_record(session=s, lines=[services.AttendanceLine(a_member)], by=SYSTEM)
    assert selectors.person_hours(year=2024, scope="", member=member) == D("2.0")
    assert selectors.person_hours(year=2025, scope="", member=member) == D("4.0")
    # the class is at 花园村's base: 青桥村's subtree has none of it
    assert selectors.hours_by_person(year=2024, scope=tree.b.path) == []
    assert selectors.person_hours(year=2024, scope=tree.a.path, member=member) == D("2.0")


def test_attendance_refusals(training, chunzao):
    _cadre, _member, a_cadre, _a_member = chunzao
    s = _session(training.internal, datetime.date(2024, 3, 1), "2.0")
    with pytest.raises(
        ValidationError, match="的认定学时不能超过本场次的"
    ):  # more than the session gives
        services.attendance_record(
            session=s, lines=[services.AttendanceLine(a_cadre, hours=D("2.5"))], by=SYSTEM
        )
    with pytest.raises(ValidationError, match="重复列出。"):  # listed twice
        services.attendance_record(
            session=s,
            lines=[services.AttendanceLine(a_cadre), services.AttendanceLine(a_cadre)],
            by=SYSTEM,
        )
    other = services.session_save(
        session=Session(
            training_class=training.class_a,
            starts_at=at(datetime.date(2024, 5, 3), 9),
            ends_at=at(datetime.date(2024, 5, 3), 10),
        ),
        by=SYSTEM,
    )
    with pytest.raises(
        ValidationError, match="不是该场次所属班次的学员。"
    ):  # not enrolled in that class
        services.attendance_record(
            session=other, lines=[services.AttendanceLine(a_cadre)], by=SYSTEM
        )
    # an absent person is credited nothing, whatever was typed
    services.attendance_record(
        session=s,
        lines=[services.AttendanceLine(a_cadre, present=False, hours=D("2.0"))],
        by=SYSTEM,
    )
    assert s.attendance.get().hours == D("0")
