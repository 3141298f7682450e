"""Out of scope reads as not found in the admin: the ID lookup, the filter sidebars (issue 14)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from chengjiang import personal_data
from chengjiang.accounts import roles
from tests.factories import UserFactory


def _clerk(organization, username="clerk"):
    """Office staff without the personal-data permission (everything else of the role)."""
    user = UserFactory(username=username, organization=organization, is_staff=True)
    office = Group.objects.get(name=roles.OFFICE)
    user.user_permissions.set(office.permissions.exclude(codename="view_personal_data"))
    return user


@pytest.mark.django_db
def test_one_rule_for_who_sees_full_values(users, monkeypatch):
    """Exports and pages ask one function, personal_data.can_view_personal_data (there used to
    be a second one in importexport that could disagree); an inactive holder sees no full value."""
    from chengjiang import importexport

    assert not hasattr(importexport, "can_view_personal_data")
    from branches.resources import MemberResource

    assert personal_data.can_view_personal_data(users.office) is True
    MemberResource(user=users.office, full_values=True, reason="核对")
    monkeypatch.setattr(personal_data, "can_view_personal_data", lambda user: False)
    with pytest.raises(PermissionError, match="view_personal_data"):
        MemberResource(user=users.office, full_values=True, reason="核对")
    monkeypatch.undo()
    users.office.is_active = False
    assert personal_data.can_view_personal_data(users.office) is False


@pytest.mark.django_db
def test_id_number_of_another_village_reads_as_not_found(client, tree):
    from chengjiang.access import MSG_NOT_FOUND

    clerk = _clerk(tree.a, username="clerk_a")
    client.force_login(clerk)
    url = reverse("admin:branches_member_find_by_id_number")
    other = client.post(url, {"id_number": tree.b_members[0].id_number}, follow=True)
    missing = client.post(url, {"id_number": "110101199001011234"}, follow=True)
    assert [str(m) for m in other.context["messages"]] == [str(MSG_NOT_FOUND)]
    assert [str(m) for m in missing.context["messages"]] == [str(MSG_NOT_FOUND)]
    own = client.post(url, {"id_number": tree.a_members[0].id_number})
    assert own["Location"] == reverse("admin:branches_member_change", args=[tree.a_members[0].pk])


@pytest.mark.django_db
def test_filter_sidebar_lists_only_villages_in_scope(client, tree):
    clerk = _clerk(tree.a, username="clerk_a")
    client.force_login(clerk)
    for name in ("organization", "member", "meeting"):
        response = client.get(reverse(f"admin:branches_{name}_changelist"))
        assert response.status_code == 200
        page = response.content.decode()
        assert "青桥村" not in page, name
        assert "花园村" in page, name


@pytest.mark.django_db
def test_autocomplete_finds_nothing_out_of_scope_nor_by_id_number(client, tree):
    clerk = _clerk(tree.a, username="clerk_a")
    client.force_login(clerk)
    url = reverse("admin:autocomplete")

    def found(term, model="attendance", field="member"):
        response = client.get(
            url,
            {"app_label": "branches", "model_name": model, "field_name": field, "term": term},
        )
        assert response.status_code == 200
        return [r["text"] for r in response.json()["results"]]

    assert found(tree.a_members[0].name) == [tree.a_members[0].name]
    assert found(tree.b_members[0].name) == []
    # an ID number never travels in an autocomplete URL either
    assert found(tree.a_members[0].id_number) == []
    assert "青桥村" not in " ".join(found("青桥", model="meeting", field="organization"))


@pytest.mark.django_db
def test_a_list_column_of_a_personal_field_shows_the_mask(tree, users):
    from django.contrib import admin
    from django.test import RequestFactory

    from branches.models import Member
    from chengjiang.admin import ScopedModelAdmin

    class Careless(ScopedModelAdmin):
        list_display = ("name", "id_number", "phone")

    request = RequestFactory().get("/")
    request.user = users.office
    name, id_column, phone_column = Careless(Member, admin.site).get_list_display(request)[:3]
    member = tree.a_members[0]
    assert name == "name"
    assert id_column(member) == personal_data.mask_value("id_number", member.id_number)
    assert phone_column(member) == personal_data.mask_value("phone", member.phone)


def test_export_masks_cover_every_personal_field():
    """What resources use for their personal_fields (the training class's contact phone too)."""
    from training.models import TrainingClass

    masks = personal_data.export_masks(TrainingClass)
    assert set(masks) == {"contact_phone"}
    assert masks["contact_phone"]("13812345678") == "138****5678"
