"""Thin views: the dashboard, drill-downs, the year-end summary and its downloads, and the
office's few writes (wording, manual status, evidence, checklist import)."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from chengjiang import measures as registry
from chengjiang import tree
from chengjiang.access import get_visible_or_404, scope_path
from chengjiang.files import download
from chengjiang.importexport import import_counts
from chengjiang.jobs.offload import offload_year_file
from chengjiang.measures import Period
from chengjiang.params import id_or_404, parse_int, year_or_404
from chengjiang.text import clean_text

from . import selectors, services, summary
from .exports import DOCX_TYPE, XLSX_TYPE, progress_xlsx, report_docx
from .forms import DrilldownForm, EvidenceForm, ImportForm, ManualStatusForm, ReportDraftForm
from .invalidation import data_version
from .models import (
    Checklist,
    Evidence,
    ReportDraft,
    Section,
    Task,
    param_label,
)
from .report import default_wording, default_wording_applies, render_report

VIEW = "worktasks.view_task"
# The tree (``chengjiang.tree``): worktasks reads the apps only through measures and tables.
Organization = tree.organization_model()
Village = tree.village_model()
MSG_SAVED = _("The wording has been saved; the figures stay bound to the measures.")
MSG_RESET = _("The wording is back to the portal's default.")
MSG_STATUS_SAVED = _("The task's status has been saved.")
MSG_EVIDENCE_ADDED = _("The evidence has been attached.")
MSG_IMPORTED = _("The checklist has been imported: %(new)s new, %(update)s changed.")
MSG_IMPORT_EXPIRED = _("The preview has expired; upload the file again.")
SESSION_IMPORT = "worktasks_import"
IMPORT_ACTIONS = {
    "new": pgettext_lazy("import row", "new"),
    "update": pgettext_lazy("import row", "changed"),
    "skip": pgettext_lazy("import row", "unchanged"),
}


def _year(request, default: int | None = None) -> int:
    if default is not None:
        year_or_404(default)  # a year from the path: /reports/0/ is no report
    raw = request.GET.get("year") or default or timezone.localdate().year
    year = parse_int(raw, low=2000, high=2100)
    if year is None:
        raise Http404
    return year


def _scope(request):
    """(scope path, scope organisation) for the ``org`` parameter or the user's own scope."""
    path = scope_path(request.user)
    if path is None:
        raise Http404
    org_id = request.GET.get("org")
    if org_id:
        org = get_visible_or_404(Organization.objects, request.user, pk=id_or_404(org_id))
        return org.path, org
    return path, request.user.organization if path else None


MSG_ORG_NOT_FOUND = _("No organisation of that name in your scope.")
SEARCH_LIMIT = 20


@permission_required(VIEW, raise_exception=True)
def dashboard(request):
    """One level of the tree at a time: the chosen organisation's checklist progress, then the
    organisations directly under it, lagging first, each opening its own level."""
    checklists = list(Checklist.objects.order_by("-year"))  # one a year: a short list
    year = _year(request, default=selectors.default_year(checklists))
    if request.GET.get("org_name") and not request.GET.get("org"):
        found = _organization_named(request)
        if found is not None:
            return redirect(f"{reverse('worktasks:dashboard')}?year={year}&org={found.pk}")
        messages.error(request, MSG_ORG_NOT_FOUND)
    path, org = _scope(request)
    org_id = getattr(org, "pk", None)
    years = sorted({c.year for c in checklists} | {year}, reverse=True)
    checklist = next((c for c in checklists if c.year == year), None)
    state = request.GET.get("state")
    if state not in selectors.STATE_LABELS:
        state = None
    can_import = request.user.has_perm("worktasks.add_task")
    can_change = request.user.has_perm("worktasks.change_task")
    # The page below the header, rendered once per data version and day: a warm page is a cache
    # read. It begins with the re-elections due in the user's scope (as of today).
    key = "worktasks:dashboard-body:" + ":".join(
        str(part)
        for part in (
            data_version(),
            timezone.localdate(),
            get_language(),
            year,
            getattr(checklist, "pk", None),
            path,
            org_id,
            bool(request.GET.get("org")),
            scope_path(request.user),
            state,
            can_import,
            can_change,
        )
    )
    context = {
        "year": year,
        "years": years,
        "checklist": checklist,
        "scope_org": org,
    }
    body = cache.get(key)
    if body is None:
        context.update(_dashboard_body_context(request, year, path, org, checklist, state))
        context.update(can_import=can_import, can_change=can_change)
        body = render_to_string("worktasks/_dashboard_body.html", context, request=request)
        cache.set(key, body, selectors.CACHE_SECONDS)
    return render(request, "worktasks/dashboard.html", {**context, "body": mark_safe(body)})


def _dashboard_body_context(request, year, path, org, checklist, state) -> dict:
    org_id = getattr(org, "pk", None)
    progress = None
    if checklist is not None:
        progress = selectors.checklist_progress(checklist, path, org_id)
    level, trend = selectors.dashboard_panels(
        progress, node=org, year=year, dashboard_url=reverse("worktasks:dashboard")
    )
    # The 三会一课 grid lists every organisation of the subtree: only below the sub-districts.
    narrow = org is not None and org.kind != Organization.Kind.WORKING_COMMITTEE
    tables = selectors.cadence_tables(year, path) if narrow else []
    base_query = {"year": year, **({"org": org_id} if request.GET.get("org") else {})}
    chart = {"lines": [], "trend": None}
    if progress is not None:
        chart["lines"] = [
            {"name": str(r.label), "value": float(r.percent or 0)}
            for r in [*progress.lines, progress.overall]
        ]
    if trend is not None:
        chart["trend"] = {
            # the month in progress says so under its label (its line drops as if none were held)
            "months": [f"{m}\n{to_date}" if to_date else m for m, to_date in trend.columns()],
            "series": [{"name": s["name"], "data": s["data"]} for s in trend.series],
        }
    return {
        "progress": progress,
        "level": level,
        "crumbs": selectors.breadcrumbs(org, scope_path(request.user) or ""),
        "trend": trend,
        "tables": tables,
        "chart": chart,
        "state_filter": state,
        "state_filter_label": selectors.STATE_LABELS.get(state, ""),
        "base_query": urlencode(base_query),
        "summary_offered": default_wording_applies(org)
        or ReportDraft.objects.filter(year=year, scope=org).exists(),
    }


def _organization_named(request):
    name = clean_text(request.GET.get("org_name"), multiline=False).strip()[:100]
    return (
        Organization.objects.visible_to(request.user)
        .filter(name=name)
        .only("pk")
        .order_by("path")
        .first()
    )


@permission_required(VIEW, raise_exception=True)
def organization_search(request):
    """The scope chooser's suggestions: organisations in the user's scope whose name contains
    ``q`` (at most 20, the widest first), as JSON."""
    q = clean_text(request.GET.get("q"), multiline=False).strip()[:100]
    orgs = Organization.objects.visible_to(request.user)
    if q:
        orgs = orgs.filter(name__icontains=q)
    rows = orgs.order_by("depth", "path").values_list("pk", "name")[:SEARCH_LIMIT]
    return JsonResponse({"results": [{"id": pk, "name": name} for pk, name in rows]})


PER_PAGE = 50
COUNT_CAP = 10_000  # records counted at most, where the summary cannot give the count


@dataclass
class RecordsPage:
    """One page of a drill-down: offset paging whose count comes from the summary (the figure
    of a counted measure is its number of records), or is capped at COUNT_CAP."""

    number: int
    count: int
    capped: bool
    object_list: list

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // PER_PAGE))

    @property
    def start_index(self) -> int:
        return (self.number - 1) * PER_PAGE + 1

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def _records_page(records, number: int, known_count: int | None) -> RecordsPage:
    capped = False
    if known_count is None:
        known_count = records.order_by()[: COUNT_CAP + 1].count()
        capped = known_count > COUNT_CAP
        known_count = min(known_count, COUNT_CAP)
    pages = max(1, -(-known_count // PER_PAGE))
    number = min(max(number, 1), pages)
    offset = (number - 1) * PER_PAGE
    records = _totally_ordered(records)
    if capped or number <= (pages + 1) // 2:
        return RecordsPage(number, known_count, capped, list(records[offset : offset + PER_PAGE]))
    # the second half is read from the end, so no page skips more than half the records
    size = min(PER_PAGE, known_count - offset)
    from_end = known_count - offset - size
    rows = list(records.reverse()[from_end : from_end + size])
    return RecordsPage(number, known_count, capped, rows[::-1])


def _totally_ordered(records):
    """The records in their own order, ties broken by id (so the order can be reversed)."""
    order = list(records.query.order_by or records.model._meta.ordering or [])
    if not any(str(o).lstrip("-") in ("pk", "id") for o in order):
        order.append("-pk")
    return records.order_by(*order)


@permission_required(VIEW, raise_exception=True)
def drilldown(request, key: str):
    """The records behind a figure: the measure's queryset, scoped, a page at a time."""
    m = registry.REGISTRY.get(key)
    if m is None:
        raise Http404
    form = DrilldownForm(request.GET, measure=m)
    if not form.is_valid():
        # a query string no page of the portal makes: not found, saying what is wrong
        return render(request, "worktasks/drilldown.html", {"measure": m, "form": form}, status=404)
    data = form.cleaned_data
    year = data["year"] or timezone.localdate().year
    path, org = _scope(request)
    period = Period.year(year)
    if data["month"]:
        period = summary.month_period(year, data["month"])
    params = form.params()
    records = m.records(period=period, scope=path, **params)
    village = None
    if data["village"]:
        village = get_visible_or_404(Village.objects, request.user, pk=data["village"])
        if not m.village_field:
            raise Http404
        records = records.filter(**{m.village_field: village.pk})
        value = m.value_of(records, period=period, **params)
    else:
        value = summary.figure(m, period=period, scope=path, params=params)
    counted = village is None and summary.summarised(m) and m.monthly == "sum"
    page = _records_page(records, data["page"] or 1, value if counted else None)
    rows = []
    for obj in page.object_list:
        date = _follow(obj, m.date_field) if m.date_field else None
        url = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else None
        rows.append({"text": str(obj), "date": date, "url": url})
    labels = [param_label(m.params.get(k), v) for k, v in sorted(params.items())]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "worktasks/drilldown.html",
        {
            "measure": m,
            "labels": labels,
            "year": year,
            "period": period,
            "scope_org": org,
            "village": village,
            "value": selectors.number(value),
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "back": reverse("worktasks:dashboard")
            + f"?year={year}"
            + (f"&org={org.pk}" if org is not None and request.GET.get("org") else ""),
        },
    )


def _follow(obj, lookup: str):
    value = obj
    for part in lookup.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return value


def _report_context(request, year: int):
    """The summary as rendered for this scope, kept per data version (every figure is a
    query: a warm page reads them once)."""
    path, org = _scope(request)
    org_id = getattr(org, "pk", None)
    key = f"worktasks:report:{data_version()}:{get_language()}:{year}:{path}:{org_id}"
    report = cache.get(key)
    if report is None:
        report = render_report(year=year, scope=path, scope_org=org)
        cache.set(key, report, selectors.CACHE_SECONDS)
    return path, org, report


@permission_required(VIEW, raise_exception=True)
def report(request, year: int | None = None):
    if year is None:
        year = selectors.default_year()
    _year(request, default=year)
    _path, org, rendered = _report_context(request, year)
    query = request.GET.urlencode()
    return render(
        request,
        "worktasks/report.html",
        {
            "year": year,
            "report": rendered,
            "scope_org": org,
            "query": f"?{query}" if query else "",
            "can_edit": request.user.has_perm("worktasks.change_reportdraft") and org is not None,
        },
    )


@permission_required(VIEW, raise_exception=True)
def report_docx_download(request, year: int):
    year_or_404(year)
    path, org = _scope(request)
    offloaded = offload_year_file(request, "worktasks.report_docx", year, path, org)
    if offloaded is not None:
        return offloaded
    _path, _org, rendered = _report_context(request, year)
    if not rendered.offered:
        raise Http404
    response = HttpResponse(report_docx(rendered), content_type=DOCX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, gettext("summary-%(year)s.docx") % {"year": year}
    )
    return response


@permission_required(VIEW, raise_exception=True)
def progress_xlsx_download(request, year: int):
    year_or_404(year)
    path, org = _scope(request)
    checklist = Checklist.objects.filter(year=year).first()
    if checklist is None:
        raise Http404
    offloaded = offload_year_file(request, "worktasks.progress_xlsx", year, path, org)
    if offloaded is not None:
        return offloaded
    progress = selectors.checklist_progress(checklist, path, getattr(org, "pk", None))
    response = HttpResponse(progress_xlsx(progress), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, gettext("checklist-%(year)s.xlsx") % {"year": year}
    )
    return response


@permission_required("worktasks.change_reportdraft", raise_exception=True)
def report_edit(request, year: int):
    _year(request, default=year)
    path, org = _scope(request)
    if org is None:
        raise Http404  # a wording belongs to an organisation's scope
    rendered = render_report(year=year, scope=path, scope_org=org)
    draft = rendered.draft
    initial = (
        {"title": draft.title, **draft.sections()}
        if draft
        # a scope with no default of its own starts from the sub-district's, to be rewritten
        else default_wording(org) or default_wording(None)
    )
    back = reverse("worktasks:report", args=[year]) + f"?org={org.pk}"
    if request.method == "POST":
        if "reset" in request.POST:
            services.report_draft_reset(year=year, scope=org, by=request.user)
            messages.success(request, MSG_RESET)
            return redirect(back)
        form = ReportDraftForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.report_draft_save(
                    year=year,
                    scope=org,
                    title=data["title"],
                    sections={s.value: data[s.value] for s in Section},
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, MSG_SAVED)
                return redirect(back)
    else:
        form = ReportDraftForm(initial=initial)
    return render(
        request,
        "worktasks/report_edit.html",
        {
            "year": year,
            "form": form,
            "scope_org": org,
            "back": back,
            "measures": sorted(registry.REGISTRY.values(), key=lambda m: m.key),
        },
    )


def _task_for_write(request, pk: int) -> Task:
    return get_visible_or_404(Task.objects.select_related("checklist"), request.user, pk=pk)


@permission_required("worktasks.change_task", raise_exception=True)
def task_manual(request, pk: int):
    task = _task_for_write(request, pk)
    if not task.is_manual:
        raise Http404
    back = reverse("worktasks:dashboard") + f"?year={task.checklist.year}#task-{task.pk}"
    status_form = ManualStatusForm(
        request.POST if "save" in request.POST else None,
        initial={"status": task.manual_status, "note": task.manual_note},
    )
    evidence_form = EvidenceForm(
        request.POST if "upload" in request.POST else None,
        request.FILES if "upload" in request.POST else None,
    )
    if request.method == "POST":
        if "save" in request.POST and status_form.is_valid():
            services.task_set_manual_status(
                task=task,
                status=status_form.cleaned_data["status"],
                note=status_form.cleaned_data["note"],
                by=request.user,
            )
            messages.success(request, MSG_STATUS_SAVED)
            return redirect(back)
        if (
            "upload" in request.POST
            and request.user.has_perm("worktasks.add_evidence")
            and evidence_form.is_valid()
        ):
            try:
                services.evidence_add(
                    task=task,
                    upload=evidence_form.cleaned_data["file"],
                    description=evidence_form.cleaned_data["description"],
                    by=request.user,
                )
            except ValidationError as exc:
                evidence_form.add_error("file", exc)
            else:
                messages.success(request, MSG_EVIDENCE_ADDED)
                return redirect(back)
    return render(
        request,
        "worktasks/task_manual.html",
        {
            "task": task,
            "status_form": status_form,
            "evidence_form": evidence_form,
            "evidence": list(task.evidence.all()),
            "back": back,
        },
    )


@permission_required(VIEW, raise_exception=True)
def evidence_download(request, pk: int):
    evidence = get_visible_or_404(Evidence.objects, request.user, pk=pk)
    return download(
        evidence.file, filename=evidence.original_name, content_type=evidence.content_type
    )


PENDING_DIR = "import-pending"


def _pending_path(stored: dict | None) -> str | None:
    name = str((stored or {}).get("name") or "")
    if len(name) != 32 or not all(c in "0123456789abcdef" for c in name):
        return None  # only names this view made
    return f"{PENDING_DIR}/{name}"


def _write_pending(data: bytes) -> str:
    """Keep an uploaded sheet until it is confirmed (media storage: shared by every server)."""
    from uuid import uuid4

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    name = uuid4().hex
    default_storage.save(f"{PENDING_DIR}/{name}", ContentFile(data))
    return name


def _read_pending(stored: dict) -> bytes | None:
    from django.core.files.storage import default_storage

    path = _pending_path(stored)
    if path is None or not default_storage.exists(path):
        return None
    with default_storage.open(path, "rb") as file:
        return file.read()


def _drop_pending(stored: dict | None) -> None:
    from django.core.files.storage import default_storage

    path = _pending_path(stored)
    if path is not None and default_storage.exists(path):
        default_storage.delete(path)


@permission_required("worktasks.add_task", raise_exception=True)
def checklist_import(request):
    outcome = None
    form = ImportForm()
    if request.method == "POST" and "confirm" in request.POST:
        stored = request.session.get(SESSION_IMPORT)
        data = _read_pending(stored) if stored else None
        if data is None or stored.get("hash") != request.POST.get("hash"):
            messages.error(request, MSG_IMPORT_EXPIRED)
            return redirect("worktasks:import")
        outcome = services.checklist_import(
            data=data, by=request.user, dry_run=False, fmt=stored["fmt"]
        )
        if outcome.ok:
            _drop_pending(request.session.pop(SESSION_IMPORT, None))
            totals = outcome.counts()
            messages.success(
                request,
                MSG_IMPORTED % {"new": totals.get("new", 0), "update": totals.get("update", 0)},
            )
            return redirect("worktasks:dashboard")
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            fmt = "csv" if upload.name.lower().endswith(".csv") else "xlsx"
            data = upload.read()
            try:
                outcome = services.checklist_import(
                    data=data, by=request.user, dry_run=True, fmt=fmt
                )
            except ValidationError as exc:
                form.add_error("file", exc)
            else:
                digest = hashlib.sha256(data).hexdigest()
                # the file waits in a temporary file, not in the session (which every request
                # loads): the session holds only its name
                _drop_pending(request.session.get(SESSION_IMPORT))
                request.session[SESSION_IMPORT] = {
                    "name": _write_pending(data),
                    "fmt": fmt,
                    "hash": digest,
                }
                outcome.hash = digest
    preview = []
    if outcome is not None:
        # the spreadsheet's own row numbers: the header is row 1
        for number, row in enumerate(outcome.result.rows, start=2):
            action = IMPORT_ACTIONS.get(row.import_type, row.import_type)
            preview.append({"number": number, "type": action, "diff": row.diff})
    return render(
        request,
        "worktasks/import.html",
        {
            "form": form,
            "outcome": outcome,
            "preview": preview,
            "headers": outcome.result.diff_headers if outcome is not None else [],
            "counts": import_counts(outcome.result) if outcome is not None else {},
            "refused": services.MSG_IMPORT_REFUSED % {"count": len(outcome.errors)}
            if outcome is not None and outcome.errors
            else "",
        },
    )
