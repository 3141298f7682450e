"""Portal pages of 队伍建设: read-only for everyone, plus mentoring log entries.

Every queryset goes through ``visible_to(request.user)``; an object outside the user's scope
answers 404; a write without the model permission answers 403.
"""

from __future__ import annotations

import datetime
from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from chengjiang.access import get_visible_or_404
from chengjiang.importexport import escape_cell
from chengjiang.params import parse_date
from chengjiang.text import xml_safe

from . import selectors, services
from .forms import AllowancePeriodForm, MentoringLogForm
from .models import (
    GroupFigures,
    GroupLeader,
    GroupMeeting,
    MentoringLog,
    Pairing,
    ReserveCadre,
    VillageCadre,
    VillageCommitteeTerm,
    VillageGroup,
)

MSG_LOG_ADDED = _("The mentoring log entry has been added.")
MSG_BAD_DATE = _("Give a date such as 2024-10-01.")


def _view(perm: str):
    return permission_required(f"cadres.{perm}", raise_exception=True)


def _date_param(request) -> datetime.date:
    raw = request.GET.get("date")
    if not raw:
        return timezone.localdate()
    day = parse_date(raw)
    if day is None:
        messages.error(request, MSG_BAD_DATE)
        return timezone.localdate()
    return day


@require_GET
@_view("view_villagegroup")
def home(request):
    today = timezone.localdate()
    user = request.user
    counts = VillageGroup.objects.visible_to(user).aggregate(groups=Count("pk"))
    counts["leaders"] = GroupLeader.objects.visible_to(user).serving().count()
    counts["reserve"] = (
        ReserveCadre.objects.visible_to(user).exclude(status=ReserveCadre.Status.LEFT).count()
    )
    counts["pairings"] = Pairing.objects.visible_to(user).active_between(today, today).count()
    return render(request, "cadres/home.html", {"counts": counts, "today": today})


@require_GET
@_view("view_villagegroup")
def group_list(request):
    date = _date_param(request)
    groups = list(selectors.groups_for_page(request.user, date))
    by_tier: dict = {}
    for g in groups:
        by_tier[g.tier_level] = by_tier.get(g.tier_level, 0) + 1
    tiers = sorted((k, v) for k, v in by_tier.items() if k)
    return render(
        request,
        "cadres/group_list.html",
        {"groups": groups, "date": date, "tiers": tiers},
    )


@require_GET
@_view("view_villagegroup")
def group_detail(request, pk: int):
    date = _date_param(request)
    group = get_visible_or_404(
        VillageGroup.objects.select_related("village").with_tier(date), request.user, pk=pk
    )
    figures = GroupFigures.objects.filter(group=group).order_by("-effective_from")
    leaders = (
        GroupLeader.objects.filter(group=group)
        .select_related("member__branch")
        .order_by("-started_on")
    )
    meetings = GroupMeeting.objects.filter(group=group).for_list().order_by("round", "ballot")
    committee_term = (  # the term in force on the date, or the last one before it
        VillageCommitteeTerm.objects.filter(village=group.village, starts_on__lte=date)
        .order_by("-starts_on")
        .first()
    )
    return render(
        request,
        "cadres/group_detail.html",
        {
            "group": group,
            "date": date,
            "figures": figures,
            "leaders": leaders,
            "meetings": meetings,
            "committee_term": committee_term,
        },
    )


@require_GET
@_view("view_groupleader")
def leader_list(request):
    show_all = request.GET.get("all") == "1"
    leaders = selectors.leaders_for_page(request.user)
    if not show_all:
        leaders = leaders.serving()
    return render(request, "cadres/leader_list.html", {"leaders": leaders, "show_all": show_all})


def _sheet(request):
    """(form, sheet): the sheet of the chosen period, or None with the form's error."""
    default = selectors.SheetPeriod.month_of(timezone.localdate()).code
    form = AllowancePeriodForm({"period": request.GET.get("period") or default})
    if not form.is_valid():
        return form, None
    leaders = GroupLeader.objects.visible_to(request.user)
    return form, selectors.allowance_sheet(leaders=leaders, period=form.cleaned_data["period"])


def _sheet_page(request, form, sheet):
    status = 400 if sheet is None else 200
    return render(
        request, "cadres/allowance_sheet.html", {"sheet": sheet, "form": form}, status=status
    )


@require_GET
@_view("view_groupleader")
def allowance_sheet(request):
    form, sheet = _sheet(request)
    return _sheet_page(request, form, sheet)


@require_GET
@_view("view_groupleader")
def allowance_sheet_xlsx(request):
    from openpyxl import Workbook

    form, sheet = _sheet(request)
    if sheet is None:
        return _sheet_page(request, form, sheet)  # the page, with the form error
    wb = Workbook()
    ws = wb.active
    ws.title = sheet.period.label
    ws.append([gettext("Village group leaders' allowance sheet"), sheet.period.label])
    ws.append(
        [
            gettext("village"),
            gettext("village group"),
            gettext("group leader"),
            gettext("tier"),
            gettext("days served"),
            gettext("amount (yuan)"),
        ]
    )
    for row in sheet.rows:
        ws.append(
            [
                escape_cell(xml_safe(row.leader.group.village.name)),
                escape_cell(xml_safe(row.leader.group.name)),
                escape_cell(xml_safe(row.leader.name)),
                row.tier_display,
                row.days,
                float(row.amount),
            ]
        )
    ws.append([gettext("total"), "", "", "", "", float(sheet.total)])
    out = BytesIO()
    wb.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = content_disposition_header(
        True, gettext("allowances-%(period)s.xlsx") % {"period": sheet.period.label}
    )
    response["Cache-Control"] = "private, no-store"  # names of people: never kept in a cache
    return response


@require_GET
@_view("view_reservecadre")
def reserve_list(request):
    cadres = selectors.reserve_cadres_for_page(request.user)
    return render(request, "cadres/reserve_list.html", {"cadres": cadres})


@require_GET
@_view("view_reservecadre")
def reserve_detail(request, pk: int):
    cadre = get_visible_or_404(
        ReserveCadre.objects.select_related("village", "applicant__recruitment"),
        request.user,
        pk=pk,
    )
    statuses = cadre.statuses.order_by("since")
    pairings = Pairing.objects.filter(reserve_cadre=cadre).prefetch_related("mentors")
    return render(
        request,
        "cadres/reserve_detail.html",
        {"cadre": cadre, "statuses": statuses, "pairings": pairings},
    )


@require_GET
@_view("view_pairing")
def pairing_list(request):
    mode = request.GET.get("mode") or ""
    pairings = selectors.pairings_for_page(request.user).annotate(
        log_count=Count("logs", distinct=True)
    )
    if mode in Pairing.Mode.values:
        pairings = pairings.filter(mode=mode)
    counts = (
        Pairing.objects.visible_to(request.user)
        .order_by()
        .aggregate(
            one=Count("pk", filter=Q(mode=Pairing.Mode.ONE_TO_ONE)),
            many=Count("pk", filter=Q(mode=Pairing.Mode.MANY_TO_ONE)),
        )
    )
    return render(
        request,
        "cadres/pairing_list.html",
        {"pairings": pairings, "mode": mode, "counts": counts, "modes": Pairing.Mode.choices},
    )


def _pairing(request, pk: int) -> Pairing:
    return get_visible_or_404(
        Pairing.objects.select_related("reserve_cadre__village").prefetch_related(
            Prefetch("mentors", queryset=VillageCadre.objects.select_related("member__branch")),
            Prefetch("logs", queryset=MentoringLog.objects.select_related("mentor")),
        ),
        request.user,
        pk=pk,
    )


def _can_add_log(user) -> bool:
    return user.has_perm("cadres.add_mentoringlog")


@require_GET
@_view("view_pairing")
def pairing_detail(request, pk: int):
    pairing = _pairing(request, pk)
    form = (
        MentoringLogForm(pairing=pairing, initial={"date": timezone.localdate()})
        if _can_add_log(request.user) and pairing.ended_on is None
        else None
    )
    return render(request, "cadres/pairing_detail.html", {"pairing": pairing, "form": form})


@require_POST
@_view("view_pairing")
def pairing_log_add(request, pk: int):
    pairing = _pairing(request, pk)  # 404 outside the user's scope
    if not _can_add_log(request.user):
        raise PermissionDenied
    form = MentoringLogForm(request.POST, pairing=pairing)
    if form.is_valid():
        try:
            services.mentoring_log_add(
                pairing=pairing,
                date=form.cleaned_data["date"],
                content=form.cleaned_data["content"],
                mentor=form.cleaned_data["mentor"],
                by=request.user,
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, MSG_LOG_ADDED)
            return redirect(pairing.get_absolute_url())
    return render(
        request, "cadres/pairing_detail.html", {"pairing": pairing, "form": form}, status=400
    )
