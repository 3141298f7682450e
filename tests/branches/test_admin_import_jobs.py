"""The admin's import of a register with a bulk importer (issue 12, goal 4): an upload becomes a
preview job (progress bar, then counts, refused rows and the first rows), and the confirm button a
write job on the very file previewed (checked by its hash): all or nothing, in Chinese, seen by
the person who uploaded only."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from branches.models import Member
from branches.resources import MemberResource
from chengjiang.accounts import roles
from chengjiang.importexport import KEY_COLUMN
from chengjiang.jobs.models import Job
from tests.factories import MemberFactory, UserFactory, valid_id_number
from tests.roundtrip import edit, export_xlsx, sheet_rows

pytestmark = pytest.mark.usefixtures("chinese")  # the office's language

IMPORT = "admin:branches_member_import"


@pytest.fixture
def eager(settings):
    settings.JOBS_BACKEND = "eager"


def _members(tree):
    return Member.objects.filter(branch__village=tree.va).order_by("pk")


def _sheet(tree, users, changes=None, append=()) -> bytes:
    return edit(
        export_xlsx(MemberResource, users.office, _members(tree)), changes or {}, append=append
    )


def _upload(client, data: bytes, name="党员.xlsx", fmt="0"):
    upload = SimpleUploadedFile(name, data)
    return client.post(reverse(IMPORT), {"import_file": upload, "format": fmt, "resource": "0"})


def _job_url(job, name="import_job"):
    return reverse(f"admin:branches_member_{name}", kwargs={"pk": job.pk})


def _last_job() -> Job:
    return Job.objects.filter(kind="import").order_by("-pk").first()


def _preview(client, data: bytes, **kwargs):
    response = _upload(client, data, **kwargs)
    job = _last_job()
    assert job is not None, response.content.decode()[-1500:]
    assert response.status_code == 302 and response["Location"] == _job_url(job)
    return job, client.get(_job_url(job))


def test_upload_is_previewed_by_a_job_which_names_bad_rows_and_writes_nothing(
    eager, tree, users, login, django_assert_max_num_queries
):
    members = list(_members(tree))
    data = _sheet(tree, users, {(0, "姓名"): "张改", (2, "入党日期"): "昨天"})
    client = login(users.office)
    job, page = _preview(client, data)
    assert job.params["dry_run"] is True and job.created_by == users.office
    body = page.content.decode()
    assert page.status_code == 200
    assert "修改 1 条" in body and "有误 1 条" in body and "新增 0 条" in body
    assert f"无变化 {len(members) - 2} 条" in body
    assert "第 4 行：入党日期：" in body
    assert "未导入任何记录" in body
    assert _job_url(job, "import_confirm") not in body  # no confirm button with a bad row
    assert Member.objects.get(pk=members[0].pk).name == members[0].name
    with django_assert_max_num_queries(12):  # the page reads the stored preview, not the rows
        client.get(_job_url(job))


def test_confirm_writes_the_previewed_file_and_shows_the_counts(eager, tree, users, login):
    members = list(_members(tree))
    data = _sheet(tree, users, {(0, "姓名"): "张改"})
    client = login(users.office)
    job, page = _preview(client, data)
    body = page.content.decode()
    assert "修改 1 条" in body and f"无变化 {len(members) - 1} 条" in body
    assert "有误 0 条" in body
    assert 'class="cell-changed"' in body and "张改" in body
    assert not [m for m in members if m.id_number in body]  # masked, as the export
    assert Member.objects.get(pk=members[0].pk).name == members[0].name
    assert _job_url(job, "import_confirm") in body

    done = client.post(_job_url(job, "import_confirm"))
    write = _last_job()
    assert write.pk != job.pk and write.params["dry_run"] is False
    assert done.status_code == 302 and done["Location"] == _job_url(write)
    write.refresh_from_db()
    assert write.status == "done", write.message
    assert Member.objects.get(pk=members[0].pk).name == "张改"
    result = client.get(_job_url(write)).content.decode()
    assert "导入完成" in result and "修改 1 条" in result
    # a second confirm of the same preview starts nothing
    again = client.post(_job_url(job, "import_confirm"))
    assert again.status_code == 302 and _last_job().pk == write.pk


def test_a_file_changed_after_its_preview_is_not_imported(eager, tree, users, login):
    members = list(_members(tree))
    client = login(users.office)
    job, _page = _preview(client, _sheet(tree, users, {(0, "姓名"): "张改"}))
    name = job.params["file"]
    default_storage.delete(name)
    default_storage.save(name, ContentFile(_sheet(tree, users, {(1, "姓名"): "偷换"})))

    client.post(_job_url(job, "import_confirm"))
    write = _last_job()
    write.refresh_from_db()
    assert write.status == "failed" and "预览后被改动" in write.message
    assert "未导入任何记录" in write.message
    assert {m.name for m in _members(tree)} == {m.name for m in members}
    assert "预览后被改动" in client.get(_job_url(write)).content.decode()


def test_data_changed_since_the_preview_refuses_the_row_and_writes_nothing(
    eager, tree, users, login
):
    members = list(_members(tree))
    template = dict(sheet_rows(export_xlsx(MemberResource, users.office, _members(tree)))[0])
    id_number = valid_id_number()
    newcomer = {**template, str(KEY_COLUMN): None, "姓名": "新来的", "身份证号码": id_number}
    newcomer["手机号码"] = ""
    data = _sheet(tree, users, {(0, "姓名"): "张改"}, append=[newcomer])
    client = login(users.office)
    job, page = _preview(client, data)
    assert "新增 1 条" in page.content.decode() and "有误 0 条" in page.content.decode()
    # meanwhile someone records a member holding that ID number
    MemberFactory(branch=tree.a1, id_number=id_number)

    client.post(_job_url(job, "import_confirm"))
    write = _last_job()
    write.refresh_from_db()
    assert write.status == "failed"
    assert [line.split("：")[0] for line in write.row_errors] == [f"第 {len(members) + 2} 行"]
    body = client.get(_job_url(write)).content.decode()
    assert "未导入任何记录" in body and f"第 {len(members) + 2} 行：身份证号码" in body
    assert Member.objects.get(pk=members[0].pk).name == members[0].name
    assert not Member.objects.filter(name="新来的").exists()


def test_another_office_user_cannot_see_or_confirm_the_preview(eager, tree, users, login):
    job, _page = _preview(login(users.office), _sheet(tree, users, {(0, "姓名"): "张改"}))
    other = UserFactory(
        username="office2", organization=tree.root, is_staff=True, role=roles.OFFICE
    )
    client = login(other)
    assert client.get(_job_url(job)).status_code == 404
    assert client.post(_job_url(job, "import_confirm")).status_code == 404
    assert client.get(reverse("jobs:download", kwargs={"pk": job.pk})).status_code == 404
    assert Job.objects.filter(kind="import").count() == 1
    assert not Member.objects.filter(name="张改").exists()


def test_a_file_over_the_limit_is_refused_in_chinese(eager, tree, users, login, settings):
    settings.IMPORT_JOB_MAX_BYTES = 1024 * 1024
    client = login(users.office)
    response = _upload(client, b"x" * (1024 * 1024 + 1))
    assert response.status_code == 302 and response["Location"] == reverse(IMPORT)
    page = client.get(response["Location"])
    shown = " ".join(str(m) for m in page.context["messages"])
    assert "文件超过 1 MB" in shown
    assert not Job.objects.exists()


def test_too_many_rows_fail_the_preview_in_chinese(eager, tree, users, login, settings):
    settings.BULK_IMPORT_MAX_ROWS = 3
    job, page = _preview(login(users.office), _sheet(tree, users))
    job.refresh_from_db()
    assert job.status == "failed" and "文件超过 3 行" in job.message
    assert "文件超过 3 行" in page.content.decode()


def test_larger_files_than_the_in_request_limits_go_this_way(eager, tree, users, login, settings):
    settings.IMPORT_MAX_BYTES = 1024
    settings.IMPORT_MAX_ROWS = 2
    _job, page = _preview(login(users.office), _sheet(tree, users, {(0, "姓名"): "张改"}))
    assert "修改 1 条" in page.content.decode()


def test_a_running_preview_shows_its_progress_bar(tree, users, login, settings):
    settings.JOBS_BACKEND = "thread"  # started after the commit, which a test never makes
    job, page = _preview(login(users.office), _sheet(tree, users))
    body = page.content.decode()
    assert job.status == "queued"
    assert "<progress" in body and reverse("jobs:status", kwargs={"pk": job.pk}) in body
    assert 'data-reload="1"' in body and "js/jobs.js" in body


def test_the_job_imports_within_the_uploaders_scope(eager, tree, users, login):
    """A village's staff member uploads a sheet naming another village's branch: the job runs as
    them, so that row is refused as not found, and nothing is written."""
    from django.contrib.auth.models import Permission

    staff = UserFactory(username="staff_a", organization=tree.a, is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="branches"))
    template = dict(sheet_rows(export_xlsx(MemberResource, staff, _members(tree)))[0])
    stranger = {
        **template,
        str(KEY_COLUMN): None,
        "姓名": "外村人",
        "身份证号码": valid_id_number(),
    }
    stranger.update({"手机号码": "", "党支部": tree.b1.name, "党小组": None})
    data = edit(export_xlsx(MemberResource, staff, _members(tree)), {}, append=[stranger])
    job, page = _preview(login(staff), data)
    assert job.created_by == staff
    body = page.content.decode()
    assert (
        "有误 1 条" in body
        and f"第 {len(tree.a_members) + 2} 行：党支部：找不到名为“{tree.b1.name}”" in body
    )
    assert not Member.objects.filter(name="外村人").exists()


def test_prune_jobs_removes_an_old_previews_uploaded_sheet(eager, tree, users, login):
    import datetime
    import io

    from django.core.management import call_command
    from django.utils import timezone

    job, _page = _preview(login(users.office), _sheet(tree, users, {(0, "姓名"): "张改"}))
    name = job.params["file"]
    assert default_storage.exists(name)
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - datetime.timedelta(days=31))
    call_command("prune_jobs", days=30, stdout=io.StringIO())
    assert not Job.objects.filter(pk=job.pk).exists() and not default_storage.exists(name)


def test_the_jobs_page_leads_its_starter_to_the_import_page_and_offers_no_download(
    eager, tree, users, login
):
    job, _page = _preview(login(users.office), _sheet(tree, users, {(0, "姓名"): "张改"}))
    status = login(users.office).get(reverse("jobs:status", kwargs={"pk": job.pk})).json()
    assert status["status"] == "done" and status["download_url"] == ""
    mine = login(users.office).get(job.get_absolute_url()).content.decode()
    assert _job_url(job) in mine
    theirs = login(users.leader).get(job.get_absolute_url())
    assert theirs.status_code == 200 and _job_url(job) not in theirs.content.decode()
