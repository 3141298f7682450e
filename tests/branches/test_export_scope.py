"""Exports hold only the exporter's scope, with personal data masked unless permitted."""

from branches.models import Member, Talk
from branches.resources import MemberResource, TalkResource
from tests.factories import TalkFactory


def test_member_export_of_a_secretary_holds_only_their_village_masked(tree, users):
    data = MemberResource(user=users.sec_a).export(Member.objects.all())
    names = {row[0] for row in data}
    assert names == {m.name for m in tree.a_members}
    ids = {row[3] for row in data}
    assert {m.masked_id_number for m in tree.a_members} == ids


def test_office_export_is_masked_unless_full_values_are_asked_for(tree, users):
    masked = MemberResource(user=users.office).export(Member.objects.all())
    assert {row[3] for row in masked} == {m.masked_id_number for m in Member.objects.all()}
    full = MemberResource(user=users.office, full_values=True, reason="换届审核").export(
        Member.objects.all()
    )
    assert {row[3] for row in full} == {m.id_number for m in Member.objects.all()}


def test_talk_export_is_scoped(tree, users):
    TalkFactory(organization=tree.a1, topic="甲村谈话")
    TalkFactory(organization=tree.b1, topic="乙村谈话")
    topics = {row[4] for row in TalkResource(user=users.sec_b).export(Talk.objects.all())}
    assert topics == {"乙村谈话"}
