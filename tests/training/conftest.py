"""Training fixtures: a base in each village of the shared tree, with facilities and classes."""

import datetime
from types import SimpleNamespace

import pytest

from tests.training.factories import (
    CourseFactory,
    FacilityFactory,
    TrainingBaseFactory,
    TrainingClassFactory,
)
from training.models import ClassKind, Facility, Level


@pytest.fixture
def training(tree):
    base_a = TrainingBaseFactory(
        name="花园村实训基地",
        village=tree.va,
        level=Level.MUNICIPAL,
        rated_on=datetime.date(2024, 6, 18),
    )
    base_b = TrainingBaseFactory(name="青桥村实训基地", village=tree.vb)
    room = FacilityFactory(base=base_a, name="大型会议室", capacity=40)
    hall = FacilityFactory(
        base=base_a, name="党建成就展示馆", kind=Facility.Kind.EXHIBITION_HALL, capacity=20
    )
    projector = FacilityFactory(
        base=base_a, name="投影仪", kind=Facility.Kind.PROJECTOR, capacity=None
    )
    room_b = FacilityFactory(base=base_b, name="青桥村会议室", capacity=30)
    course = CourseFactory(base=base_a, title="集体企业管理与发展", facility=room)
    class_a = TrainingClassFactory(base=base_a, name="扬州大学测试班", participants=30)
    class_b = TrainingClassFactory(base=base_b, name="青桥村测试班", participants=10)
    internal = TrainingClassFactory(
        base=base_a,
        name="春早测试班",
        kind=ClassKind.INTERNAL,
        participants=0,
        starts_on=datetime.date(2024, 2, 1),
        ends_on=datetime.date(2024, 12, 31),
    )
    return SimpleNamespace(
        base_a=base_a,
        base_b=base_b,
        room=room,
        hall=hall,
        projector=projector,
        room_b=room_b,
        course=course,
        class_a=class_a,
        class_b=class_b,
        internal=internal,
    )
