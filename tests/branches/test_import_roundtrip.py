"""The office's week: export the roster, correct a cell in Excel, import it back (issue 10)."""

import pytest

from branches.models import Member
from branches.resources import MemberResource
from chengjiang.importexport import KEY_COLUMN
from tests.roundtrip import edit, export_xlsx, import_xlsx, kinds, reasons, sheet_rows

pytestmark = pytest.mark.usefixtures("chinese")  # the office's language


def _village_members(tree):
    return Member.objects.filter(branch__village=tree.va).order_by("pk")


def test_export_carries_the_key_column(tree, users):
    rows = sheet_rows(export_xlsx(MemberResource, users.office, _village_members(tree)))
    assert [r[str(KEY_COLUMN)] for r in rows] == [m.pk for m in _village_members(tree)]


def test_changed_cell_updates_that_member_and_leaves_the_rest(tree, users):
    members = list(_village_members(tree))
    data = export_xlsx(MemberResource, users.office, _village_members(tree))
    data = edit(data, {(1, "姓名"): "改名后"})
    before = Member.objects.count()

    preview = import_xlsx(MemberResource, users.office, data, dry_run=True)
    assert reasons(preview) == []
    assert kinds(preview) == ["无变化", "修改"] + ["无变化"] * (len(members) - 2)
    assert preview.totals["update"] == 1 and preview.totals["skip"] == len(members) - 1
    assert 'class="cell-changed"' in "".join(preview.rows[1].diff)
    assert Member.objects.get(pk=members[1].pk).name == members[1].name  # the preview wrote nothing

    result = import_xlsx(MemberResource, users.office, data, dry_run=False)
    assert reasons(result) == []
    assert Member.objects.get(pk=members[1].pk).name == "改名后"
    assert Member.objects.count() == before
    stored = Member.objects.get(pk=members[0].pk)
    assert (stored.id_number, stored.phone) == (members[0].id_number, members[0].phone)


def test_masked_cells_keep_the_stored_values(tree, users):
    member = _village_members(tree).first()
    data = export_xlsx(MemberResource, users.sec_a, _village_members(tree))
    row = sheet_rows(data)[0]
    assert "*" in row["身份证号码"] and "*" in row["手机号码"]
    result = import_xlsx(
        MemberResource, users.office, edit(data, {(0, "学历"): "研究生"}), dry_run=False
    )
    assert reasons(result) == []
    stored = Member.objects.get(pk=member.pk)
    assert (stored.id_number, stored.phone) == (member.id_number, member.phone)
    assert stored.education != member.education


def test_new_row_without_key_is_added(tree, users):
    data = export_xlsx(MemberResource, users.office, _village_members(tree))
    extra = dict(sheet_rows(data)[0])
    extra.update({str(KEY_COLUMN): None, "姓名": "新党员", "身份证号码": "", "手机号码": ""})
    from tests.factories import valid_id_number

    extra["身份证号码"] = valid_id_number()
    result = import_xlsx(
        MemberResource, users.office, edit(data, {}, append=[extra]), dry_run=False
    )
    assert reasons(result) == []
    assert kinds(result)[-1] == "新增"
    assert Member.objects.filter(name="新党员").exists()


def test_one_real_error_is_the_only_line_with_spreadsheet_row_and_column(tree, users):
    data = export_xlsx(MemberResource, users.office, _village_members(tree))
    data = edit(data, {(2, "入党日期"): "不是日期"})
    result = import_xlsx(MemberResource, users.office, data, dry_run=True)
    lines = reasons(result)
    assert len(lines) == 1, lines
    assert lines[0].startswith("第 4 行：入党日期：")


def test_key_outside_scope_reads_as_not_found(tree, users):
    other = tree.b_members[0]
    data = export_xlsx(MemberResource, users.sec_a, _village_members(tree))
    data = edit(data, {(0, str(KEY_COLUMN)): other.pk})
    outside = reasons(import_xlsx(MemberResource, users.sec_a, data, dry_run=True))
    data = edit(data, {(0, str(KEY_COLUMN)): 999999})
    missing = reasons(import_xlsx(MemberResource, users.sec_a, data, dry_run=True))
    assert outside == [f"第 2 行：编号：编号 {other.pk} 不存在或不在您的管理范围内。"]
    assert missing == ["第 2 行：编号：编号 999999 不存在或不在您的管理范围内。"]
    assert other.name not in outside[0]


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://x","点我")', "+1", "-2", "@SUM(1)", "\tx", "\rx"]
)
def test_formula_text_is_a_bad_row(tree, users, text):
    data = export_xlsx(MemberResource, users.office, _village_members(tree))
    before = Member.objects.get(pk=_village_members(tree).first().pk).name
    result = import_xlsx(
        MemberResource, users.office, edit(data, {(0, "姓名"): text}), dry_run=False
    )
    [line] = reasons(result)
    assert line.startswith("第 2 行：姓名：") and "公式" in line
    assert Member.objects.get(pk=_village_members(tree).first().pk).name == before


def test_real_formula_cell_is_a_bad_row_not_null(tree, users):
    data = export_xlsx(MemberResource, users.office, _village_members(tree))
    result = import_xlsx(
        MemberResource, users.office, edit(data, {(0, "姓名"): '=CONCAT("张","三")'}), dry_run=True
    )
    [line] = reasons(result)
    assert "公式" in line and "null" not in line and "None" not in line


@pytest.mark.parametrize("char", ["\x01", "\x1b", "\x00", "\x0b"])
def test_control_characters_are_refused_with_row_and_column(tree, users, char):
    from tests.branches.test_import_helpers import dataset

    member = _village_members(tree).first()
    rows = sheet_rows(export_xlsx(MemberResource, users.office, _village_members(tree)))
    headers = list(rows[0])
    data = [[rows[0][h] for h in headers]]
    data[0][headers.index("姓名")] = f"张{char}三"
    import tablib

    ds = tablib.Dataset(*data, headers=headers)
    result = MemberResource(user=users.office).import_data(ds, dry_run=False)
    [line] = reasons(result)
    assert line.startswith("第 2 行：姓名：") and "控制字符" in line
    assert Member.objects.get(pk=member.pk).name == member.name
    del dataset


def _upload(data, name="members.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_admin_preview_counts_and_confirm(tree, users, login, settings):
    from django.urls import reverse

    settings.JOBS_BACKEND = "eager"  # the members are imported by jobs: previewed here
    members = list(_village_members(tree))
    data = edit(
        export_xlsx(MemberResource, users.office, _village_members(tree)), {(0, "姓名"): "张改"}
    )
    client = login(users.office)
    preview = client.post(
        reverse("admin:branches_member_import"),
        {"import_file": _upload(data), "format": "0", "resource": "0"},
    )
    preview = client.get(preview["Location"])
    page = preview.content.decode()
    assert "修改 1 条" in page and f"无变化 {len(members) - 1} 条" in page and "新增 0 条" in page
    assert 'class="cell-changed"' in page
    assert "没有指定的字段" not in page and "Non field" not in page
    assert not [m for m in members if m.id_number in page]  # the preview shows masked values
    done = client.post(preview.context["confirm_url"])
    assert done.status_code == 302
    assert Member.objects.get(pk=members[0].pk).name == "张改"
    assert Member.objects.count() == len(members) + len(tree.b_members)


def test_admin_refusal_lists_one_line_per_bad_row_without_tracebacks(tree, users, login, settings):
    from django.urls import reverse

    settings.JOBS_BACKEND = "eager"
    data = export_xlsx(MemberResource, users.office, _village_members(tree))
    data = edit(data, {(0, "姓名"): "=1+1", (2, "入党日期"): "昨天"})
    client = login(users.office)
    preview = client.post(
        reverse("admin:branches_member_import"),
        {"import_file": _upload(data), "format": "0", "resource": "0"},
    )
    page = client.get(preview["Location"]).content.decode()
    assert "第 2 行：姓名：" in page and "第 4 行：入党日期：" in page
    assert "Traceback" not in page and "某些行验数据证失败" not in page


def test_an_id_number_held_elsewhere_is_not_confirmed(tree, users):
    """Issue 14: a village's import must not learn that an ID number belongs to a member of
    another village; in its own village the plain reason is given."""
    from branches.resources import MSG_ID_TAKEN, MSG_ID_UNAVAILABLE

    template = dict(sheet_rows(export_xlsx(MemberResource, users.sec_a, _village_members(tree)))[0])
    template.update({str(KEY_COLUMN): None, "姓名": "新党员", "手机号码": ""})
    empty = export_xlsx(MemberResource, users.sec_a, Member.objects.none())

    def refusal(id_number):
        data = edit(empty, {}, append=[{**template, "身份证号码": id_number}])
        return reasons(import_xlsx(MemberResource, users.sec_a, data, dry_run=True))

    assert refusal(tree.b_members[0].id_number) == [f"第 2 行：身份证号码：{MSG_ID_UNAVAILABLE}"]
    assert refusal(tree.a_members[1].id_number) == [f"第 2 行：身份证号码：{MSG_ID_TAKEN}"]
