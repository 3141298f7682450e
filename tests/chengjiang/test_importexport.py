"""chengjiang.importexport: formula escaping, scope and masking on export, all-or-nothing."""

import csv
import io

import openpyxl
import pytest
import tablib
from import_export import fields, resources
from import_export.formats.base_formats import CSV, XLSX

from branches.models import Member, Organization
from chengjiang.importexport import (
    FORMULA_PREFIXES,
    MSG_DUPLICATE_IN_FILE,
    MSG_OUT_OF_SCOPE,
    ScopedResourceMixin,
    escape_cell,
)
from chengjiang.personal_data import mask_id_number, mask_phone
from tests.factories import MemberFactory


class OrgNameResource(ScopedResourceMixin, resources.ModelResource):
    name = fields.Field(attribute="name", column_name="名称")

    class Meta(ScopedResourceMixin.Meta):
        model = Organization
        fields = ("name",)


class MemberResource(ScopedResourceMixin, resources.ModelResource):
    name = fields.Field(attribute="name", column_name="姓名")
    id_number = fields.Field(attribute="id_number", column_name="身份证号")
    phone = fields.Field(attribute="phone", column_name="手机")
    personal_fields = {"id_number": mask_id_number, "phone": mask_phone}

    class Meta(ScopedResourceMixin.Meta):
        model = Member
        fields = ("name", "id_number", "phone")


HOSTILE = {prefix: f'{prefix}HYPERLINK("http://x")' for prefix in FORMULA_PREFIXES}


@pytest.mark.parametrize("prefix", FORMULA_PREFIXES, ids=repr)
def test_escape_cell_neutralises_each_prefix(prefix):
    assert escape_cell(prefix + "1+1") == "'" + prefix + "1+1"
    assert escape_cell("安全文本") == "安全文本"
    assert escape_cell(5) == 5


@pytest.mark.parametrize("prefix", FORMULA_PREFIXES, ids=repr)
def test_xlsx_and_csv_exports_never_begin_a_cell_with_a_formula(tree, users, prefix):
    tree.a1.name = HOSTILE[prefix]
    tree.a1.save()
    resource = OrgNameResource(user=users.office)
    dataset = resource.export(Organization.objects.all())

    xlsx = XLSX().export_data(dataset)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    values = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "'" + HOSTILE[prefix] in values
    assert all(not (isinstance(v, str) and v.startswith(FORMULA_PREFIXES)) for v in values)
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)

    text = CSV().export_data(resource.export(Organization.objects.all()))
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'" + HOSTILE[prefix] in cells
    assert all(not cell.startswith(FORMULA_PREFIXES) for cell in cells)


def test_export_contains_only_the_users_scope(tree, users):
    names = {r[0] for r in OrgNameResource(user=users.sec_a).export(Organization.objects.all())}
    assert names == {"花园村党委", "花园村第一党支部", "花园村第一党小组"}
    assert len(OrgNameResource(user=None).export(Organization.objects.all())) == 0


def test_personal_fields_masked_without_the_permission(tree, users):
    member = tree.a_members[0]
    row = MemberResource(user=users.sec_a).export(Member.objects.filter(pk=member.pk))[0]
    assert row[1] == mask_id_number(member.id_number) != member.id_number
    assert row[2] == mask_phone(member.phone)
    masked = MemberResource(user=users.office).export(Member.objects.filter(pk=member.pk))[0]
    assert masked[1] == mask_id_number(member.id_number)
    full = MemberResource(user=users.office, full_values=True, reason="核对").export(
        Member.objects.filter(pk=member.pk)
    )[0]
    assert full[1] == member.id_number


class BranchMemberResource(MemberResource):
    scope_fields = ("branch",)

    class Meta(MemberResource.Meta):
        fields = ("name", "id_number", "phone", "gender", "birth_date", "joined_on", "branch")

    def duplicate_key(self, instance):
        return instance.id_number

    def after_init_instance(self, instance, new, row, **kwargs):
        instance.branch = Organization.objects.get(name=row["支部"])
        instance.gender = "M"


def _member_dataset(rows):
    data = tablib.Dataset(headers=["姓名", "身份证号", "手机", "birth_date", "joined_on", "支部"])
    for row in rows:
        data.append(row)
    return data


def test_out_of_scope_row_and_repeated_row_refuse_the_whole_file(tree, users):
    a = MemberFactory.build(branch=tree.a1)
    b = MemberFactory.build(branch=tree.b1)
    before = Member.objects.count()
    good = [a.name, a.id_number, "", "1980-01-01", "2005-07-01", "花园村第一党支部"]
    other = [b.name, b.id_number, "", "1980-01-01", "2005-07-01", "青桥村第一党支部"]
    result = BranchMemberResource(user=users.sec_a).import_data(_member_dataset([good, other]))
    assert not result.has_errors(), [e.error for r in result.error_rows for e in r.errors]
    assert result.has_validation_errors()
    [bad] = result.invalid_rows
    assert bad.number == 2
    assert str(MSG_OUT_OF_SCOPE % {"name": "青桥村第一党支部"}) in bad.error.messages
    assert Member.objects.count() == before

    result = BranchMemberResource(user=users.sec_a).import_data(_member_dataset([good, good]))
    [bad] = result.invalid_rows
    assert bad.number == 2
    assert str(MSG_DUPLICATE_IN_FILE % {"number": 2}) in bad.error.messages
    assert Member.objects.count() == before

    result = BranchMemberResource(user=users.sec_a).import_data(_member_dataset([good]))
    assert not result.has_validation_errors() and not result.has_errors()
    assert Member.objects.count() == before + 1


def test_import_preview_diff_has_no_inline_styles():
    """The CSP forbids inline styles; the preview marks changes with classes and escapes text."""
    from chengjiang.importexport import ClassedDiff

    diff = ClassedDiff.__new__(ClassedDiff)
    diff.left, diff.right, diff.new = ["张三", "<b>"], ["张四", "<b>x"], False
    html = "".join(diff.as_html())
    assert "style=" not in html
    assert '<ins class="diff-ins">' in html and '<del class="diff-del">' in html
    assert "<b>" not in html and "&lt;b&gt;" in html
