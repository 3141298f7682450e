"""The year-end files as jobs (``chengjiang.jobs``): the summary (.docx) and the checklist's
progress (.xlsx), made on a worker or in a thread when the scope is large
(``chengjiang/jobs/offload.py``) or from the 后台任务 page."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chengjiang.jobs.kinds import scope_of
from chengjiang.jobs.registry import JobFailed, Outcome, register

MSG_NO_CHECKLIST = _("There is no checklist for %(year)s.")
MSG_NO_SUMMARY = _("This scope has no year-end summary of its own.")
MSG_FILE_MADE = _("The file has been made.")


def _year(params: dict) -> int:
    from chengjiang.jobs.kinds import MSG_BAD_PARAMS

    try:
        year = int(params.get("year"))
    except (TypeError, ValueError):
        raise JobFailed(MSG_BAD_PARAMS) from None
    if not 2000 <= year <= 2100:
        raise JobFailed(MSG_BAD_PARAMS)
    return year


@register(
    "worktasks.report_docx", label=_("Year-end summary (.docx)"), allowed="worktasks.view_task"
)
def report_docx(params, *, by, progress) -> Outcome:
    from .exports import DOCX_TYPE
    from .exports import report_docx as make_docx
    from .report import render_report

    year = _year(params)
    progress(0, 2)
    path, org = scope_of(params, by)
    rendered = render_report(year=year, scope=path, scope_org=org)
    if not rendered.offered:
        raise JobFailed(MSG_NO_SUMMARY)
    progress(1, 2)
    content = make_docx(rendered)
    progress(2, 2)
    return Outcome(
        summary=str(MSG_FILE_MADE),
        content=content,
        filename=gettext("summary-%(year)s.docx") % {"year": year},
        content_type=DOCX_TYPE,
    )


@register(
    "worktasks.progress_xlsx", label=_("Checklist progress (.xlsx)"), allowed="worktasks.view_task"
)
def progress_xlsx(params, *, by, progress) -> Outcome:
    from . import selectors
    from .exports import XLSX_TYPE
    from .exports import progress_xlsx as make_xlsx
    from .models import Checklist

    year = _year(params)
    progress(0, 2)
    path, org = scope_of(params, by)
    checklist = Checklist.objects.filter(year=year).first()
    if checklist is None:
        raise JobFailed(gettext(MSG_NO_CHECKLIST) % {"year": year})
    figures = selectors.checklist_progress(checklist, path, getattr(org, "pk", None))
    progress(1, 2)
    content = make_xlsx(figures)
    progress(2, 2)
    return Outcome(
        summary=str(MSG_FILE_MADE),
        content=content,
        filename=gettext("checklist-%(year)s.xlsx") % {"year": year},
        content_type=XLSX_TYPE,
    )
