"""The measure registry: discovered from each app's measures.py, and used by the checklist."""

import pytest
from django.db.models import QuerySet

from branches.models import Meeting
from chengjiang import measures
from chengjiang.measures import measure
from chengjiang.worktasks.selectors import checklist_progress

from .factories import TaskFactory


def test_autodiscover_finds_the_branches_measures():
    registry = measures.autodiscover()
    for key in ("branches.meetings", "branches.talk_person_times", "branches.org_changes"):
        assert key in registry
    assert "branches.cadence" in measures.TABLES


@pytest.fixture
def fake_measure():
    @measure(
        "fake.committee_meetings", label="fake", unit="次", village_field="organization__village"
    )
    def committee(*, period, scope) -> QuerySet:
        return Meeting.objects.within(scope).filter(
            kind="branch_committee", held_on__range=(period.start, period.end)
        )

    yield measures.REGISTRY["fake.committee_meetings"]
    measures.REGISTRY.pop("fake.committee_meetings")


def test_a_task_reads_any_registered_measure(tree, meeting, fake_measure):
    task = TaskFactory(
        responsible=tree.root, measure_key="fake.committee_meetings", measure_params={}, target=4
    )
    meeting(tree.a1, kind="branch_committee")
    progress = checklist_progress(task.checklist, "")
    assert progress.tasks[0].value == 1
    assert progress.tasks[0].percent == 25


def test_a_task_on_an_unregistered_measure_is_shown_as_unavailable(tree):
    task = TaskFactory(responsible=tree.root)
    type(task).objects.filter(pk=task.pk).update(measure_key="gone.measure")
    progress = checklist_progress(task.checklist, "")
    assert progress.tasks[0].available is False
    assert progress.tasks[0].counted is False
