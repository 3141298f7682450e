"""Demo data for 阵地建设 (run by ``manage.py load_demo`` after branches and cadres).

The report's figures: 花园村's on-site teaching point, rated municipal (市级) in 2024, with the
four facilities; the four courses; the classes received (扬州大学高素质农民培训班 and the
宣州区 "青雁计划" class, plus one invented); and the 2024 "春早" action demonstration class for
the reserve cadres (Party members of 花园村 stand in when the cadres demo is absent). Lecturers,
dates, head counts and contacts are invented and fictional.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from auditlog.context import disable_auditlog
from django.utils import timezone

from branches.models import Member, Village
from chengjiang.access import SYSTEM

from . import services
from .models import (
    Attendee,
    ClassKind,
    Course,
    Facility,
    Level,
    Session,
    TrainingBase,
    TrainingClass,
)

BASE_NAME = "花园村党员教育实训基地"
CHUNZAO = "2024年“春早”行动示范培训班"

FACILITIES = [
    ("大型会议室", Facility.Kind.MEETING_ROOM, 120),
    ("投影仪", Facility.Kind.PROJECTOR, None),
    ("党建成就展示馆", Facility.Kind.EXHIBITION_HALL, 60),
    ("智慧社区展示大屏", Facility.Kind.DISPLAY_SCREEN, 50),
]

COURSES = [
    (
        "集体企业管理与发展",
        "以花园村村集体企业为案例，讲解村集体经济组织的经营管理、收益分配与风险防控。",
        "周明远",
        90,
        "大型会议室",
    ),
    (
        "党建引领红色物业",
        "介绍小区党支部、业委会与物业公司“三方联动”的做法，现场观看智慧社区平台运行。",
        "陈晓岚",
        60,
        "智慧社区展示大屏",
    ),
    (
        "蝶变花园之花园党建成就展",
        "参观党建成就展示馆，回顾花园村从城郊村到美丽乡村的发展历程。",
        "花园村讲解员",
        45,
        "党建成就展示馆",
    ),
    (
        "村规民约推动移风易俗",
        "讲解村规民约的修订过程与红白理事会运行，交流推动移风易俗的经验。",
        "吴建平",
        60,
        "大型会议室",
    ),
]

# (name, sending organisation, first day, last day, participants, contact, sessions)
# a session: (course title, day offset, "HH:MM", facility name)
CLASSES_RECEIVED = [
    (
        "扬州大学高素质农民培训班",
        "扬州大学",
        datetime.date(2024, 5, 14),
        datetime.date(2024, 5, 15),
        45,
        "李老师",
        [
            ("蝶变花园之花园党建成就展", 0, "09:00", "党建成就展示馆"),
            ("集体企业管理与发展", 0, "14:30", "大型会议室"),
            ("村规民约推动移风易俗", 1, "09:00", "大型会议室"),
        ],
    ),
    (
        "宣州区年轻村(社区)党组织书记能力提升暨“青雁计划”培训班",
        "宣州区委组织部",
        datetime.date(2024, 9, 10),
        datetime.date(2024, 9, 11),
        58,
        "王科长",
        [
            ("蝶变花园之花园党建成就展", 0, "09:00", "党建成就展示馆"),
            ("党建引领红色物业", 0, "10:30", "大型会议室"),
            ("集体企业管理与发展", 0, "14:30", "大型会议室"),
            ("村规民约推动移风易俗", 1, "09:00", "大型会议室"),
        ],
    ),
    (
        "宣城市乡村振兴专题现场教学班",
        "宣城市市直机关党员教育培训中心",
        datetime.date(2024, 11, 6),
        datetime.date(2024, 11, 6),
        36,
        "赵女士",
        [
            ("党建引领红色物业", 0, "09:30", "智慧社区展示大屏"),
            ("蝶变花园之花园党建成就展", 0, "10:45", "党建成就展示馆"),
        ],
    ),
]

CHUNZAO_SESSIONS = [
    # (course title or None, topic, day, "HH:MM", minutes, hours credited)
    (None, "开班动员：后备干部的成长路径", datetime.date(2024, 2, 26), "09:00", 90, "2.0"),
    ("集体企业管理与发展", "", datetime.date(2024, 2, 26), "14:30", 90, "2.0"),
    ("村规民约推动移风易俗", "", datetime.date(2024, 2, 27), "09:00", 60, "1.5"),
    ("党建引领红色物业", "", datetime.date(2024, 2, 28), "09:00", 60, "1.5"),
    (None, "乡村振兴政策学习与结业交流", datetime.date(2024, 3, 1), "14:30", 120, "3.0"),
]


def _at(day: datetime.date, hhmm: str) -> datetime.datetime:
    hour, minute = (int(p) for p in hhmm.split(":"))
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def load(ctx: dict) -> None:
    if TrainingBase.objects.filter(name=BASE_NAME).exists():
        return
    village = Village.objects.filter(name="花园村").first()
    if village is None:
        return
    with disable_auditlog():
        _load(ctx, village)


def _load(ctx: dict, village: Village) -> None:
    rng = random.Random(2024)
    base = services.base_save(
        base=TrainingBase(
            name=BASE_NAME,
            village=village,
            level=Level.MUNICIPAL,
            rated_on=datetime.date(2024, 6, 18),
            address="澄江街道花园村党群服务中心",
            description="市级干部教育培训现场教学点。",
        ),
        by=SYSTEM,
    )
    facilities = {
        name: services.facility_save(
            facility=Facility(base=base, name=name, kind=kind, capacity=capacity), by=SYSTEM
        )
        for name, kind, capacity in FACILITIES
    }
    courses = {
        title: services.course_save(
            course=Course(
                base=base,
                title=title,
                summary=summary,
                lecturer=lecturer,
                duration_minutes=minutes,
                facility=facilities[facility],
                offered_from=datetime.date(2024, 1, 1),
            ),
            by=SYSTEM,
        )
        for title, summary, lecturer, minutes, facility in COURSES
    }
    for name, sender, first, last, size, contact, sessions in CLASSES_RECEIVED:
        klass = services.class_save(
            training_class=TrainingClass(
                kind=ClassKind.RECEIVED,
                base=base,
                name=name,
                sending_organisation=sender,
                starts_on=first,
                ends_on=last,
                participants=size,
                contact_name=contact,
                contact_phone="19900009%03d" % rng.randint(100, 999),
            ),
            by=SYSTEM,
        )
        for title, offset, hhmm, facility in sessions:
            course = courses[title]
            start = _at(first + datetime.timedelta(days=offset), hhmm)
            services.session_save(
                session=Session(
                    training_class=klass,
                    course=course,
                    facility=facilities[facility] if facility else None,
                    starts_at=start,
                    ends_at=start + datetime.timedelta(minutes=course.duration_minutes),
                ),
                by=SYSTEM,
            )
    _chunzao(base, courses, facilities, rng)


def _trainees():
    """The reserve cadres (cadres demo), else young Party members of 花园村 standing in."""
    # The reserve cadres' model through the attendee's own link: training never imports cadres.
    ReserveCadre = Attendee._meta.get_field("reserve_cadre").related_model
    cadres = list(ReserveCadre.objects.order_by("village__name", "pk"))
    if cadres:
        return [("reserve_cadre", c) for c in cadres]
    members = Member.objects.filter(branch__village__name="花园村").order_by("-birth_date", "pk")
    return [("member", m) for m in members[:8]]


def _chunzao(base, courses, facilities, rng) -> None:
    klass = services.class_save(
        training_class=TrainingClass(
            kind=ClassKind.INTERNAL,
            base=base,
            name=CHUNZAO,
            sending_organisation="中共澄江街道工作委员会",
            starts_on=CHUNZAO_SESSIONS[0][2],
            ends_on=CHUNZAO_SESSIONS[-1][2],
            participants=0,
            contact_name="街道党建办",
            note="围绕党的政策法规、农业农村方针政策和乡村振兴建设，组织后备干部集中学习。",
        ),
        by=SYSTEM,
    )
    attendees = [
        services.attendee_enrol(training_class=klass, **{kind: person}, by=SYSTEM)
        for kind, person in _trainees()
    ]
    room = facilities["大型会议室"]
    for title, topic, day, hhmm, minutes, hours in CHUNZAO_SESSIONS:
        start = _at(day, hhmm)
        session = services.session_save(
            session=Session(
                training_class=klass,
                course=courses[title] if title else None,
                topic=topic,
                facility=room,
                starts_at=start,
                ends_at=start + datetime.timedelta(minutes=minutes),
                hours=Decimal(hours),
            ),
            by=SYSTEM,
        )
        lines = []
        for a in attendees:
            present = rng.random() > 0.12
            lines.append(services.AttendanceLine(attendee=a, present=present))
        services.attendance_record(session=session, lines=lines, by=SYSTEM)
