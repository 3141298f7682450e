"""factory_boy builders shared by every app's tests."""

import datetime
import itertools

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from branches.models import Meeting, MeetingKind, Member, Organization, Talk, Village
from chengjiang.personal_data import id_check_digit

_id_seq = itertools.count(1)


def valid_id_number(birth: datetime.date | None = None) -> str:
    birth = birth or datetime.date(1980, 1, 1)
    n = next(_id_seq)
    first17 = f"341802{birth:%Y%m%d}{n % 1000:03d}"
    # keep unique across >1000 by varying the region's last digit
    first17 = first17[:5] + str((n // 1000) % 10) + first17[6:]
    return first17 + id_check_digit(first17)


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    name = factory.Sequence(lambda n: f"测试村{n}")


class OrganizationFactory(factory.django.DjangoModelFactory):
    """Builds tree nodes directly (tests of the tree services use the services)."""

    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试党组织{n}")
    kind = Organization.Kind.BRANCH
    parent = None
    established_on = datetime.date(2010, 1, 1)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    name = factory.Sequence(lambda n: f"党员{n}")
    gender = "M"
    birth_date = datetime.date(1980, 1, 1)
    id_number = factory.LazyAttribute(lambda o: valid_id_number(o.birth_date))
    phone = factory.Sequence(lambda n: f"199{n:08d}")
    joined_on = datetime.date(2005, 7, 1)
    branch = factory.SubFactory(OrganizationFactory)


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    kind = MeetingKind.BRANCH_COMMITTEE
    organization = factory.SubFactory(OrganizationFactory)
    held_on = datetime.date(2024, 3, 10)
    topic = factory.Sequence(lambda n: f"会议主题{n}")


class TalkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Talk

    organization = factory.SubFactory(OrganizationFactory)
    held_on = datetime.date(2024, 3, 10)
    talker_name = "谈话人"
    topic = factory.Sequence(lambda n: f"谈话主题{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "Test-pass-12345")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        if create:
            self.save()


def create_in_bulk(factory_class, size: int, **kwargs) -> list:
    """``size`` records built by ``factory_class`` and written the way an import writes them: one
    bulk insert, then ``records_bulk_written`` with their pks, so the kept summary and 三会一课
    cells follow as they do for an import (no audit entry per row). For tests that need many
    rows to check something else, such as a page's queries at two sizes."""
    from chengjiang import measures

    model = factory_class._meta.model
    records = model.objects.bulk_create(factory_class.build_batch(size, **kwargs))
    measures.records_bulk_written.send(sender=model, pks=[r.pk for r in records])
    return records
