"""An import naming another village's organisation writes nothing (scope holds for imports)."""

import datetime

from branches.models import Meeting, Member, Organization
from branches.resources import MeetingResource, MemberResource, OrganizationResource
from chengjiang.importexport import MSG_OUT_OF_SCOPE
from tests.branches.test_import_helpers import dataset
from tests.factories import valid_id_number


def test_member_import_naming_another_village_writes_nothing(tree, users):
    birth = datetime.date(1980, 1, 1)
    attrs = ["name", "gender", "birth_date", "id_number", "joined_on", "branch"]
    data = dataset(
        MemberResource,
        attrs,
        [
            ["甲", "M", "1980-01-01", valid_id_number(birth), "2000-07-01", "花园村第一党支部"],
            ["乙", "F", "1980-01-01", valid_id_number(birth), "2000-07-01", "青桥村第一党支部"],
        ],
    )
    before = Member.objects.count()
    result = MemberResource(user=users.sec_a).import_data(data)
    assert [r.number for r in result.invalid_rows] == [2]
    # out of scope reads exactly as a name that does not exist (it tells nothing about 青桥村)
    refusal = result.invalid_rows[0].error.messages
    data[1] = (*data[1][:-1], "不存在的党支部")
    missing = MemberResource(user=users.sec_a).import_data(data).invalid_rows[0].error.messages
    assert refusal == [m.replace("不存在的党支部", "青桥村第一党支部") for m in missing]
    assert str(MSG_OUT_OF_SCOPE % {"name": "青桥村第一党支部"}) not in refusal
    assert Member.objects.count() == before


def test_meeting_import_naming_another_village_writes_nothing(tree, users):
    data = dataset(
        MeetingResource,
        ["organization", "kind", "held_on", "topic"],
        [
            ["花园村第一党支部", "branch_committee", "2024-03-01", "甲"],
            ["青桥村第一党支部", "branch_committee", "2024-03-01", "乙"],
        ],
    )
    result = MeetingResource(user=users.sec_a).import_data(data)
    assert [r.number for r in result.invalid_rows] == [2]
    assert not Meeting.objects.exists()


def test_organisation_import_under_another_village_writes_nothing(tree, users):
    data = dataset(
        OrganizationResource,
        ["name", "kind", "parent", "established_on"],
        [["青桥村新支部", "branch", "青桥村总支", "2024-03-01"]],
    )
    result = OrganizationResource(user=users.sec_a).import_data(data)
    assert [r.number for r in result.invalid_rows] == [1]
    assert not Organization.objects.filter(name="青桥村新支部").exists()
