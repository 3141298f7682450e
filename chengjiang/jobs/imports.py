"""The admin's import as jobs (issue 12, goal 4): an upload is stored under ``jobs/uploads/`` with
its SHA-256, previewed by an ``import`` job (``dry_run``), and written by a second job on the same
stored file once the person confirms — the ``import`` kind checks the hash before reading it, so
what is written is what was previewed.

A job's report (counts, the refused rows, the first rows with their changed cells) is its result
file (JSON), read by the admin's page; it is shown to the person who uploaded only (and to
superusers): it may quote what the sheet held.
"""

from __future__ import annotations

import hashlib
import json
import uuid

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import NoReverseMatch, reverse

from .models import Job
from .services import job_start

UPLOADS = "jobs/uploads/"
KIND = "import"


def sha256_of(stream, *, into=None) -> str:
    """The SHA-256 of a binary stream read to its end (copied to ``into`` on the way)."""
    digest = hashlib.sha256()
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
        if into is not None:
            into.write(chunk)
    return digest.hexdigest()


def store_upload(upload, *, extension: str) -> tuple[str, str]:
    """Keep an uploaded sheet for its jobs: (storage name, SHA-256)."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = default_storage.save(f"{UPLOADS}{uuid.uuid4().hex}/sheet.{extension}", upload)
    return name, digest.hexdigest()


def start_preview(*, resource: str, upload, extension: str, by, remote_addr=None) -> Job:
    """Store the upload and start its preview job (raises ValidationError when ``by`` may not)."""
    name, digest = store_upload(upload, extension=extension)
    params = {
        "resource": resource,
        "file": name,
        "name": f"sheet.{extension}",  # the chosen format decides how the file is read
        "filename": str(getattr(upload, "name", "") or "")[:200],
        "sha256": digest,
        "dry_run": True,
    }
    if remote_addr:
        params["remote_addr"] = remote_addr
    try:
        return job_start(kind=KIND, params=params, by=by)
    except ValidationError:
        default_storage.delete(name)
        raise


def report_of(job: Job) -> dict | None:
    """The report an import job stored (None while it runs, or when it failed)."""
    if job.kind != KIND or job.status != Job.Status.DONE or not job.result_file:
        return None
    try:
        with job.result_file.open("rb") as f:
            return json.loads(f.read().decode())
    except (OSError, ValueError):
        return None


def confirmation_of(job: Job) -> Job | None:
    """The write job started from this preview, if any."""
    return Job.objects.filter(kind=KIND, params__preview=job.pk).order_by("pk").first()


def may_confirm(job: Job, report: dict | None) -> bool:
    """A finished preview without refused rows and with something to write."""
    if not job.params.get("dry_run") or report is None:
        return False
    counts = report.get("counts", {})
    return not counts.get("invalid") and bool(counts.get("new") or counts.get("update"))


def start_write(preview: Job, *, by) -> Job:
    """The write job on the previewed file (one per preview: a second confirm returns it)."""
    with transaction.atomic():
        Job.objects.select_for_update().filter(pk=preview.pk).first()  # one confirm at a time
        started = confirmation_of(preview)
        if started is not None:
            return started
        params = {k: v for k, v in preview.params.items() if k != "dry_run"}
        params.update(dry_run=False, preview=preview.pk)
        return job_start(kind=KIND, params=params, by=by)


def admin_url(job: Job) -> str:
    """The admin page of an import job (its preview or result), '' when there is none."""
    from .kinds import EXPORTS

    entry = EXPORTS.get(job.params.get("resource"))
    if job.kind != KIND or entry is None:
        return ""
    app_label, codename = entry[1].split(".")
    model = codename.removeprefix("view_")
    try:
        return reverse(f"admin:{app_label}_{model}_import_job", kwargs={"pk": job.pk})
    except NoReverseMatch:
        return ""
