"""Members import: a file with any bad row writes nothing and names each bad row in Chinese."""

import datetime

import pytest

from branches.models import Member
from branches.resources import MSG_ID_TAKEN, MemberResource
from chengjiang.importexport import MSG_DUPLICATE_IN_FILE, row_reasons
from chengjiang.personal_data import MSG_ID_CHECK
from tests.branches.test_import_helpers import columns, dataset
from tests.factories import valid_id_number

pytestmark = pytest.mark.usefixtures("chinese")  # the office's language

HEADERS = [
    "姓名",
    "性别",
    "出生日期",
    "身份证号码",
    "手机号码",
    "学历",
    "党员类别",
    "入党日期",
    "党支部",
    "党小组",
]


ATTRS = [
    "name",
    "gender",
    "birth_date",
    "id_number",
    "phone",
    "education",
    "category",
    "joined_on",
    "branch",
    "group",
]


def xlsx_dataset(rows):
    return dataset(MemberResource, ATTRS, rows, xlsx=True)


def member_row(branch="花园村第一党支部", group="", id_number=None, name="测试甲"):
    birth = datetime.date(1985, 6, 1)
    return [
        name,
        "M",
        birth,
        id_number or valid_id_number(birth),
        "13800001234",
        "",
        "formal",
        datetime.date(2010, 7, 1),
        branch,
        group,
    ]


def test_headers_are_chinese():
    assert columns(MemberResource, *ATTRS) == HEADERS


def test_good_file_is_written_through_the_service(tree, users):
    result = MemberResource(user=users.office).import_data(
        xlsx_dataset([member_row(group="花园村第一党小组"), member_row(name="测试乙")])
    )
    assert not result.has_errors() and not result.has_validation_errors()
    member = Member.objects.get(name="测试甲")
    assert member.group == tree.a1g and member.gender == "M" and member.category == "formal"


def test_one_bad_row_writes_nothing_and_is_named(tree, users):
    bad_id = valid_id_number(datetime.date(1985, 6, 1))
    bad_id = bad_id[:17] + ("0" if bad_id[17] != "0" else "1")
    before = Member.objects.count()
    result = MemberResource(user=users.office).import_data(
        xlsx_dataset([first := member_row(), member_row(id_number=bad_id, name="错号"), first])
    )
    assert Member.objects.count() == before
    numbers = sorted(r.number for r in result.invalid_rows)
    assert numbers == [2, 3]
    reasons = row_reasons(result)
    # the spreadsheet's own row numbers: the header is row 1, the first data row is row 2
    assert any(line.startswith("第 3 行") and str(MSG_ID_CHECK) in line for line in reasons), (
        reasons
    )
    assert any(
        line.startswith("第 4 行") and str(MSG_DUPLICATE_IN_FILE % {"number": 2}) in line
        for line in reasons
    ), reasons


def test_id_number_already_stored_is_a_bad_row(tree, users):
    existing = tree.a_members[0].id_number
    result = MemberResource(user=users.office).import_data(
        xlsx_dataset([member_row(id_number=existing)])
    )
    [bad] = result.invalid_rows
    assert str(MSG_ID_TAKEN) in " ".join(bad.error.messages)


def test_unknown_branch_and_group_are_bad_rows(tree, users):
    before = Member.objects.count()
    result = MemberResource(user=users.office).import_data(
        xlsx_dataset([member_row(branch="不存在的支部"), member_row(group="不存在的小组")])
    )
    assert [r.number for r in result.invalid_rows] == [1, 2]
    assert "不存在的支部" in " ".join(result.invalid_rows[0].error.messages)
    assert "不存在的小组" in " ".join(result.invalid_rows[1].error.messages)
    assert Member.objects.count() == before
