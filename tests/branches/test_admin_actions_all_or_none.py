"""A form-first admin action records every selected record or none (issue 13 §2: one helper)."""

from django.urls import reverse

from branches.models import Organization


def _move(client, selected, new_parent):
    return client.post(
        reverse("admin:branches_organization_changelist"),
        {
            "action": "move_action",
            "_selected_action": [o.pk for o in selected],
            "apply": "1",
            "new_parent": new_parent.pk,
            "date": "2024-05-01",
        },
    )


def test_one_refused_record_rolls_the_others_back_and_keeps_the_form(tree, users, login):
    client = login(users.office)
    # 花园村党委 cannot move under its own branch; 青桥村第一党支部 could, but not alone.
    response = _move(client, [tree.b1, tree.a], tree.a1)
    assert response.status_code == 200
    page = response.content.decode()
    assert "未作任何记录" in page
    assert "花园村党委：" in page  # the refusal names its record
    assert 'value="2024-05-01"' in page  # what was typed is kept
    tree.b1.refresh_from_db()
    assert tree.b1.parent == tree.b
    assert not Organization.objects.get(pk=tree.b1.pk).changes.filter(kind="moved").exists()


def test_all_accepted_are_recorded_together(tree, users, login):
    client = login(users.office)
    response = _move(client, [tree.a1], tree.b)
    assert response.status_code == 302
    tree.a1.refresh_from_db()
    assert tree.a1.parent == tree.b
