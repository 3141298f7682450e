"""The portal's long work, wired as kinds of job (registered when the app is ready).

* ``export``: a register (members, meetings, …) exported in chunks, scoped and masked for the
  person who asked, as .xlsx or .csv;
* ``worktasks.report_docx`` / ``worktasks.progress_xlsx``: the year-end summary and the
  checklist's progress sheet, registered by ``chengjiang/worktasks/jobs.py`` (the shared layer
  imports no app; the registers below are named by dotted path, like the settings' models);
* ``import``: a stored sheet through the bulk import (``settings.JOB_IMPORT_FUNCTION``,
  ``import_rows(resource, file, *, by, dry_run, progress, name)`` returning a result with
  ``lines()`` — one "第 N 行：…" per refused row —, ``total`` and ``counts``);
* ``summaries.rebuild``: the dashboard's summaries (``settings.JOB_REBUILD_SUMMARIES_FUNCTION``,
  ``rebuild_summaries(progress=None)``);
* ``scale_data``: ``manage.py generate_scale_data`` (superusers, an empty database).
"""

from __future__ import annotations

import io
import json
import tempfile

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chengjiang.access import scope_path

from .imports import sha256_of
from .registry import JobFailed, Outcome, RowErrors, register

MSG_NO_SCOPE = _("The organisation was not found.")
MSG_BAD_PARAMS = _("The job's settings are not valid.")
MSG_HOOK_MISSING = _("This kind of job is not available on this server yet.")
MSG_ROWS_REFUSED = _("%(count)s rows were refused; nothing was imported.")
MSG_EXPORTED = _("%(count)s rows exported.")
MSG_IMPORTED = _("%(count)s rows imported.")
MSG_PREVIEWED = _(
    "Preview ready: %(new)s to add, %(update)s to change, %(skip)s unchanged. Nothing is written "
    "until you confirm."
)
MSG_FILE_CHANGED = _(
    "The stored file was changed after its preview; nothing was imported. Upload the file again."
)
MSG_UPLOAD_GONE = _("The uploaded file is no longer kept; nothing was imported. Upload it again.")
MSG_SUMMARIES = _("The summaries have been rebuilt.")
MSG_SCALE_DONE = _("The scale data has been generated.")


# What the ``export`` kind may export: key → (resource class, view permission).
EXPORTS = {
    "organizations": ("branches.resources.OrganizationResource", "branches.view_organization"),
    "members": ("branches.resources.MemberResource", "branches.view_member"),
    "meetings": ("branches.resources.MeetingResource", "branches.view_meeting"),
    "talks": ("branches.resources.TalkResource", "branches.view_talk"),
    "training_classes": (
        "training.resources.TrainingClassResource",
        "training.view_trainingclass",
    ),
}
FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _int(params: dict, name: str, *, low: int, high: int, required: bool = True) -> int | None:
    value = params.get(name)
    if value in (None, "") and not required:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise JobFailed(MSG_BAD_PARAMS) from None
    if not low <= number <= high:
        raise JobFailed(MSG_BAD_PARAMS)
    return number


def scope_of(params: dict, by):
    """(scope path, organisation) of the ``org`` parameter, or ``by``'s own scope."""
    from chengjiang.tree import organization_model

    path = scope_path(by)
    if path is None:
        raise JobFailed(MSG_NO_SCOPE)
    org_id = _int(params, "org", low=1, high=2**62, required=False)
    if org_id is None:
        return path, getattr(by, "organization", None) if path else None
    org = organization_model().objects.visible_to(by).filter(pk=org_id).first()
    if org is None:
        raise JobFailed(MSG_NO_SCOPE)
    return org.path, org


# --- exports ----------------------------------------------------------------------------------


def _may_export(user) -> bool:
    return any(user.has_perm(perm) for _path, perm in EXPORTS.values())


@register("export", label=_("Export a register"), allowed=_may_export)
def export(params, *, by, progress) -> Outcome:
    entry = EXPORTS.get(params.get("resource"))
    fmt = params.get("format", "xlsx")
    if entry is None or fmt not in FORMATS:
        raise JobFailed(MSG_BAD_PARAMS)
    resource_path, perm = entry
    if not by.has_perm(perm):
        raise JobFailed(MSG_BAD_PARAMS)
    fields = params.get("fields") or None
    if fields is not None and not (
        isinstance(fields, list) and all(isinstance(f, str) for f in fields)
    ):
        raise JobFailed(MSG_BAD_PARAMS)
    from chengjiang.streamexport import _csv_chunks, _xlsx_file, export_filename, export_rows

    resource = import_string(resource_path)(user=by)
    queryset = resource.get_queryset().order_by("pk")  # scoped to ``by``
    if params.get("pks") is not None:  # the rows chosen on the admin's list, still scoped
        chosen = [int(pk) for pk in params["pks"] if str(pk).isdigit()]
        queryset = queryset.filter(pk__in=chosen)
    total = queryset.count()
    progress(0, total)
    headers, rows = export_rows(resource, queryset, export_fields=fields, native=fmt == "xlsx")

    def counted():
        # the same rows as a streamed download (a chunk at a time, never the whole register)
        for done, row in enumerate(rows, start=1):
            yield row
            if done % 200 == 0:
                progress(done, total)
        progress(total, total)

    if fmt == "csv":
        content = tempfile.TemporaryFile(suffix=".csv")  # noqa: SIM115 (closed by the runner)
        for chunk in _csv_chunks(headers, counted()):
            content.write(chunk)
        content.seek(0)
    else:
        content = _xlsx_file(headers, counted(), resource.title())
    return Outcome(
        summary=gettext(MSG_EXPORTED) % {"count": total},
        content=content,
        filename=export_filename(resource, fmt),
        content_type=FORMATS[fmt],
    )


def export_key(resource_class) -> str | None:
    """The EXPORTS key of a resource class (None: it is not exported by jobs)."""
    dotted = f"{resource_class.__module__}.{resource_class.__qualname__}"
    return next((key for key, (path, _perm) in EXPORTS.items() if path == dotted), None)


# --- hooks to the bulk import and the dashboard's summaries -------------------------------------


def _hook(dotted: str):
    try:
        return import_string(dotted)
    except ImportError:
        raise JobFailed(MSG_HOOK_MISSING) from None


def _may_import(user) -> bool:
    return any(user.has_perm(perm.replace(".view_", ".add_")) for _p, perm in EXPORTS.values())


@register(
    "import",
    label=_("Import a sheet"),
    writes=True,
    allowed=_may_import,
    hook_setting="JOB_IMPORT_FUNCTION",
)
def import_sheet(params, *, by, progress) -> Outcome:
    """``params``: ``resource`` (a key of EXPORTS), ``file`` (a name in the default storage,
    stored by the page that took the upload), ``dry_run``, and from the admin's import page
    (``chengjiang/jobs/imports.py``) ``sha256`` (the file must still be the one previewed),
    ``name`` (how to read it), ``remote_addr`` (for the audit trail). One transaction
    (``writes=True``): a refused row leaves nothing written.

    A preview (``dry_run``) ends done, refused rows or not: its report (counts, every refused
    row up to ``REPORT_ERRORS``, the first rows with their changed cells) is the job's result
    file (JSON). A write with a refused row fails and lists the rows."""
    entry = EXPORTS.get(params.get("resource"))
    name = params.get("file") or ""
    if entry is None or not name.startswith("jobs/uploads/") or ".." in name:
        raise JobFailed(MSG_BAD_PARAMS)
    if not by.has_perm(entry[1].replace(".view_", ".add_")):
        raise JobFailed(MSG_BAD_PARAMS)
    import_rows = _hook(settings.JOB_IMPORT_FUNCTION)
    from chengjiang.importexport import ImportRefused

    dry_run = bool(params.get("dry_run"))
    resource = import_string(entry[0])(user=by)
    extra = {"remote_addr": params["remote_addr"]} if params.get("remote_addr") else {}
    with tempfile.SpooledTemporaryFile(max_size=8 << 20) as copy:
        # the bytes checked are the bytes read: a copy of the stored file, hashed on the way
        try:
            with default_storage.open(name, "rb") as stored:
                digest = sha256_of(stored, into=copy)
        except OSError:
            raise JobFailed(MSG_UPLOAD_GONE) from None
        if params.get("sha256") and digest != params["sha256"]:
            raise JobFailed(MSG_FILE_CHANGED)
        copy.seek(0)
        try:
            result = import_rows(
                resource,
                copy,
                by=by,
                dry_run=dry_run,
                progress=progress,
                name=params.get("name") or name,
                **extra,
            )
        except ImportRefused as exc:  # the file as a whole (size, type, too many rows)
            raise JobFailed(str(exc)) from None
    # the bulk import's result (chengjiang/bulkimport.py: BulkResult): "第 N 行：…" per bad row
    rows = [str(line) for line in result.lines()]
    counts = {k: int(result.counts.get(k, 0)) for k in ("new", "update", "skip")}
    counts["invalid"] = len(rows)
    if rows and not dry_run:
        raise RowErrors(gettext(MSG_ROWS_REFUSED) % {"count": len(rows)}, rows)
    if dry_run:
        summary = gettext(MSG_ROWS_REFUSED if rows else MSG_PREVIEWED) % {
            "count": len(rows),
            **counts,
        }
    else:
        from chengjiang.importexport import MSG_IMPORT_DONE

        summary = gettext(MSG_IMPORT_DONE) % counts
        transaction.on_commit(lambda: default_storage.delete(name))  # written: not kept
    report = import_report(resource, result, rows, counts, dry_run=dry_run)
    return Outcome(
        summary=summary,
        content=json.dumps(report, ensure_ascii=False).encode(),
        filename="preview.json" if dry_run else "import.json",
        content_type="application/json",
        data=counts,
    )


REPORT_ERRORS = 200  # refused rows kept in a preview's report (the total is kept too)


def import_report(resource, result, rows: list[str], counts: dict, *, dry_run: bool) -> dict:
    """What the admin's page shows of an import job: counts, the refused rows (bounded) with
    what names each (its first cell), the first rows with their changed cells."""
    errors = list(getattr(result, "errors", ()))
    labels = [str(getattr(e, "label", "") or "") for e in errors]
    labels += [""] * (len(rows) - len(labels))
    headers = [str(f.column_name) for f in resource.get_import_fields() if f.attribute != "pk"]
    preview = [
        {
            "number": p.number,
            "action": p.action,
            "cells": [str(c) for c in p.cells],
            "changed": [bool(c) for c in p.changed],
        }
        for p in getattr(result, "preview", ())
    ]
    return {
        "dry_run": dry_run,
        "total": int(getattr(result, "total", 0) or 0),
        "counts": counts,
        "errors": [
            {"line": line, "label": label}
            for line, label in zip(rows[:REPORT_ERRORS], labels, strict=False)
        ],
        "errors_count": len(rows),
        "headers": headers,
        "preview": preview,
    }


@register(
    "summaries.rebuild",
    label=_("Rebuild the dashboard's summaries"),
    writes=True,
    allowed=lambda user: user.is_superuser or user.has_perm("worktasks.change_task"),
    hook_setting="JOB_REBUILD_SUMMARIES_FUNCTION",
)
def rebuild_summaries(params, *, by, progress) -> Outcome:
    rebuild = _hook(settings.JOB_REBUILD_SUMMARIES_FUNCTION)
    rebuild(progress=progress)
    return Outcome(summary=str(MSG_SUMMARIES))


# --- scale data --------------------------------------------------------------------------------

SCALE_STEPS = 12  # the generator's progress lines (one per table written, and ANALYZE)


class _CountingOut(io.StringIO):
    """The command's output: each line is one step of the generator."""

    def __init__(self, progress):
        super().__init__()
        self.progress = progress
        self.lines = 0

    def write(self, text):
        if text.strip():
            self.lines += 1
            self.progress(min(self.lines, SCALE_STEPS - 1), SCALE_STEPS)
        return super().write(text)


SCALE_OPTIONS = ("subdistricts", "villages", "orgs", "members", "meetings", "talks", "year")


@register(
    "scale_data",
    label=_("Generate scale data"),
    writes=True,
    allowed=lambda user: user.is_superuser,
)
def scale_data(params, *, by, progress) -> Outcome:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    options = {k: _int(params, k, low=0, high=10**8) for k in SCALE_OPTIONS if k in params}
    out = _CountingOut(progress)
    progress(0, SCALE_STEPS)
    try:
        call_command("generate_scale_data", stdout=out, **options)
    except CommandError as exc:
        raise JobFailed(str(exc)) from None
    progress(SCALE_STEPS, SCALE_STEPS)
    return Outcome(summary=str(MSG_SCALE_DONE))
