"""factory_boy builders of the training app's records (written directly: tests of the rules
go through the services)."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from tests.factories import VillageFactory, valid_id_number
from training.models import (
    ClassKind,
    Course,
    Facility,
    Level,
    Session,
    TrainingBase,
    TrainingClass,
)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


class TrainingBaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingBase

    name = factory.Sequence(lambda n: f"测试实训基地{n}")
    village = factory.SubFactory(VillageFactory)
    level = Level.DISTRICT
    rated_on = datetime.date(2023, 6, 1)


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility

    base = factory.SubFactory(TrainingBaseFactory)
    name = factory.Sequence(lambda n: f"测试会议室{n}")
    kind = Facility.Kind.MEETING_ROOM
    capacity = 50


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    base = factory.SubFactory(TrainingBaseFactory)
    title = factory.Sequence(lambda n: f"测试课程{n}")
    lecturer = "测试讲师"
    duration_minutes = 60
    offered_from = datetime.date(2024, 1, 1)


class TrainingClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingClass

    kind = ClassKind.RECEIVED
    base = factory.SubFactory(TrainingBaseFactory)
    name = factory.Sequence(lambda n: f"测试培训班{n}")
    sending_organisation = "测试派出单位"
    starts_on = datetime.date(2024, 5, 1)
    ends_on = datetime.date(2024, 5, 31)
    participants = 30


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    training_class = factory.SubFactory(TrainingClassFactory)
    topic = factory.Sequence(lambda n: f"测试场次{n}")
    starts_at = factory.LazyFunction(lambda: at(datetime.date(2024, 5, 10), 9))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=1))
    hours = Decimal("1.0")


class ReserveCadreFactory(factory.django.DjangoModelFactory):
    """A minimal reserve cadre (cadres owns the full builders)."""

    class Meta:
        model = "cadres.ReserveCadre"

    name = factory.Sequence(lambda n: f"后备干部{n}")
    gender = "F"
    birth_date = datetime.date(1998, 3, 1)
    id_number = factory.LazyAttribute(lambda o: valid_id_number(o.birth_date))
    village = factory.SubFactory(VillageFactory)
    education = "bachelor"
    recruited_on = datetime.date(2023, 10, 20)


def opening_session(training_class, facility):
    """The 开班动员 session of 1 March 2024, 9–11 (2 hours), saved through the service."""
    from chengjiang.access import SYSTEM
    from training import services
    from training.models import Session

    return services.session_save(
        session=Session(
            training_class=training_class,
            topic="开班动员",
            facility=facility,
            starts_at=at(datetime.date(2024, 3, 1), 9),
            ends_at=at(datetime.date(2024, 3, 1), 11),
            hours=Decimal("2.0"),
        ),
        by=SYSTEM,
    )
