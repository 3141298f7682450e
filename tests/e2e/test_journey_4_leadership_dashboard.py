"""Journey 4: leadership opens the dashboard, changes the year, opens a figure's drill-down,
downloads the year-end summary (.docx) and the checklist (.xlsx); both open with their libraries."""

import io
import re

import docx
import openpyxl
import pytest

pytestmark = pytest.mark.e2e

YEAR = "2024"


def download(screen, selector: str):
    page = screen.page
    link = page.locator(selector).first
    assert link.count() == 1, f"no download link {selector} on {screen.path()}"
    with page.expect_download() as info:
        link.click()
    return info.value


def test_leadership_reads_the_dashboard_and_downloads_the_report(desktop, phone):
    page = desktop.page
    desktop.login("leader", next_path="/dashboard/")
    assert desktop.path().startswith("/dashboard/")
    desktop.shot("01-dashboard-this-year")

    # change the year to 2024 (the demo's checklist year)
    page.locator("select[name=year]").select_option(YEAR)
    with page.expect_navigation():
        page.locator("main form[method=get] button[type=submit]").first.click()
    assert f"year={YEAR}" in page.url
    assert YEAR in page.locator("main").inner_text()
    tasks = page.locator("main table.wt-tasks")
    assert tasks.count() >= 1, "the 2024 dashboard shows no task table"
    desktop.shot("02-dashboard-2024")

    # a figure opens the records that make it
    figure = page.locator("main table.wt-tasks a[href*='/dashboard/measure/']").first
    shown = figure.inner_text()
    with page.expect_navigation():
        figure.click()
    assert desktop.path().startswith("/dashboard/measure/")
    facts = page.locator("main dl").inner_text()
    number = re.search(r"\d+", shown)
    assert number and number.group(0) in facts, f"the drill-down does not show {shown}: {facts}"
    assert page.locator("main table tbody tr").count() >= 1, "the drill-down lists no records"
    desktop.shot("03-drill-down")

    # the year-end summary, as a page and as .docx, and the checklist as .xlsx
    desktop.goto(f"/reports/{YEAR}/")
    assert "民主生活会" in page.locator("main").inner_text()
    desktop.shot("04-year-end-summary")
    summary = download(desktop, "main a[href*='.docx']")
    assert summary.suggested_filename.endswith(".docx"), summary.suggested_filename
    document = docx.Document(io.BytesIO(summary.path().read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert YEAR in text and "民主生活会" in text, text[:300]
    checklist = download(desktop, "main a[href*='.xlsx']")
    assert checklist.suggested_filename.endswith(".xlsx"), checklist.suggested_filename
    book = openpyxl.load_workbook(io.BytesIO(checklist.path().read_bytes()))
    cells = [str(c) for row in book.active.iter_rows(values_only=True) for c in row if c]
    assert len(cells) > 10 and any("组织" in c for c in cells), cells[:20]

    # the same screens on a phone
    phone.login("leader", next_path=f"/dashboard/?year={YEAR}")
    phone.shot("02-dashboard-2024")
    phone.goto(f"/reports/{YEAR}/")
    phone.shot("04-year-end-summary")
