"""Admin for office staff: scoped rows, masked personal data, flat query counts, review actions."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from branches.models import Meeting, Status
from tests.factories import MeetingFactory, MemberFactory, UserFactory, create_in_bulk


@pytest.fixture
def village_staff(tree):
    """Staff of 花园村 only: the admin must show them nothing of 青桥村."""
    user = UserFactory(username="staff_a", organization=tree.a, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="branches"))
    return user


def test_out_of_scope_change_view_redirects_without_data(tree, village_staff, login):
    client = login(village_staff)
    other = tree.b_members[0]
    response = client.get(reverse("admin:branches_member_change", args=[other.pk]))
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    response = client.get(response.url)
    assert other.name not in response.content.decode()


def test_changelist_shows_only_scope_and_masks_personal_data(tree, village_staff, login):
    client = login(village_staff)
    page = client.get(reverse("admin:branches_member_changelist")).content.decode()
    mine, other = tree.a_members[0], tree.b_members[0]
    assert mine.masked_id_number in page and mine.id_number not in page
    assert mine.phone not in page
    assert other.masked_id_number not in page


def test_office_with_permission_sees_full_values_on_one_member_and_the_view_is_logged(
    tree, users, login
):
    from chengjiang.accounts.models import PersonalDataAccess

    member = tree.a_members[0]
    client = login(users.office)
    page = client.get(reverse("admin:branches_member_changelist")).content.decode()
    assert member.id_number not in page and member.masked_id_number in page  # lists: masked
    change = reverse("admin:branches_member_change", args=[member.pk])
    assert member.id_number in client.get(change).content.decode()
    assert PersonalDataAccess.objects.filter(user=users.office).exists()


CHANGELISTS = ["member", "meeting", "talk", "organization", "orgchange", "secretaryterm"]


def test_changelist_query_count_is_flat(tree, users, login, django_assert_max_num_queries):
    """Each change list runs the same queries at 10 and at 200 members and meetings (the rows
    written in bulk, once for every list)."""
    client = login(users.office)
    urls = {name: reverse(f"admin:branches_{name}_changelist") for name in CHANGELISTS}
    counts: dict[str, list[int]] = {name: [] for name in CHANGELISTS}
    for size in (10, 190):
        create_in_bulk(MemberFactory, size, branch=tree.a1)
        create_in_bulk(MeetingFactory, size, organization=tree.a1, host=tree.a_members[0])
        for name, url in urls.items():
            client.get(url)  # the writes changed the data version: filter choices read again
            with django_assert_max_num_queries(30, info=name) as captured:
                assert client.get(url).status_code == 200, name
            counts[name].append(len(captured.captured_queries))
    grew = {name: c for name, c in counts.items() if c[0] != c[1]}
    assert not grew, grew


def test_approve_and_return_actions(tree, users, login):
    client = login(users.office)
    url = reverse("admin:branches_meeting_changelist")
    a = MeetingFactory(organization=tree.a1, status=Status.SUBMITTED)
    b = MeetingFactory(organization=tree.a1, status=Status.SUBMITTED)
    client.post(url, {"action": "approve_action", "_selected_action": [a.pk]})
    a.refresh_from_db()
    assert a.status == Status.APPROVED and a.reviewed_by == users.office

    page = client.post(url, {"action": "return_action", "_selected_action": [b.pk]})
    assert page.status_code == 200 and b.topic in page.content.decode()
    b.refresh_from_db()
    assert b.status == Status.SUBMITTED  # nothing happens before a reason is given
    client.post(
        url,
        {"action": "return_action", "_selected_action": [b.pk], "apply": "1", "reason": "缺记录"},
    )
    b.refresh_from_db()
    assert b.status == Status.RETURNED and b.return_reason == "缺记录"


def test_tree_parent_is_not_editable_directly(tree, users, login):
    client = login(users.office)
    url = reverse("admin:branches_organization_change", args=[tree.a1.pk])
    client.post(url, {"name": "新名字", "parent": tree.b.pk})
    tree.a1.refresh_from_db()
    assert tree.a1.parent == tree.a


def test_move_action_goes_through_the_service(tree, users, login):
    client = login(users.office)
    url = reverse("admin:branches_organization_changelist")
    client.post(
        url,
        {
            "action": "move_action",
            "_selected_action": [tree.a1.pk],
            "apply": "1",
            "new_parent": tree.b.pk,
            "date": "2024-05-01",
        },
    )
    tree.a1.refresh_from_db()
    assert tree.a1.parent == tree.b and tree.a1.path.startswith(tree.b.path)
    assert tree.a1.changes.filter(kind="moved").exists()


def test_admin_import_with_a_bad_row_writes_nothing(tree, users, login, settings):
    settings.JOBS_BACKEND = "eager"  # the meetings are imported by a job: previewed here
    from import_export.formats.base_formats import CSV

    from branches.resources import MeetingResource
    from tests.branches.test_import_helpers import dataset

    client = login(users.office)
    data = dataset(
        MeetingResource,
        ["organization", "kind", "held_on", "topic"],
        [
            ["花园村第一党支部", "branch_committee", "2024-03-01", "好行"],
            ["花园村第一党支部", "branch_committee", "2999-03-01", "未来"],
        ],
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("m.csv", CSV().export_data(data).encode("utf-8"))
    response = client.post(
        reverse("admin:branches_meeting_import"),
        {"import_file": upload, "format": "1", "resource": "0"},
    )
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert not response.context["confirm_url"]
    assert not Meeting.objects.exists()
    assert "未导入" in response.context["state"]["message"]
    # the bad row is named by its spreadsheet row (header = row 1), once, on the page
    lines = [e["line"] for e in response.context["report"]["errors"]]
    assert [line.split("：")[0] for line in lines] == ["第 3 行"]
    assert "第 3 行：" in response.content.decode()
