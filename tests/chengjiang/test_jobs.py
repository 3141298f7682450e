"""Issue 12: long work runs as jobs — progress that moves, a result or row errors, and a failed
job that leaves nothing half-written and says why in Chinese. Here the embedded backends
(eager, and the background thread ``make run`` uses without Redis); the Celery worker on Redis is
in test_celery_redis.py."""

from __future__ import annotations

import datetime
import io
import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from branches.models import Village
from chengjiang.jobs import runner
from chengjiang.jobs.models import Job
from chengjiang.jobs.registry import KINDS, MSG_NOT_ALLOWED, run_job
from chengjiang.jobs.services import job_start
from tests.chengjiang import jobkinds
from tests.factories import UserFactory

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture
def eager(settings):
    settings.JOBS_BACKEND = "eager"


def _state(client, job):
    response = client.get(reverse("jobs:status", kwargs={"pk": job.pk}))
    assert response.status_code == 200
    return response.json()


def test_the_portals_long_work_is_registered():
    assert {
        "export",
        "import",
        "worktasks.report_docx",
        "worktasks.progress_xlsx",
        "summaries.rebuild",
        "scale_data",
    } <= set(KINDS)


def test_a_job_reports_progress_and_keeps_its_result(eager, users, login):
    job = job_start(kind="test.count", params={"steps": 3, "name": "进度村"}, by=users.office)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert (job.done, job.total) == (3, 3)
    assert Village.objects.filter(name__startswith="进度村-").count() == 3
    client = login(users.office)
    state = _state(client, job)
    assert state["percent"] == 100 and state["finished"]
    assert state["message"] == "写入 3 个村"
    download = client.get(state["download_url"])
    assert b"".join(download.streaming_content) == b"a,b\n1,2\n"


def test_a_failed_job_writes_nothing_and_says_why_in_chinese(eager, users, login):
    job = job_start(kind="test.fail", params={"name": "失败村"}, by=users.office)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.message == jobkinds.MSG_TEST_REFUSED
    assert not Village.objects.filter(name__startswith="失败村-").exists()
    assert (job.done, job.total) == (2, 3)  # how far it got
    page = login(users.office).get(job.get_absolute_url())
    assert jobkinds.MSG_TEST_REFUSED in page.content.decode()
    assert not _state(login(users.office), job)["download_url"]


def test_an_unexpected_error_writes_nothing_and_is_reported_in_chinese(eager, users):
    job = job_start(kind="test.crash", params={"name": "崩溃村"}, by=users.office)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.message == str(runner.MSG_CRASHED)
    assert not Village.objects.filter(name__startswith="崩溃村-").exists()


def test_run_job_is_the_one_entry_whatever_runs_it(users):
    seen = []
    outcome = run_job(
        "test.count",
        {"steps": 2, "name": "直接村"},
        by=users.office,
        progress=lambda done, total=None: seen.append((done, total)),
    )
    assert outcome.summary == "写入 2 个村"
    assert seen == [(0, 2), (1, 2), (2, 2)]


def test_a_job_and_its_result_are_seen_within_its_starters_scope(eager, users, login):
    job = job_start(kind="test.count", params={"steps": 1, "name": "范围村"}, by=users.sec_a)
    names = ("jobs:detail", "jobs:status", "jobs:download")
    for other in (users.office, users.leader, users.sec_a):
        client = login(other)
        for name in names:
            assert client.get(reverse(name, kwargs={"pk": job.pk})).status_code == 200
    client = login(users.sec_b)  # another village
    for name in names:
        assert client.get(reverse(name, kwargs={"pk": job.pk})).status_code == 404
    # "My jobs" lists the person's own
    assert (
        job.get_absolute_url() not in login(users.office).get(reverse("jobs:list")).content.decode()
    )


def test_a_system_job_is_seen_by_superusers_only(eager, users, login):
    from chengjiang.access import SYSTEM

    job = job_start(kind="test.count", params={"steps": 1, "name": "系统村"}, by=SYSTEM)
    url = reverse("jobs:detail", kwargs={"pk": job.pk})
    assert login(users.office).get(url).status_code == 404
    assert login(UserFactory(is_superuser=True)).get(url).status_code == 200


def test_who_may_start_what(eager, users):
    with pytest.raises(ValidationError, match=str(MSG_NOT_ALLOWED)):
        job_start(kind="scale_data", params={}, by=users.office)


def test_a_stale_running_job_is_shown_as_interrupted(users, settings, login):
    settings.JOB_STALE_SECONDS = 60
    job = Job.objects.create(
        created_by=users.office,
        organization=users.office.organization,
        kind="test.count",
        status="running",
    )
    runner.ProgressReporter(job.pk)(1, 4)
    assert _state(login(users.office), job)["status"] == "running"
    runner.cache.set(runner.progress_key(job.pk), {"done": 1, "total": 4, "at": time.time() - 61})
    state = _state(login(users.office), job)
    assert state["status"] == "failed"
    assert state["message"] == str(runner.MSG_INTERRUPTED)


def test_export_job_makes_the_scoped_masked_register(eager, users, tree, login):
    job = job_start(kind="export", params={"resource": "members", "format": "xlsx"}, by=users.sec_a)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.message
    assert job.total == len(tree.a_members)
    response = login(users.sec_a).get(reverse("jobs:download", kwargs={"pk": job.pk}))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    for member in tree.a_members:
        assert member.name in text
        assert member.id_number not in text  # masked, as in the admin's export
    for member in tree.b_members:
        assert member.name not in text


def test_the_list_page_starts_a_job_and_the_page_follows_it(eager, users, tree, login):
    client = login(users.office)
    page = client.get(reverse("jobs:list"))
    assert page.status_code == 200
    response = client.post(
        reverse("jobs:start"), {"kind": "export", "resource": "meetings", "format": "csv"}
    )
    job = Job.objects.get(created_by=users.office)
    assert response["Location"] == job.get_absolute_url()
    assert _state(client, job)["status"] == "done"
    assert job.get_absolute_url() in client.get(reverse("jobs:list")).content.decode()


def test_thread_backend_runs_after_commit_and_the_bar_moves(committed_db, settings, client):
    """``make run`` without Redis: the job runs in a thread of the app process; the page's
    status endpoint shows the count rising, then the result."""
    settings.JOBS_BACKEND = "thread"
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    user = UserFactory(is_superuser=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    job = job_start(kind="test.count", params={"steps": 5, "pause": 0.3, "name": "线程村"}, by=user)
    seen = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state = _state(client, job)
        seen.append(state["done"])
        if state["finished"]:
            break
        time.sleep(0.1)
    assert state["status"] == "done", state
    assert seen == sorted(seen)
    assert len({d for d in seen if 0 < d < 5}) >= 2, seen  # the bar moved, step by step
    assert Village.objects.filter(name__startswith="线程村-").count() == 5


def test_thread_backend_failure_writes_nothing(committed_db, settings, client):
    settings.JOBS_BACKEND = "thread"
    user = UserFactory(is_superuser=True)
    job = job_start(kind="test.fail", params={"pause": 0.1, "name": "线程失败村"}, by=user)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.finished:
            break
        time.sleep(0.1)
    assert job.status == Job.Status.FAILED
    assert job.message == jobkinds.MSG_TEST_REFUSED
    assert not Village.objects.filter(name__startswith="线程失败村-").exists()


@pytest.mark.parametrize(
    "view,kind",
    [
        ("worktasks:progress_xlsx", "worktasks.progress_xlsx"),
        ("worktasks:report_docx", "worktasks.report_docx"),
    ],
)
def test_a_year_end_file_over_the_threshold_is_made_by_a_job(
    eager, settings, users, tree, login, view, kind
):
    from tests.worktasks.factories import TaskFactory

    TaskFactory(responsible=tree.root)
    client = login(users.office)
    url = reverse(view, args=[2024])
    settings.JOB_SYNC_MAX_ORGS = 10_000
    direct = client.get(url)
    assert direct.status_code == 200 and direct["Content-Disposition"].startswith("attachment")
    settings.JOB_SYNC_MAX_ORGS = 2  # the tree has more organisations than that
    response = client.get(url)
    job = Job.objects.get(created_by=users.office, kind=kind)
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    state = _state(client, job)
    assert state["status"] == "done", state
    made = client.get(state["download_url"])
    assert b"".join(made.streaming_content)[:2] == b"PK"  # a zip: .docx and .xlsx both
    assert made["Content-Type"] == direct["Content-Type"]


def test_an_admin_export_over_the_threshold_is_made_by_a_job(eager, settings, users, tree, login):
    from branches.resources import MemberResource

    client = login(users.office)
    url = reverse("admin:branches_member_export")
    columns = {f"memberresource_{n}": "on" for n in ("name", "id_number")}
    settings.JOB_SYNC_MAX_ROWS = 3  # the tree has nine members
    response = client.post(url, {"format": "0", "resource": "0", **columns})
    job = Job.objects.get(created_by=users.office, kind="export")
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.params["fields"] == ["name", "id_number"] and "pks" not in job.params
    made = client.get(_state(client, job)["download_url"])
    sheet = load_workbook(io.BytesIO(b"".join(made.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + len(tree.a_members) + len(tree.b_members)
    assert len(rows[0]) == 2  # the chosen columns only
    masked = {
        row[1]
        for row in MemberResource(user=users.office).export(export_fields=["name", "id_number"])
    }
    assert {row[1] for row in rows[1:]} == masked
    settings.JOB_SYNC_MAX_ROWS = 100
    direct = client.post(url, {"format": "0", "resource": "0", **columns})
    assert direct["Content-Disposition"].startswith("attachment")


def _stored_upload(content: bytes) -> str:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    return default_storage.save("jobs/uploads/sheet.csv", ContentFile(content))


def test_import_job_waits_for_its_hook_and_says_so_in_chinese(eager, settings, users):
    from chengjiang.jobs.kinds import MSG_HOOK_MISSING

    settings.JOB_IMPORT_FUNCTION = "tests.chengjiang.jobkinds.no_such_function"
    job = job_start(
        kind="import",
        params={"resource": "members", "file": _stored_upload(b"x")},
        by=users.office,
    )
    job.refresh_from_db()
    assert (job.status, job.message) == ("failed", str(MSG_HOOK_MISSING))


def test_import_job_with_refused_rows_writes_nothing_and_lists_them(eager, settings, users, login):
    settings.JOB_IMPORT_FUNCTION = "tests.chengjiang.jobkinds.fake_import_rows"
    name = _stored_upload("导入村甲\n导入村坏\n导入村丙".encode())
    job = job_start(kind="import", params={"resource": "members", "file": name}, by=users.office)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.row_errors == ["第 3 行：测试拒绝"]
    assert not Village.objects.filter(name__startswith="导入村").exists()
    page = login(users.office).get(job.get_absolute_url()).content.decode()
    assert "第 3 行：测试拒绝" in page

    good = _stored_upload("导入村甲\n导入村乙".encode())
    job = job_start(kind="import", params={"resource": "members", "file": good}, by=users.office)
    job.refresh_from_db()
    assert job.status == "done" and (job.done, job.total) == (2, 2)
    assert Village.objects.filter(name__startswith="导入村").count() == 2


def test_import_job_reads_only_uploads_stored_for_jobs(eager, settings, users):
    from chengjiang.jobs.kinds import MSG_BAD_PARAMS

    settings.JOB_IMPORT_FUNCTION = "tests.chengjiang.jobkinds.fake_import_rows"
    job = job_start(
        kind="import", params={"resource": "members", "file": "../settings.py"}, by=users.office
    )
    job.refresh_from_db()
    assert (job.status, job.message) == ("failed", str(MSG_BAD_PARAMS))


def test_summary_rebuild_job_reports_the_hooks_progress(eager, settings, users):
    settings.JOB_REBUILD_SUMMARIES_FUNCTION = "tests.chengjiang.jobkinds.fake_rebuild_summaries"
    job = job_start(kind="summaries.rebuild", params={}, by=users.office)
    job.refresh_from_db()
    assert job.status == "done" and (job.done, job.total) == (3, 3)


def test_scale_data_job_generates_and_a_second_run_fails_in_chinese(eager, db):
    admin = UserFactory(is_superuser=True)
    from tests.chengjiang.test_generate_scale_data import SIZES

    sizes = {k: v for k, v in SIZES.items() if k != "attendance_per_meeting"}
    job = job_start(kind="scale_data", params=sizes, by=admin)
    job.refresh_from_db()
    assert job.status == "done", job.message
    assert job.done == job.total
    assert Village.objects.count() == sizes["villages"]
    again = job_start(kind="scale_data", params=sizes, by=admin)
    again.refresh_from_db()
    assert again.status == "failed"
    assert again.message.startswith("数据库中已有本命令生成的规模数据")


def test_a_redelivered_job_runs_once_while_it_reports_progress(users, settings):
    """Celery may hand a task to a second worker; a job still reporting is left alone, a silent
    one (its worker died, its writes rolled back) is run again."""
    settings.JOB_STALE_SECONDS = 60
    job = Job.objects.create(
        created_by=users.office,
        organization=users.office.organization,
        kind="test.count",
        params={"steps": 1, "name": "重投村"},
        status="running",
    )
    runner.ProgressReporter(job.pk)(0, 1)
    assert runner.execute(job.pk).status == "running"
    assert not Village.objects.filter(name__startswith="重投村").exists()
    runner.cache.set(runner.progress_key(job.pk), {"done": 0, "total": 1, "at": time.time() - 61})
    assert runner.execute(job.pk).status == "done"
    assert Village.objects.filter(name__startswith="重投村").count() == 1


def test_a_kind_is_offered_once_its_hook_exists(settings, users, login):
    client = login(users.office)
    settings.JOB_REBUILD_SUMMARIES_FUNCTION = "tests.chengjiang.jobkinds.no_such_function"
    assert 'value="summaries.rebuild"' not in client.get(reverse("jobs:list")).content.decode()
    settings.JOB_REBUILD_SUMMARIES_FUNCTION = "tests.chengjiang.jobkinds.fake_rebuild_summaries"
    assert 'value="summaries.rebuild"' in client.get(reverse("jobs:list")).content.decode()


def test_refused_rows_are_shown_to_the_starter_only(users, login):
    job = Job.objects.create(
        created_by=users.office,
        organization=users.office.organization,
        kind="import",
        status="failed",
        message="有 1 行数据未通过校验，未导入任何记录。",
        row_errors=["第 2 行：身份证号 341802199001011234 校验位错误"],
    )
    assert _state(login(users.office), job)["row_errors"] == job.row_errors
    leader = _state(login(users.leader), job)
    assert leader["row_errors"] == [] and leader["message"] == job.message
    page = login(users.leader).get(job.get_absolute_url()).content.decode()
    assert "341802199001011234" not in page


def test_a_job_queued_for_long_says_the_worker_may_be_down(users, settings, login):
    from chengjiang.jobs.views import MSG_STILL_QUEUED

    job = Job.objects.create(
        created_by=users.office, organization=users.office.organization, kind="export"
    )
    client = login(users.office)
    assert _state(client, job)["message"] == ""
    settings.JOB_STALE_SECONDS = 0
    Job.objects.filter(pk=job.pk).update(created_at=job.created_at - datetime.timedelta(seconds=5))
    assert _state(client, job)["message"] == str(MSG_STILL_QUEUED)


def test_import_job_of_a_file_refused_as_a_whole_says_why(eager, settings, users):
    settings.JOB_IMPORT_FUNCTION = "tests.chengjiang.jobkinds.fake_import_refusing_the_file"
    job = job_start(
        kind="import",
        params={"resource": "members", "file": _stored_upload(b"x")},
        by=users.office,
    )
    job.refresh_from_db()
    assert (job.status, job.message) == ("failed", jobkinds.MSG_TEST_FILE_REFUSED)


def test_prune_jobs_removes_old_finished_jobs_and_their_files(eager, users):
    from django.core.files.storage import default_storage
    from django.core.management import call_command
    from django.utils import timezone

    old = job_start(kind="test.count", params={"steps": 1, "name": "旧村"}, by=users.office)
    new = job_start(kind="test.count", params={"steps": 1, "name": "新村"}, by=users.office)
    old.refresh_from_db()
    assert default_storage.exists(old.result_file.name)
    Job.objects.filter(pk=old.pk).update(finished_at=timezone.now() - datetime.timedelta(days=31))
    call_command("prune_jobs", days=30, stdout=io.StringIO())
    assert list(Job.objects.values_list("pk", flat=True)) == [new.pk]
    assert not default_storage.exists(old.result_file.name)
