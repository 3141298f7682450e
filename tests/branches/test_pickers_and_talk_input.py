"""Members with the same name are told apart wherever they are picked (branch and the last four
digits of the masked ID number), and the talk form refuses contradictory input instead of
dropping a value silently."""

import pytest
from django.urls import reverse

from branches.forms import (
    MSG_TALKER_BOTH,
    MSG_TALKER_IS_PARTICIPANT,
    MeetingForm,
    TalkForm,
)
from branches.models import Talk
from tests.factories import MemberFactory


@pytest.fixture
def twins(tree):
    """Two 张伟 in 花园村: one in the first branch, one in its Party group."""
    return (
        MemberFactory(name="张伟", branch=tree.a1),
        MemberFactory(name="张伟", branch=tree.a1, group=tree.a1g),
    )


def _labels(field):
    return [str(label) for value, label in field.choices if value]


def test_same_names_are_told_apart_in_every_picker(tree, users, twins):
    talk = TalkForm(user=users.sec_a, organization=tree.a1)
    meeting = MeetingForm(user=users.sec_a, organization=tree.a1)
    for field in (talk.fields["talker"], talk.fields["participants"], meeting.fields["host"]):
        labels = [label for label in _labels(field) if label.startswith("张伟")]
        assert len(labels) == 2 and labels[0] != labels[1], labels
        for member, label in zip(sorted(twins, key=lambda m: m.pk), labels, strict=True):
            assert tree.a1.name in label
            assert member.id_number[-4:] in label
            assert member.id_number[6:14] not in label  # the birth date stays masked


def test_attendance_list_tells_same_names_apart(tree, users, login, twins):
    client = login(users.sec_a)
    body = client.get(reverse("branches:meeting_create"), {"organization": tree.a1.pk})
    text = body.content.decode()
    attendance = text.split("branches-attendance", 1)[1].split("</fieldset>", 1)[0]
    for member in twins:
        assert member.id_number[-4:] in attendance


def _talk(tree, **extra):
    return {
        "organization": tree.a1.pk,
        "held_on": "2024-03-10",
        "topic": "思想动态",
        **extra,
    }


def test_member_talker_and_typed_talker_together_are_refused(tree, users, login, twins):
    client = login(users.sec_a)
    talker = tree.a_members[0]
    data = _talk(tree, talker=talker.pk, talker_name="王书记", other_names="李四")
    response = client.post(reverse("branches:talk_create"), data)
    assert response.status_code == 200
    assert str(MSG_TALKER_BOTH) in response.context["form"].errors["talker_name"]
    assert "王书记" in response.content.decode()  # what was typed is shown again
    assert not Talk.objects.exists()


def test_the_talker_is_not_among_the_people_talked_with(tree, users, login, twins):
    client = login(users.sec_a)
    talker = tree.a_members[0]
    data = _talk(tree, talker=talker.pk, participants=[talker.pk, tree.a_members[1].pk])
    response = client.post(reverse("branches:talk_create"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors["participants"]
    assert any(str(MSG_TALKER_IS_PARTICIPANT).split("%")[0] in e for e in errors)
    data = _talk(tree, talker_name="王书记", other_names="李四、王书记")
    response = client.post(reverse("branches:talk_create"), data)
    assert response.status_code == 200
    assert "other_names" in response.context["form"].errors
    assert not Talk.objects.exists()


def test_a_consistent_talk_is_saved(tree, users, login, twins):
    client = login(users.sec_a)
    data = _talk(tree, talker=tree.a_members[0].pk, participants=[tree.a_members[1].pk])
    response = client.post(reverse("branches:talk_create"), data)
    assert response.status_code == 302
    assert Talk.objects.get().talker == tree.a_members[0]


def test_the_admin_secretary_picker_tells_same_names_apart(tree, users, twins):
    from branches.admin import SecretaryForm

    form = SecretaryForm()
    form.fields["member"].queryset = type(twins[0]).objects.filter(name="张伟")
    labels = _labels(form.fields["member"])
    assert len(set(labels)) == 2 and all(tree.a1.name in label for label in labels)
