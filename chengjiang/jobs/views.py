"""A person's jobs: the list (with the forms that start one), a job's page with its progress bar
(``static/js/jobs.js`` polls ``status``), and the result's download."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from chengjiang.access import get_visible_or_404
from chengjiang.files import download as file_download
from chengjiang.params import parse_int

from . import services
from .imports import admin_url
from .models import Job
from .registry import KINDS, kind_label
from .runner import mark_stale, read_progress

ROW_ERRORS_SHOWN = 200
MSG_STILL_QUEUED = _(
    "The job is still waiting: the background worker may not be running. If this lasts, tell "
    "the sub-district office."
)
# Kinds whose result file is read by a page (an import's report: the admin's import page shows it
# to the person who uploaded), not downloaded.
PAGE_ONLY = ("import",)
STARTABLE = (
    "export",
    "worktasks.report_docx",
    "worktasks.progress_xlsx",
    "summaries.rebuild",
)


def _waiting_long(job: Job) -> bool:
    waited = (timezone.now() - job.created_at).total_seconds()
    return waited > settings.JOB_STALE_SECONDS


def _job(request, pk: int) -> Job:
    return mark_stale(get_visible_or_404(Job.objects, request.user, pk=pk))


def job_state(job: Job, user) -> dict:
    """What the page shows and the bar polls: status, progress, message, result. The refused
    rows (which may quote what the sheet held) are shown to the person who started the job."""
    done, total = job.done, job.total
    if job.status == Job.Status.RUNNING:
        seen = read_progress(job.pk)
        if seen:
            done, total = seen["done"], seen["total"]
    own = user.is_superuser or job.created_by_id == user.pk
    row_errors = job.row_errors if own else []
    message = job.message
    if job.status == Job.Status.QUEUED and _waiting_long(job):
        message = str(MSG_STILL_QUEUED)
    percent = None
    if total:
        percent = min(100, round(100 * done / total))
    elif job.status == Job.Status.DONE:
        percent = 100
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "finished": job.finished,
        "done": done,
        "total": total,
        "percent": percent,
        "message": message,
        "row_errors": row_errors[:ROW_ERRORS_SHOWN],
        "row_errors_count": len(row_errors),
        "download_url": (
            reverse("jobs:download", kwargs={"pk": job.pk})
            if job.status == Job.Status.DONE and job.result_file and job.kind not in PAGE_ONLY
            else ""
        ),
    }


def _start_forms(user) -> list[dict]:
    from .kinds import EXPORTS, FORMATS

    offered = []
    labels = _export_labels()
    for key in STARTABLE:
        kind = KINDS[key]
        if not kind.may_start(user) or not kind.available():
            continue
        entry = {"kind": key, "label": kind.label}
        if key == "summaries.rebuild":
            pass  # no settings
        elif key == "export":
            entry["resources"] = [
                (k, labels[k]) for k, (_p, perm) in EXPORTS.items() if user.has_perm(perm)
            ]
            entry["formats"] = list(FORMATS)
        else:
            entry["year"] = timezone.localdate().year
        offered.append(entry)
    return offered


def _export_labels() -> dict:
    from django.apps import apps

    from .kinds import EXPORTS

    labels = {}
    for key, (_path, perm) in EXPORTS.items():
        app_label, codename = perm.split(".")
        model = apps.get_model(app_label, codename.removeprefix("view_"))
        labels[key] = model._meta.verbose_name_plural
    return labels


@require_GET
def job_list(request):
    jobs = list(
        Job.objects.visible_to(request.user)
        .filter(created_by=request.user)
        .select_related("created_by")[:50]
    )
    rows = [(job, kind_label(job.kind), job_state(job, request.user)) for job in jobs]
    return render(
        request,
        "jobs/job_list.html",
        {"rows": rows, "start_forms": _start_forms(request.user)},
    )


@require_POST
def job_start(request):
    kind = request.POST.get("kind", "")
    params: dict = {}
    for name in ("resource", "format"):
        if request.POST.get(name):
            params[name] = request.POST[name][:40]
    if "year" in request.POST:
        year = parse_int(request.POST.get("year"), low=2000, high=2100)
        if year is None:
            raise Http404
        params["year"] = year
    if kind not in STARTABLE:
        raise Http404
    try:
        job = services.job_start(kind=kind, params=params, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("jobs:list")
    return redirect(job)


@require_GET
def job_detail(request, pk: int):
    job = _job(request, pk)
    own = request.user.is_superuser or job.created_by_id == request.user.pk
    return render(
        request,
        "jobs/job_detail.html",
        {
            "job": job,
            "label": kind_label(job.kind),
            "state": job_state(job, request.user),
            "import_url": admin_url(job) if own else "",
        },
    )


@require_GET
def job_status(request, pk: int):
    response = JsonResponse(job_state(_job(request, pk), request.user))
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def job_download(request, pk: int):
    job = _job(request, pk)
    if job.status != Job.Status.DONE or not job.result_file or job.kind in PAGE_ONLY:
        raise Http404
    return file_download(job.result_file, filename=job.result_name, content_type=job.result_type)
