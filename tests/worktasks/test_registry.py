"""The measure registry: discovered from each app's measures.py, and used by the checklist."""

import pytest
from django.db.models import QuerySet

from branches.models import Meeting
from chengjiang import measures
from chengjiang.measures import measure
from chengjiang.worktasks.selectors import checklist_progress

from .factories import TaskFactory


def test_autodiscover_finds_the_branches_measures():
    """Discovered at start-up: the registry is full before anyone asks."""
    for key in ("branches.meetings", "branches.talk_person_times", "branches.org_changes"):
        assert key in measures.REGISTRY
    assert "branches.cadence" in measures.TABLES


def test_measures_are_discovered_in_one_place():
    """``measures.autodiscover()`` is called once, from one AppConfig.ready: no page, selector or
    command discovers again on its own."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    calls = []
    for folder in ("chengjiang", "branches", "cadres", "training", "bench", "scripts"):
        for path in sorted((root / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef):
                    for sub in ast.walk(node):
                        func = getattr(sub, "func", None)
                        name = getattr(func, "attr", getattr(func, "id", None))
                        if isinstance(sub, ast.Call) and name == "autodiscover":
                            calls.append(f"{path.relative_to(root)} in {node.name}")
    calls = sorted(set(calls))
    assert calls == ["chengjiang/worktasks/apps.py in ready"], calls


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
