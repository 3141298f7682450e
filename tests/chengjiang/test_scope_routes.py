"""Scope in one place: every model's route to the tree is declared, and only ``chengjiang.access``
turns a route into a filter (no queryset does its own path arithmetic)."""

from __future__ import annotations

import pytest
from django.apps import apps

from chengjiang.access import ScopedQuerySet

DOMAIN_APPS = ("branches", "cadres", "training", "worktasks")


def _scoped_models():
    for config in apps.get_app_configs():
        if config.label not in DOMAIN_APPS:
            continue
        yield from config.get_models()


@pytest.mark.parametrize("model", list(_scoped_models()), ids=lambda m: m._meta.label)
def test_every_domain_model_declares_its_route_and_keeps_the_shared_filter(model):
    queryset = model._default_manager.all()
    assert isinstance(queryset, ScopedQuerySet), f"{model._meta.label} is not scoped"
    kind = type(queryset)
    declared = [
        kind.scope_field is not None,
        kind.scope_village_field is not None,
        kind.scope_whole_tree,
    ]
    assert sum(declared) == 1, f"{model._meta.label}: exactly one route kind, got {declared}"
    assert kind.scope_applies_down is False or kind.scope_field is not None
    assert kind.visible_to is ScopedQuerySet.visible_to, f"{kind.__name__} overrides visible_to"
    assert kind.within is ScopedQuerySet.within, f"{kind.__name__} overrides within"
    assert kind.seen_from is ScopedQuerySet.seen_from, f"{kind.__name__} overrides seen_from"


@pytest.mark.django_db
def test_a_task_of_the_sub_district_applies_down_but_not_sideways(tree):
    """The "applies down" route: a village sees the sub-district's task and its own, never
    another village's."""
    from chengjiang.worktasks.models import Task
    from tests.worktasks.factories import ChecklistFactory, TaskFactory

    checklist = ChecklistFactory()
    top = TaskFactory(checklist=checklist, responsible=tree.root, number=1)
    mine = TaskFactory(checklist=checklist, responsible=tree.a, number=2)
    other = TaskFactory(checklist=checklist, responsible=tree.b, number=3)
    seen = set(Task.objects.seen_from(tree.a.path))
    assert top in seen and mine in seen and other not in seen
    assert set(Task.objects.within(tree.a.path)) == {mine}  # what the subtree owns
    assert set(Task.objects.seen_from(tree.root.path)) == {top, mine, other}
