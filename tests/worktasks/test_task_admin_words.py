"""The checklist's admin shows measures as the office reads them (issue 11 §6: no raw codes)."""

import pytest
from django.urls import reverse

from chengjiang.worktasks.measure_text import measure_text
from chengjiang.worktasks.models import Task


@pytest.mark.usefixtures("demo_db")
def test_the_task_list_and_form_name_measures_in_chinese(client):
    from chengjiang.accounts.models import User

    office = User.objects.get(username="office")
    client.force_login(office, backend="django.contrib.auth.backends.ModelBackend")
    task = Task.objects.filter(measure_key="branches.meetings").exclude(measure_params={}).first()
    assert task is not None
    page = client.get(reverse("admin:worktasks_task_changelist")).content.decode()
    assert "branches.meetings" not in page and "kind=" not in page
    assert measure_text("branches.meetings") in page
    form = client.get(reverse("admin:worktasks_task_change", args=[task.pk])).content.decode()
    assert 'value="branches.meetings" selected' in form  # the choice keeps its key …
    assert "kind=" not in form and "democratic_life" not in form  # … and shows no raw code


def test_parameters_typed_as_labels_are_stored_as_keys(tree, users, login):
    from chengjiang.worktasks.admin import TaskAdminForm

    form = TaskAdminForm(
        data={"measure_key": "branches.meetings", "measure_params": "民主生活会"},
    )
    form.is_valid()
    assert form.cleaned_data["measure_params"] == {"kind": "democratic_life"}
    bad = TaskAdminForm(data={"measure_key": "branches.meetings", "measure_params": "不存在"})
    assert not bad.is_valid()
    assert "不存在" in str(bad.errors["measure_params"])
