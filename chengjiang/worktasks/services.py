"""Writes of the checklist and the year-end summary's wording. Views, forms, admin, imports and
the demo call these; nothing else saves these records."""

from __future__ import annotations

from dataclasses import dataclass

import tablib
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from chengjiang.access import acting_user, check_write_scope
from chengjiang.files import StoredFiles, display_name, store
from chengjiang.importexport import row_reasons
from chengjiang.uploads import check_upload

from .models import Checklist, Evidence, ManualStatus, ReportDraft, Section, Task
from .report import validate_wording
from .resources import TaskResource

MSG_NOT_MANUAL = _("Only manual tasks take a status and evidence; this task is bound to a measure.")
MSG_IMPORT_REFUSED = _(
    "Nothing was imported: %(count)s row(s) have errors. Correct them and upload the file again."
)
MSG_IMPORT_UNREADABLE = _("The file could not be read as an Excel (.xlsx) or CSV sheet.")


@transaction.atomic
def checklist_save(*, checklist: Checklist, by) -> Checklist:
    check_write_scope(by, checklist)
    checklist.full_clean()
    checklist.save()
    return checklist


@transaction.atomic
def task_save(*, task: Task, by) -> Task:
    check_write_scope(by, task)
    task.full_clean()
    task.save()
    return task


@transaction.atomic
def task_set_manual_status(*, task: Task, status: str, note: str = "", by) -> Task:
    check_write_scope(by, task)
    if not task.is_manual:
        raise ValidationError(MSG_NOT_MANUAL)
    task.manual_status = ManualStatus(status)
    task.manual_note = note
    task.full_clean()
    task.save()
    return task


@transaction.atomic
def evidence_add(*, task: Task, upload, description: str = "", by) -> Evidence:
    """Attach a file (JPEG, PNG or PDF, checked by content) to a manual task."""
    check_write_scope(by, task)
    if not task.is_manual:
        raise ValidationError(MSG_NOT_MANUAL)
    kind = check_upload(upload)
    evidence = Evidence(
        task=task,
        original_name=display_name(upload.name),
        content_type=kind.content_type,
        size=upload.size,
        description=description,
        recorded_by=acting_user(by),
    )
    with StoredFiles() as stored:
        store(evidence.file, f"upload.{kind.extension}", upload, stored=stored)
        evidence.full_clean()
        evidence.save()
    return evidence


@transaction.atomic
def report_draft_save(*, year: int, scope, title: str, sections: dict[str, str], by) -> ReportDraft:
    """Save the office's wording for (year, scope); placeholders are checked, numbers refused."""
    check_write_scope(by, scope)
    errors = {}
    for name, text in [("title", title), *((s.value, sections[s.value]) for s in Section)]:
        try:
            validate_wording(text)
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    draft = ReportDraft.objects.select_for_update().filter(year=year, scope=scope).first()
    draft = draft or ReportDraft(year=year, scope=scope)
    draft.title = title
    for section in Section:
        setattr(draft, section.value, sections[section.value])
    draft.updated_by = acting_user(by)
    draft.full_clean()
    draft.save()
    return draft


@transaction.atomic
def report_draft_reset(*, year: int, scope, by) -> None:
    """Back to the portal's default wording."""
    check_write_scope(by, scope)
    ReportDraft.objects.filter(year=year, scope=scope).delete()


@dataclass
class ImportOutcome:
    result: object
    errors: list[str]
    dry_run: bool

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        totals = getattr(self.result, "totals", {}) or {}
        return {k: int(v) for k, v in totals.items()}


def load_sheet(data: bytes, *, fmt: str = "xlsx") -> tablib.Dataset:
    """The sheet as the admin imports read it: formulas seen, UTF-8 or GBK, size and row limits."""
    from chengjiang.importexport import ImportRefused, SafeCSV, SafeXLSX

    try:
        return (SafeCSV() if fmt == "csv" else SafeXLSX()).create_dataset(data)
    except ImportRefused as exc:
        raise ValidationError(str(exc)) from exc
    except Exception as exc:  # tablib/openpyxl raise many kinds
        raise ValidationError(MSG_IMPORT_UNREADABLE) from exc


def checklist_import(*, data: bytes, by, dry_run: bool, fmt: str = "xlsx") -> ImportOutcome:
    """Import the district's sheet: a preview with ``dry_run``; otherwise all rows or none."""
    dataset = load_sheet(data, fmt=fmt)
    if by is None:
        raise TypeError("an import needs its acting user (by=...)")
    resource = TaskResource(user=by)
    with transaction.atomic():
        result = resource.import_data(
            dataset, dry_run=True, raise_errors=False, use_transactions=True
        )
    errors = row_reasons(result)
    if errors or dry_run:
        return ImportOutcome(result=result, errors=errors, dry_run=True)
    with transaction.atomic():
        result = resource.import_data(
            dataset, dry_run=False, raise_errors=False, use_transactions=True
        )
        errors = row_reasons(result)
        if errors:  # changed since the preview: write nothing
            transaction.set_rollback(True)
    return ImportOutcome(result=result, errors=errors, dry_run=False)
