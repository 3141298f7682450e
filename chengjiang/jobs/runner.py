"""How a job runs: ``dispatch`` hands it to Celery, a thread or runs it at once; ``execute``
runs it wherever that is, reporting progress and recording how it ended.

Backends (``settings.JOBS_BACKEND``):

* ``celery`` (when ``CELERY_BROKER_URL`` or ``REDIS_URL`` is set): a Celery worker
  (``make worker``) runs ``chengjiang.jobs.tasks.run`` after the starting transaction commits.
* ``thread`` (the embedded default, ``make run`` without Redis): a background thread of the
  app process that started it, with its own database connection. A job that dies with its
  process stops reporting and is shown as interrupted after ``JOB_STALE_SECONDS``.
* ``eager``: inside the call that starts it (tests, debugging).

Progress is kept in the cache (Redis with several servers, the file cache under ``var/``
otherwise), not in the job's row: a job that writes runs in one transaction, and a row updated
inside it would stay invisible to the page until the end. The row gets the final count.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import close_old_connections, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from chengjiang.access import SYSTEM
from chengjiang.files import display_name

from .models import Job
from .registry import JobFailed, RowErrors, run_job

logger = logging.getLogger(__name__)

MSG_CRASHED = _(
    "The job stopped because of an unexpected error; nothing was written. "
    "Please try again, or tell the sub-district office."
)
MSG_INTERRUPTED = _(
    "The job was interrupted (the server restarted or the worker stopped); nothing was "
    "written. Please start it again."
)
MSG_DONE = _("Done.")
PROGRESS_EVERY = 0.25  # seconds between two progress writes (the last one is always written)


def progress_key(job_id: int) -> str:
    return f"jobs:progress:{job_id}"


def read_progress(job_id: int) -> dict | None:
    return cache.get(progress_key(job_id))


class ProgressReporter:
    """``progress(done, total=None)``: how far a job is, for the page's bar."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.done = 0
        self.total: int | None = None
        self._written = 0.0

    def __call__(self, done: int, total: int | None = None) -> None:
        if total is not None:
            self.total = max(int(total), 0)
        self.done = max(int(done), 0)
        if self.total is not None:
            self.done = min(self.done, self.total)
        now = time.monotonic()
        last = self.total is not None and self.done >= self.total
        if last or now - self._written >= PROGRESS_EVERY:
            self._written = now
            self.write()

    def write(self) -> None:
        cache.set(
            progress_key(self.job_id),
            {"done": self.done, "total": self.total, "at": time.time()},
            timeout=24 * 3600,
        )


def _messages(error: ValidationError) -> str:
    return "；".join(str(m) for m in error.messages)


def execute(job_id: int) -> Job | None:
    """Run the job now (a Celery task, a thread or eagerly) and record how it ended."""
    job = Job.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.finished:
        return job  # already run (a redelivered task)
    claimed = Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed and not _silent(job):
        return job  # a redelivered task while another worker still reports progress
    if not claimed:
        Job.objects.filter(pk=job.pk).update(started_at=timezone.now())
    reporter = ProgressReporter(job.pk)
    reporter(0)
    by = job.created_by or SYSTEM
    fields: dict = {}
    try:
        with translation.override(settings.LANGUAGE_CODE):
            outcome = run_job(job.kind, job.params, by=by, progress=reporter)
            if outcome.content is not None:
                name = display_name(outcome.filename or f"job-{job.pk}")
                content = outcome.content
                if isinstance(content, bytes):
                    job.result_file.save(name, ContentFile(content), save=False)
                else:
                    with content:
                        job.result_file.save(name, File(content), save=False)
                fields.update(
                    result_file=job.result_file.name,
                    result_name=name,
                    result_type=outcome.content_type or "application/octet-stream",
                )
            summary = outcome.summary or str(MSG_DONE)
    except RowErrors as exc:
        fields.update(status=Job.Status.FAILED, message=str(exc.message), row_errors=exc.rows)
    except JobFailed as exc:
        fields.update(status=Job.Status.FAILED, message=str(exc.message))
    except ValidationError as exc:
        fields.update(status=Job.Status.FAILED, message=_messages(exc))
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        fields.update(status=Job.Status.FAILED, message=str(MSG_CRASHED))
    else:
        if reporter.total is None:
            reporter.total = reporter.done
        fields.update(status=Job.Status.DONE, message=summary, done=reporter.total)
    fields.setdefault("done", reporter.done)
    fields.update(total=reporter.total, finished_at=timezone.now())
    if fields["total"] is not None:
        fields["done"] = min(fields["done"], fields["total"])
    Job.objects.filter(pk=job.pk).update(**fields)
    reporter.done = fields["done"]
    reporter.write()
    job.refresh_from_db()
    return job


def _thread_main(job_id: int) -> None:
    close_old_connections()
    try:
        execute(job_id)
    finally:
        connection.close()


def dispatch(job: Job) -> None:
    """Hand a new job to its backend once the transaction that created it commits."""
    backend = settings.JOBS_BACKEND
    if backend == "eager":
        execute(job.pk)
        return
    if backend == "celery":

        def send():
            from .tasks import run

            run.apply_async(args=[job.pk])

        transaction.on_commit(send)
        return

    def start():
        threading.Thread(target=_thread_main, args=(job.pk,), daemon=True).start()

    transaction.on_commit(start)


def _silent(job: Job) -> bool:
    """Has a running job stopped reporting for JOB_STALE_SECONDS (its process died)?"""
    seen = read_progress(job.pk)
    last = seen["at"] if seen else (job.started_at.timestamp() if job.started_at else None)
    return last is None or time.time() - last > settings.JOB_STALE_SECONDS


def mark_stale(job: Job) -> Job:
    """A running job whose progress is older than JOB_STALE_SECONDS is recorded as
    interrupted (its process died: nothing it wrote was committed)."""
    if job.status != Job.Status.RUNNING:
        return job
    if _silent(job):
        Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
            status=Job.Status.FAILED, message=str(MSG_INTERRUPTED), finished_at=timezone.now()
        )
        job.refresh_from_db()
    return job
