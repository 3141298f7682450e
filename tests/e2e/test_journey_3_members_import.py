"""Journey 3: office staff import a members sheet with one bad row, read the row's error in the
preview, fix the sheet, import it, and export the list again (desktop, in the admin). The upload
and the confirm are background jobs: each page follows its job (progress bar) and shows the
preview or the result when it ends."""

import datetime
import io
import re

import openpyxl
import pytest
from django.db import connection

from branches.models import Member
from chengjiang.personal_data import id_check_digit

from .helpers import CJK

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def jobs_in_a_thread(settings):
    # as journey 7: the embedded default (a thread) on PostgreSQL, in the request on SQLite's
    # in-memory test database
    settings.JOBS_BACKEND = "thread" if connection.vendor == "postgresql" else "eager"


BRANCH = "花园村第二党支部"
CHANGELIST = "/admin/branches/member/"
NEW = (
    ("测试党员甲", datetime.date(1988, 4, 12), "13955501231"),
    ("测试党员乙", datetime.date(1992, 9, 30), "13955501232"),
)


def id_number(birth: datetime.date, sequence: int) -> str:
    """A fictional 18-character ID number with a valid GB 11643 check digit."""
    body = f"341802{birth:%Y%m%d}{sequence:03d}"
    return body + id_check_digit(body)


def broken(number: str) -> str:
    """The same number with a wrong check digit."""
    return number[:-1] + ("1" if number[-1] != "1" else "2")


def export_sheet(screen, step: str) -> openpyxl.Workbook:
    """Export the members list as xlsx from the admin and open it with openpyxl."""
    page = screen.page
    screen.goto(CHANGELIST + "export/")
    page.locator("select[name=format]").select_option(label="xlsx")
    screen.shot(step)
    with page.expect_download() as info:
        page.locator("#content form .submit-row input[type=submit]").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    return openpyxl.load_workbook(io.BytesIO(download.path().read_bytes()))


def sheet_bytes(headers: list, rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(screen, content: bytes) -> None:
    page = screen.page
    screen.goto(CHANGELIST + "import/")
    page.locator("input[type=file][name=import_file]").set_input_files(
        {
            "name": "党员名册.xlsx",
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": content,
        }
    )
    page.locator("select[name=format]").select_option(label="xlsx")
    with page.expect_navigation():
        page.locator("#content form .submit-row input[type=submit]").first.click()
    finished(screen)


def finished(screen) -> None:
    """Wait on an import job's page until it shows the job's preview or result."""
    assert "/import/job/" in screen.path(), screen.path()
    screen.page.locator(".import-counts").wait_for(timeout=60_000)


CONFIRM = "form[action*='/confirm/'] input[type=submit]"


def test_office_imports_members_with_a_bad_row_then_fixed(desktop):
    office, page = desktop, desktop.page
    office.login("office", next_path=CHANGELIST)
    assert office.path().startswith(CHANGELIST)

    # the district's sheet: what the export gives, the layout the office already uses
    book = export_sheet(office, "01-export-form")
    rows = list(book.active.iter_rows(values_only=True))
    headers = list(rows[0])
    template = next(r for r in rows[1:] if BRANCH in [str(c) for c in r])
    column = {str(h): i for i, h in enumerate(headers)}

    def member_row(name, birth, phone, number):
        row = list(template)
        # a copied row is a new member: its record number (编号) is cleared, else it would update
        # the member it was copied from
        row[column["编号"]] = None
        for header, value in (
            ("姓名", name),
            ("出生日期", birth),
            ("入党日期", datetime.date(birth.year + 25, 7, 1)),  # joined as an adult
            ("身份证号码", number),
            ("手机号", phone),
        ):
            matches = [i for h, i in column.items() if header in h]
            assert matches, f"the members export has no column like {header!r}: {headers}"
            row[matches[0]] = value
        return row

    good = [id_number(birth, 101 + i) for i, (_, birth, _) in enumerate(NEW)]
    bad_sheet = [
        member_row(NEW[0][0], NEW[0][1], NEW[0][2], good[0]),
        member_row(NEW[1][0], NEW[1][1], NEW[1][2], broken(good[1])),
    ]

    # a sheet with one bad row: the preview names the row and why, and nothing is written
    upload(office, sheet_bytes(headers, bad_sheet))
    errors = page.locator("[data-job=message]").inner_text()
    assert "未导入" in errors, f"the page does not say that nothing was imported: {errors}"
    errors = page.locator(".import-row-reasons").inner_text()
    assert CJK.search(errors), "the row error is not in Chinese"
    # the second data row (row 3 of the sheet, under the header) is named, with its reason
    assert re.search(r"第\s*[23]\s*行", errors), f"the preview does not name the bad row: {errors}"
    assert "身份证" in errors, f"the preview does not say what is wrong with the row: {errors}"
    assert NEW[1][0] in errors, "the bad row is not named"
    assert len(errors.strip().splitlines()) == 1, f"one line for the one bad row: {errors}"
    assert page.locator(CONFIRM).count() == 0, "a file with a bad row can still be confirmed"
    assert not Member.objects.filter(name__in=[n for n, _, _ in NEW]).exists()
    office.shot("02-preview-row-error")

    # the fixed sheet: a clean preview, confirm, both members stored
    fixed = [member_row(n, b, p, good[i]) for i, (n, b, p) in enumerate(NEW)]
    upload(office, sheet_bytes(headers, fixed))
    confirm = page.locator(CONFIRM)
    assert confirm.count() == 1, "the fixed sheet's preview offers no confirmation"
    for name, _, _ in NEW:
        assert name in page.locator("#content").inner_text(), f"{name} not in the preview"
    office.shot("03-preview-clean")
    with page.expect_navigation():
        confirm.click()
    finished(office)
    assert Member.objects.filter(name__in=[n for n, _, _ in NEW], branch__name=BRANCH).count() == 2
    office.shot("04-imported")

    # and the list exported again holds them
    again = export_sheet(office, "05-export-again")
    names = {
        str(r[column[next(h for h in column if "姓名" in h)]])
        for r in again.active.iter_rows(min_row=2, values_only=True)
    }
    for name, _, _ in NEW:
        assert name in names, f"{name} is missing from the exported members list"


def test_office_round_trip_updates_one_cell_after_fixing_a_bad_row(desktop):
    """The office's weekly round trip: export the roster, correct one cell in the spreadsheet,
    import it back. A second cell typed wrong is refused alone (row and column named, nothing
    written); once fixed, the preview says 修改 1 and the rest 无变化, and confirming changes
    exactly that member."""
    office, page = desktop, desktop.page
    office.login("office", next_path=CHANGELIST)
    book = export_sheet(office, "06-roundtrip-export")
    rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    headers, data = rows[0], rows[1:]
    column = {str(h): i for i, h in enumerate(headers)}
    key, name, joined = column["编号"], column["姓名"], column["入党日期"]
    assert all(r[key] for r in data), "every exported row carries its 编号"
    count = Member.objects.count()

    target = next(r for r in data if BRANCH in [str(c) for c in r])
    # the preview lists the sheet's first rows (a bounded page whatever its size): the corrected
    # row is put first, as one sorts a sheet to see what one changed
    data.remove(target)
    data.insert(0, target)
    other = next(r for r in data if r is not target)
    old_name, new_name = str(target[name]), str(target[name]) + "（更正）"
    target[name] = new_name
    stored_joined = other[joined]
    other[joined] = "不详"  # a cell typed wrong

    upload(office, sheet_bytes(headers, data))
    errors = page.locator(".import-row-reasons").inner_text().strip()
    office.shot("07-roundtrip-one-bad-row")
    lines = errors.splitlines()
    assert len(lines) == 1, f"only the real error is listed: {errors}"
    assert f"第 {data.index(other) + 2} 行" in lines[0], lines[0]
    assert "入党日期" in lines[0], lines[0]
    assert not Member.objects.filter(name=new_name).exists()

    other[joined] = stored_joined  # fixed
    upload(office, sheet_bytes(headers, data))
    counts = page.locator(".import-counts").inner_text()
    office.shot("08-roundtrip-preview")
    assert re.search(r"修改\D*1\b", counts), counts
    assert re.search(rf"无变化\D*{len(data) - 1}\b", counts), counts
    assert re.search(r"新增\D*0\b", counts), counts
    changed = page.locator("table.import-preview tr.update")
    assert changed.count() == 1 and new_name in changed.inner_text()
    with page.expect_navigation():
        page.locator(CONFIRM).click()
    finished(office)
    office.shot("09-roundtrip-imported")
    assert Member.objects.count() == count
    assert Member.objects.get(pk=target[key]).name == new_name
    assert not Member.objects.filter(name=old_name, pk=target[key]).exists()
