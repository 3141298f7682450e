"""Whole-file checks of the imports (issue 14): size and row limits, GBK CSV, formulas, no English,
and exports that survive any stored text."""

import io
import re

import openpyxl
import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from import_export.formats.base_formats import CSV, XLSX

from branches.models import Meeting, Member
from branches.resources import MeetingResource
from tests.factories import MeetingFactory, valid_id_number

IMPORT = "admin:branches_member_import"
XLSX_FMT, CSV_FMT = "0", "1"
ENGLISH = re.compile(r"\b(No valid data|not a valid choice|cannot contain|Traceback|Error)\b")


def _member_rows(n, branch="花园村第一党支部"):
    headers = ["姓名", "性别", "出生日期", "身份证号码", "入党日期", "党支部"]
    data = tablib.Dataset(headers=headers)
    for i in range(n):
        data.append([f"新党员{i}", "男", "1980-01-01", valid_id_number(), "2005-07-01", branch])
    return data


def _post(client, content: bytes, fmt: str, name="m.xlsx", url=IMPORT):
    """The upload; for a register imported by jobs (members), the job's page it leads to (the
    tests run jobs eagerly: the preview is there)."""
    upload = SimpleUploadedFile(name, content)
    response = client.post(reverse(url), {"import_file": upload, "format": fmt, "resource": "0"})
    if response.status_code == 302 and "/import/job/" in response["Location"]:
        return client.get(response["Location"])
    return response


@pytest.fixture(autouse=True)
def _eager_jobs(settings):
    settings.JOBS_BACKEND = "eager"


def _page(response) -> str:
    messages = " ".join(str(m) for m in response.context["messages"]) if response.context else ""
    return response.content.decode() + messages


def test_a_gbk_csv_from_chinese_excel_is_read(tree, users, login):
    content = CSV().export_data(_member_rows(2)).encode("gbk")
    client = login(users.office)
    response = _post(client, content, CSV_FMT, "党员.csv")
    page = _page(response)
    assert response.context["confirm_url"], page[-2000:]
    assert "新增 2 条" in page
    done = client.post(response.context["confirm_url"])
    assert done.status_code == 302
    assert Member.objects.filter(name__startswith="新党员").count() == 2


# members are imported by jobs (the bulk import's limits), organisations in the request
LIMITS = [
    (IMPORT, "BULK_IMPORT_MAX_ROWS", "IMPORT_JOB_MAX_BYTES"),
    ("admin:branches_organization_import", "IMPORT_MAX_ROWS", "IMPORT_MAX_BYTES"),
]


@pytest.mark.parametrize(("url", "rows", "size"), LIMITS, ids=["by jobs", "in the request"])
def test_too_many_rows_is_refused_in_chinese(tree, users, login, settings, url, rows, size):
    setattr(settings, rows, 3)
    content = XLSX().export_data(_member_rows(4))
    response = _post(login(users.office), content, XLSX_FMT, url=url)
    page = _page(response)
    assert "文件超过 3 行" in page and not ENGLISH.search(page)
    assert not response.context.get("confirm_form") and not response.context.get("confirm_url")


@pytest.mark.parametrize(("url", "rows", "size"), LIMITS, ids=["by jobs", "in the request"])
def test_too_large_a_file_is_refused_in_chinese(tree, users, login, settings, url, rows, size):
    setattr(settings, size, 1024 * 1024)
    content = b"x" * (1024 * 1024 + 1)
    response = login(users.office).post(
        reverse(url),
        {"import_file": SimpleUploadedFile("m.xlsx", content), "format": "0", "resource": "0"},
    )
    assert response.status_code == 302
    follow = login(users.office).get(response["Location"])
    assert "文件超过 1 MB" in _page(follow)


@pytest.mark.parametrize(
    ("content", "fmt", "expected"),
    [
        (
            lambda: CSV().export_data(_member_rows(0)).encode(),
            CSV_FMT,
            "表头下面没有可导入的数据行",
        ),
        (lambda: CSV().export_data(_member_rows(1)).encode(), XLSX_FMT, "无法读取该文件"),
        (lambda: b"\xff\xfe\x00garbage\x81\x82", CSV_FMT, "无法读取该文件"),
    ],
    ids=["header only", "csv sent as xlsx", "neither utf-8 nor gbk"],
)
def test_unreadable_or_empty_files_are_refused_in_chinese(
    tree, users, login, content, fmt, expected
):
    response = _post(login(users.office), content(), fmt)
    page = _page(response)
    assert expected in page and not ENGLISH.search(page), page[-2000:]
    assert not response.context.get("confirm_url")


def test_a_new_members_bad_choice_and_nul_are_named_in_chinese(tree, users, login):
    data = _member_rows(2)
    data[0] = ("甲\x00乙", *data[0][1:])
    data[1] = (data[1][0], "未知", *data[1][2:])
    response = _post(login(users.office), CSV().export_data(data).encode(), CSV_FMT)
    lines = [e["line"] for e in response.context["report"]["errors"]]
    assert lines[0].startswith("第 2 行：姓名：") and "控制字符" in lines[0]
    assert lines[1].startswith("第 3 行：性别：")
    assert not ENGLISH.search(" ".join(lines))
    assert not Member.objects.filter(name__startswith="新党员").exists()


@pytest.mark.parametrize("char", ["\x0b", "\x00", "\x01", "\x1b"])
def test_exports_survive_any_stored_text(tree, users, char, on_postgres):
    if char == "\x00" and on_postgres:
        pytest.skip("PostgreSQL cannot store NUL")
    MeetingFactory(organization=tree.a1, topic=f"学习{char}贯彻")
    dataset = MeetingResource(user=users.office).export(Meeting.objects.all())
    sheet = openpyxl.load_workbook(io.BytesIO(XLSX().export_data(dataset))).active
    assert "学习贯彻" in [c.value for row in sheet.iter_rows() for c in row]


def test_a_word_in_a_number_column_is_named_in_chinese(tree, users):
    from django.utils import translation

    from cadres.resources import GroupFiguresResource
    from chengjiang.importexport import row_reasons

    with translation.override("zh-hans"):
        resource = GroupFiguresResource(user=users.office)
        attrs = ("village", "group_name", "effective_from", "population", "households", "workload")
        data = tablib.Dataset(
            ["花园村", "大塘组", "2024-01-01", "很多", 30, 10],
            headers=[str(resource.fields[a].column_name) for a in attrs],
        )
        lines = row_reasons(resource.import_data(data, dry_run=True))
    assert lines == ["第 2 行：人口数：“很多”不是数字。"]
