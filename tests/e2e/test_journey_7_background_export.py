"""Journey 7: the office starts a register export as a background job from 后台任务; the job's
page follows it (the bar is filled by the page's polling), then offers the file, which opens with
openpyxl and holds masked ID numbers only."""

import io

import openpyxl
import pytest
from django.db import connection

from branches.models import Member

pytestmark = pytest.mark.e2e


@pytest.fixture
def jobs_in_a_thread(settings):
    # The embedded default: a thread of the server process. On SQLite's in-memory test database
    # a second connection would meet the live server's table locks, so the job runs in the
    # request there (the page and its polling are the same).
    settings.JOBS_BACKEND = "thread" if connection.vendor == "postgresql" else "eager"


def test_office_exports_members_in_the_background(desktop, phone, jobs_in_a_thread):
    page = desktop.page
    desktop.login("office", next_path="/jobs/")
    assert desktop.path() == "/jobs/"
    desktop.shot("01-background-jobs")

    form = page.locator("form.job-start").filter(has=page.locator("select[name=resource]"))
    form.locator("select[name=resource]").select_option("members")
    form.locator("select[name=format]").select_option("xlsx")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert desktop.path().startswith("/jobs/")
    page.locator("[data-job=download]:not([hidden]) a").wait_for(timeout=30_000)
    assert page.eval_on_selector("progress.job-bar", "e => e.value") == 100
    assert "已完成" in page.locator("[data-job=status_label]").inner_text()
    desktop.shot("02-export-done")

    with page.expect_download() as info:
        page.locator("[data-job=download] a").click()
    sheet = openpyxl.load_workbook(io.BytesIO(info.value.path().read_bytes())).active
    text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    members = list(Member.objects.values_list("name", "id_number"))
    assert members and all(name in text for name, _id in members)
    assert not [i for _n, i in members if i in text], "a full ID number in the export"

    phone.login("office", next_path="/jobs/")
    assert "已完成" in phone.page.locator("main").inner_text()
    phone.shot("03-my-jobs")
