"""Computed progress is cached per (year, scope) and never stale after a save or delete."""

from django.urls import reverse

from branches.models import Status
from chengjiang.worktasks.selectors import checklist_progress

from .factories import TaskFactory


def test_cached_progress_is_reused_until_a_record_changes(tree, meeting, django_assert_num_queries):
    task = TaskFactory(responsible=tree.root, target=2)
    meeting(tree.a1)
    assert checklist_progress(task.checklist, "").tasks[0].value == 1
    with django_assert_num_queries(0):
        assert checklist_progress(task.checklist, "").tasks[0].value == 1
    second = meeting(tree.b1)
    assert checklist_progress(task.checklist, "").tasks[0].value == 2
    second.status = Status.RETURNED
    second.save()
    assert checklist_progress(task.checklist, "").tasks[0].value == 1
    second.delete()
    assert checklist_progress(task.checklist, "").tasks[0].value == 1


def test_the_dashboard_shows_the_new_figure_right_after_a_save(tree, users, login, meeting):
    task = TaskFactory(responsible=tree.root, target=2)
    first = meeting(tree.a1)
    client = login(users.leader)
    url = reverse("worktasks:dashboard") + "?year=2024"
    assert client.get(url).context["progress"].tasks[0].value == 1
    meeting(tree.a1)
    assert client.get(url).context["progress"].tasks[0].value == 2
    first.delete()
    assert client.get(url).context["progress"].tasks[0].value == 1
    task.target = 1
    task.save()
    assert client.get(url).context["progress"].tasks[0].percent == 100


def test_the_cache_is_per_scope(tree, meeting):
    task = TaskFactory(responsible=tree.root, target=2)
    meeting(tree.a1)
    meeting(tree.b1)
    assert checklist_progress(task.checklist, "").tasks[0].value == 2
    assert checklist_progress(task.checklist, tree.a.path).tasks[0].value == 1


def test_a_release_does_not_serve_pages_the_previous_code_rendered(tree, users, login, meeting):
    """Every release runs ``migrate`` (``make run``; the deploy steps in the README): after it,
    no dashboard is served from a page or figures cached by the code before it."""
    from django.core.management.sql import emit_post_migrate_signal
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from chengjiang.data_version import data_version

    TaskFactory(responsible=tree.root, target=2)
    meeting(tree.a1)
    client = login(users.leader)
    url = reverse("worktasks:dashboard") + "?year=2024"
    client.get(url)
    with CaptureQueriesContext(connection) as warm:
        client.get(url)
    before = data_version()
    emit_post_migrate_signal(0, False, "default")  # what migrate sends at its end
    assert data_version() != before
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) > len(warm) + 3, (len(warm), len(after))  # rendered again, not read
