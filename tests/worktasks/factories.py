import datetime
from decimal import Decimal

import factory

from chengjiang.worktasks.models import Checklist, Line, Task


class ChecklistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Checklist
        django_get_or_create = ("year",)

    year = 2024
    title = factory.LazyAttribute(lambda o: f"{o.year}年全区乡村组织振兴重点工作任务")
    issued_by = "区委组织部"


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    checklist = factory.SubFactory(ChecklistFactory)
    number = factory.Sequence(lambda n: n + 1)
    line = Line.ORGANIZATION
    title = factory.Sequence(lambda n: f"任务{n}")
    deadline = datetime.date(2024, 12, 31)
    weight = Decimal(1)
    measure_key = "branches.meetings"
    measure_params = factory.LazyFunction(lambda: {"kind": "democratic_life"})
    target = Decimal(2)
