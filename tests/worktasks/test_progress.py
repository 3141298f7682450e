"""Progress: value ÷ target capped at 100 %; weighted roll-ups leave out not-applicable tasks."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from chengjiang.worktasks.models import Line, ManualStatus, Task
from chengjiang.worktasks.selectors import State, checklist_progress

from .factories import ChecklistFactory, TaskFactory


def _by_number(progress):
    return {tp.task.number: tp for tp in progress.tasks}


def test_task_progress_is_capped_and_roll_ups_are_weighted(tree, meeting):
    checklist = ChecklistFactory(year=2024)
    dl = {"kind": "democratic_life"}
    ol = {"kind": "org_life"}
    TaskFactory(
        checklist=checklist, number=1, responsible=tree.root, measure_params=dl, target=4, weight=2
    )  # 1 of 4 = 25 %
    TaskFactory(
        checklist=checklist, number=2, responsible=tree.root, measure_params=ol, target=1, weight=1
    )  # 3 of 1 = capped 100 %
    TaskFactory(
        checklist=checklist,
        number=3,
        responsible=tree.root,
        measure_params=ol,
        target=100,
        weight=5,
        not_applicable=True,
    )  # left out
    TaskFactory(
        checklist=checklist,
        number=4,
        responsible=tree.root,
        line=Line.TEAM,
        measure_key="",
        measure_params={},
        target=None,
        manual_status=ManualStatus.IN_PROGRESS,
        weight=1,
    )  # 50 %
    meeting(tree.root)
    for _ in range(3):
        meeting(tree.a1, kind="org_life")

    progress = checklist_progress(checklist, "")
    tasks = _by_number(progress)
    assert tasks[1].value == 1 and tasks[1].percent == 25
    assert tasks[2].value == 3 and tasks[2].percent == 100
    assert tasks[3].state == State.NOT_APPLICABLE and not tasks[3].counted
    assert tasks[4].manual and tasks[4].percent == 50

    org_line, team_line, position_line = progress.lines
    # (2×25 + 1×100) ÷ (2 + 1) = 50
    assert org_line.percent == 50
    assert org_line.formula == "(2×25.0% + 1×100.0%) ÷ (2 + 1) = 50.0%"
    assert team_line.percent == 50
    assert position_line.percent is None
    # (2×25 + 1×100 + 1×50) ÷ 4 = 50
    assert progress.overall.percent == 50
    assert progress.overall.weight_total == 4


def test_not_applicable_changes_the_roll_up(tree, meeting):
    checklist = ChecklistFactory(year=2024)
    TaskFactory(checklist=checklist, number=1, responsible=tree.root, target=1)
    other = TaskFactory(checklist=checklist, number=2, responsible=tree.root, target=10)
    meeting(tree.root)
    assert checklist_progress(checklist, "").overall.percent == Decimal(55)  # (100+10)/2
    other.not_applicable = True
    other.save()
    assert checklist_progress(checklist, "").overall.percent == 100


def test_overdue_means_deadline_passed_and_not_complete(tree, meeting):
    checklist = ChecklistFactory(year=2024)
    TaskFactory(checklist=checklist, number=1, responsible=tree.root, target=2)
    TaskFactory(checklist=checklist, number=2, responsible=tree.root, target=1)
    meeting(tree.root)
    tasks = _by_number(checklist_progress(checklist, ""))
    assert tasks[1].state == State.OVERDUE
    assert tasks[2].state == State.DONE


def test_before_the_deadline_a_partial_task_is_in_progress(tree, meeting):
    today = timezone.localdate()
    checklist = ChecklistFactory(year=today.year)
    TaskFactory(
        checklist=checklist,
        number=1,
        responsible=tree.root,
        target=2,
        deadline=today + datetime.timedelta(days=30),
    )
    TaskFactory(
        checklist=checklist,
        number=2,
        responsible=tree.root,
        target=2,
        measure_params={"kind": "org_life"},
        deadline=today + datetime.timedelta(days=30),
    )
    meeting(tree.root, held_on=today.replace(day=1))
    tasks = _by_number(checklist_progress(checklist, ""))
    assert tasks[1].state == State.IN_PROGRESS
    assert tasks[2].state == State.NOT_STARTED


def test_a_village_sees_a_sub_district_task_computed_in_its_village(tree, meeting):
    checklist = ChecklistFactory(year=2024)
    TaskFactory(
        checklist=checklist,
        number=1,
        responsible=tree.root,
        target=4,
        measure_params={"kind": "org_life"},
    )
    meeting(tree.a1, kind="org_life")
    meeting(tree.b1, kind="org_life")
    meeting(tree.b1, kind="org_life")
    assert checklist_progress(checklist, "").tasks[0].value == 3
    assert checklist_progress(checklist, tree.a.path).tasks[0].value == 1
    assert checklist_progress(checklist, tree.b.path).tasks[0].value == 2


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"manual_status": ManualStatus.DONE}, "二者只能选其一"),  # both measure and manual
        ({"measure_key": "", "measure_params": {}, "target": None}, "请选择指标"),  # neither
        ({"target": Decimal(0)}, "须设置大于零的目标值"),
        ({"measure_key": "no.such_measure"}, "没有登记键名为"),
        ({"measure_params": {"colour": "red"}}, "没有参数"),
        ({"measure_params": {"kind": "picnic"}}, "的有效取值"),
        ({"weight": Decimal(0)}, "权重须大于零"),
    ],
)
def test_a_task_is_a_measure_with_a_target_or_manual(tree, fields, message):
    task = TaskFactory.build(
        checklist=ChecklistFactory(), responsible=tree.root, number=1, **fields
    )
    with pytest.raises(ValidationError, match=message):
        task.full_clean()


def test_the_database_refuses_a_task_that_is_both(tree):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.create(
            checklist=ChecklistFactory(),
            number=1,
            line=Line.ORGANIZATION,
            title="x",
            responsible=tree.root,
            deadline=datetime.date(2024, 1, 1),
            measure_key="branches.meetings",
            target=1,
            manual_status=ManualStatus.DONE,
        )
