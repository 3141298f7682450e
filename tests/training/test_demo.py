"""The demo states the report's 阵地建设 figures for 2024, read through the measures."""

import io
from decimal import Decimal

from django.core.management import call_command

from chengjiang.measures import Period, get
from training.demo import BASE_NAME, CHUNZAO
from training.models import Level, Session, TrainingClass

COURSES = {
    "集体企业管理与发展",
    "党建引领红色物业",
    "蝶变花园之花园党建成就展",
    "村规民约推动移风易俗",
}


def _value(key, **params):
    return get(key).evaluate(period=Period.year(2024), scope="", **params)


def test_demo_reads_one_municipal_base_four_courses_and_the_classes_received(demo_db):
    municipal = _value("training.bases", level=Level.MUNICIPAL)
    assert municipal.value == 1
    [base] = municipal.records
    assert base.name == BASE_NAME and base.village.name == "花园村" and base.rated_on.year == 2024
    assert {f.name for f in base.facilities.all()} == {
        "大型会议室",
        "投影仪",
        "党建成就展示馆",
        "智慧社区展示大屏",
    }
    assert _value("training.bases", level=Level.PROVINCIAL).value == 0
    courses = _value("training.courses_offered")
    assert courses.value == 4
    assert {c.title for c in courses.records} == COURSES
    received = _value("training.classes_received")
    assert received.value >= 2
    names = {c.name for c in received.records}
    assert "扬州大学高素质农民培训班" in names
    assert "宣州区年轻村(社区)党组织书记能力提升暨“青雁计划”培训班" in names
    qingyan = TrainingClass.objects.get(name__contains="青雁计划")
    assert qingyan.sending_organisation == "宣州区委组织部"
    assert {s.course.title for s in qingyan.sessions.all()} == COURSES
    participants = _value("training.class_participants").value
    assert participants == sum(c.participants for c in received.records) > 0
    # the 春早 class: attended, hours credited
    chunzao = TrainingClass.objects.get(name=CHUNZAO)
    assert chunzao.starts_on.year == 2024 and chunzao.attendees.count() > 0
    assert _value("training.internal_hours").value > Decimal("0")
    # figures are not from 2025
    assert get("training.classes_received").evaluate(period=Period.year(2025), scope="").value == 0

    # a second run changes nothing
    before = (TrainingClass.objects.count(), Session.objects.count())
    call_command("load_demo", stdout=io.StringIO())
    assert (TrainingClass.objects.count(), Session.objects.count()) == before


def test_demo_chunzao_trainees_are_the_reserve_cadres_when_cadres_has_them(demo_db):
    from cadres.models import ReserveCadre

    chunzao = TrainingClass.objects.get(name=CHUNZAO)
    kinds = {a.person_kind for a in chunzao.attendees.all()}
    if ReserveCadre.objects.exists():
        assert kinds == {"reserve_cadre"}
        assert chunzao.attendees.count() == ReserveCadre.objects.count()
    else:
        assert kinds == {"member"}
