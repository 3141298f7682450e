"""The secretaries' portal: thin views that fetch through the scope and call one service.

Reads need the model's view permission, writes its add/change permission (leadership: 403 on
every write page). A record outside the user's scope answers 404. A secretary edits only drafts
and returned records; office staff (``is_staff``) may correct any record, as the services allow.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chengjiang.access import get_visible_or_404, scope_path
from chengjiang.data_version import data_version
from chengjiang.files import download
from chengjiang.params import parse_id

from . import cadence, selectors, services
from .forms import (
    REFRESH_ATTENDANCE,
    ChooseOrganizationForm,
    MeetingFilterForm,
    MeetingForm,
    ReturnForm,
    ReviewForm,
    TalkFilterForm,
    TalkForm,
    active_organizations,
)
from .models import Attendance, Meeting, MeetingAttachment, Organization, Status, Talk
from .paging import keyset_page

PAGE_SIZE = 20

MSG_MEETING_SAVED = _("The meeting record has been saved. Submit it when it is complete.")
MSG_MEETING_SUBMITTED = _("The meeting record has been submitted for review.")
MSG_TALK_SAVED = _("The talk record has been saved. Submit it when it is complete.")
MSG_TALK_SUBMITTED = _("The talk record has been submitted for review.")
MSG_LOCKED = _(
    "This record has been submitted or approved; it can no longer be changed. "
    "Ask the sub-district office if it needs correcting."
)
MSG_FILES_AGAIN = _("Browsers do not keep chosen files after an error: please choose them again.")
MSG_APPROVED = _("Approved: “%(record)s” is now %(status)s.")
MSG_RETURNED = _("Returned: “%(record)s” is now %(status)s; its author will see your reason.")


def version_of(record) -> str:
    """The version a page shows (``updated_at``); a write from that page must still match it."""
    return record.updated_at.isoformat() if getattr(record, "updated_at", None) else ""


def _posted_version(request):
    return request.POST.get("version") or None


# How each reviewed model is reviewed: the permission and the services.
REVIEW = {
    Meeting: {
        "perm": "branches.review_meeting",
        "approve": lambda r, by, version: services.meeting_approve(
            meeting=r, by=by, version=version
        ),
        "return": lambda r, by, version, reason: services.meeting_return(
            meeting=r, by=by, version=version, reason=reason
        ),
        "submit": lambda r, by, version: services.meeting_submit(meeting=r, by=by, version=version),
        "submitted": MSG_MEETING_SUBMITTED,
        "change_perm": "branches.change_meeting",
    },
    Talk: {
        "perm": "branches.review_talk",
        "approve": lambda r, by, version: services.talk_approve(talk=r, by=by, version=version),
        "return": lambda r, by, version, reason: services.talk_return(
            talk=r, by=by, version=version, reason=reason
        ),
        "submit": lambda r, by, version: services.talk_submit(talk=r, by=by, version=version),
        "submitted": MSG_TALK_SUBMITTED,
        "change_perm": "branches.change_talk",
    },
}


def can_review(user, record) -> bool:
    """Approve and return are offered to reviewers (office staff) on submitted records only."""
    return record.status == Status.SUBMITTED and user.has_perm(REVIEW[type(record)]["perm"])


def review_context(request, record) -> dict:
    version = version_of(record)
    return {
        "can_review": can_review(request.user, record),
        "version": version,
        "return_form": ReturnForm(initial={"version": version}, auto_id="id_return_%s"),
        "can_submit": request.user.has_perm(REVIEW[type(record)]["change_perm"])
        and record.is_editable,
    }


def can_edit(user, record) -> bool:
    return record.is_editable or user.is_staff


def _page(request, qs):
    """A keyset page (``?after=`` / ``?before=``): no OFFSET, the total counted up to a cap."""
    return keyset_page(
        qs,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        size=PAGE_SIZE,
        query=_query_without_page(request),
    )


def _query_without_page(request) -> str:
    query = request.GET.copy()
    for name in ("page", "after", "before"):
        query.pop(name, None)
    return query.urlencode()


# --- home -----------------------------------------------------------------------------------


HOME_LIST_MAX = 20


class HomeCadence:
    """The home's tree-wide checks (三会一课, size), computed only when their cached sections miss.

    The template reads it inside ``{% cache %}`` blocks keyed by the data version, so a warm
    home skips ``cadence_matrix`` (the tree's organisations × months, Python-bound at a city's
    size) and a write shows at once. Lists are bounded whatever the tree (issue 12): the first
    HOME_LIST_MAX, most urgent first, and how many there are in all.
    """

    def __init__(self, *, scope: str | None, today):
        self.scope, self.today = scope, today

    @cached_property
    def wide(self) -> bool:
        """More organisations than HOME_TREE_MAX (a city's office): the cadence is counted in
        the database (``home_cadence_counts``), not built cell by cell in Python."""
        if self.scope is None:
            return False
        orgs = Organization.objects.within(self.scope)
        return orgs[: selectors.HOME_TREE_MAX + 1].count() > selectors.HOME_TREE_MAX

    @cached_property
    def counted(self):
        """The kept cells' grouped reads (``branches.cadence``); counted from the records when
        this year is not kept."""
        kept = cadence.home_figures(scope=self.scope, today=self.today)
        if kept is not None:
            return kept
        return selectors.home_cadence_counts(scope=self.scope, today=self.today)

    @cached_property
    def tables(self):
        if self.scope is None:
            return []
        return selectors.cadence_matrix(year=self.today.year, scope=self.scope, today=self.today)

    @cached_property
    def quarter(self):
        if self.wide:
            return self.counted.quarter
        if not self.tables:
            return []
        return selectors.quarter_cadence(scope=self.scope, today=self.today, tables=self.tables)

    @cached_property
    def _behind(self):
        if self.wide:
            return self.counted.behind
        if not self.tables:
            return []
        return selectors.villages_behind(scope=self.scope, today=self.today, tables=self.tables)

    @property
    def behind(self):
        return self._behind[:HOME_LIST_MAX]

    @property
    def behind_total(self) -> int:
        return len(self._behind)

    @cached_property
    def _size_warnings(self):
        return selectors.size_warnings_first(scope=self.scope, on=self.today, limit=HOME_LIST_MAX)

    @property
    def size_warnings(self):
        return self._size_warnings[0]

    @property
    def size_warnings_total(self) -> int:
        return self._size_warnings[1]


@require_GET
def home(request):
    user = request.user
    path = scope_path(user)
    organizations = list(
        active_organizations(user).select_related("village").order_by("path")[:100]
    )
    root_depth = min((o.depth for o in organizations), default=0)
    for org in organizations:
        org.rel_depth = min(org.depth - root_depth, 4)
    meetings, talks = selectors.editable_records(user)
    today = timezone.localdate()
    cadence = HomeCadence(scope=path, today=today)
    context = {
        "organizations": organizations,
        "draft_meetings": meetings,
        "draft_talks": talks,
        "cadence": cadence,
        # The cadence sections are cached per scope, day and data version (any write bumps it),
        # so a warm home reads no meetings and never shows a figure from before a write.
        "cadence_key": f"{path}:{today.isoformat()}:{data_version()}",
        "current_quarter": selectors.quarter_of(today),
        "can_add_meeting": user.has_perm("branches.add_meeting"),
        "can_add_talk": user.has_perm("branches.add_talk"),
        "is_reviewer": is_reviewer(user),
    }
    if context["is_reviewer"]:
        # The office's home: the review queue, villages behind on 三会一课, imports.
        context["queue"] = selectors.review_queue(user)
        context["imports"] = _import_links(user)
        # 组织委员's checks: size rules (warnings) and probation past its year.
        context["probation_overdue"], context["probation_overdue_total"] = (
            selectors.probation_overdue(scope=path, today=today)
        )
    return render(request, "branches/home.html", context)


def is_reviewer(user) -> bool:
    return user.has_perm("branches.review_meeting") or user.has_perm("branches.review_talk")


# The office's imports, as (label, admin url name, permission).
IMPORTS = (
    (_("Organisations"), "admin:branches_organization_import", "branches.add_organization"),
    (_("Party members"), "admin:branches_member_import", "branches.add_member"),
    (_("Meetings"), "admin:branches_meeting_import", "branches.add_meeting"),
    (_("Heart-to-heart talks"), "admin:branches_talk_import", "branches.add_talk"),
)


def _import_links(user) -> list[dict]:
    links = []
    if not user.is_staff:
        return links
    for label, name, perm in IMPORTS:
        if not user.has_perm(perm):
            continue
        try:
            links.append({"label": label, "url": reverse(name)})
        except NoReverseMatch:
            continue
    return links


# --- meetings -------------------------------------------------------------------------------


@require_GET
@permission_required("branches.view_meeting", raise_exception=True)
def meeting_list(request):
    form = MeetingFilterForm(request.GET or None, user=request.user)
    qs = selectors.meetings_for(request.user)
    if form.is_bound:
        qs = form.apply(qs)
    page = _page(request, qs)
    selectors.add_attendee_counts(page.object_list)
    return render(
        request,
        "branches/meeting_list.html",
        {
            "filter_form": form,
            "page": page,
            "query": _query_without_page(request),
            "can_add": request.user.has_perm("branches.add_meeting"),
        },
    )


@require_GET
@permission_required("branches.view_meeting", raise_exception=True)
def meeting_detail(request, pk: int):
    meeting = get_visible_or_404(
        Meeting.objects.select_related("organization", "host", "recorder", "leadership_team"),
        request.user,
        pk=pk,
    )
    attendances = list(meeting.attendances.select_related("member").order_by("member__name"))
    present = [a for a in attendances if a.present]
    leave = [a for a in attendances if a.status == Attendance.Status.LEAVE]
    absent = [a for a in attendances if a.status == Attendance.Status.ABSENT]
    expected = meeting.expected_count if meeting.expected_count is not None else len(attendances)
    return render(
        request,
        "branches/meeting_detail.html",
        {
            "meeting": meeting,
            "present": present,
            "absent": leave + absent,
            "counts": {
                "expected": expected,
                "present": len(present),
                "leave": len(leave),
                "absent": max(expected - len(present) - len(leave), 0),
            },
            "appraisals": list(
                meeting.appraisals.select_related("member").order_by("member__name")
            ),
            "attachments": list(meeting.attachments.order_by("recorded_at", "pk")),
            "can_change": request.user.has_perm("branches.change_meeting")
            and can_edit(request.user, meeting),
            **review_context(request, meeting),
        },
    )


def _chosen_organization(request):
    """The organisation of a new record from POST or ?organization= (scoped), or None."""
    raw = request.POST.get("organization") or request.GET.get("organization")
    pk = parse_id(raw)
    if pk is None:
        return None
    try:
        return active_organizations(request.user).get(pk=pk)
    except Organization.DoesNotExist:
        return None


def _choose_step(request, *, title, action):
    form = ChooseOrganizationForm(request.GET or None, user=request.user)
    matches, more = form.matches()
    if len(matches) == 1 and not more:
        return redirect(f"{reverse('branches:' + action)}?organization={matches[0].pk}")
    if form.is_bound:
        form.is_valid()  # show why the chosen organisation was refused
    return render(
        request,
        "branches/choose_organization.html",
        {"form": form, "title": title, "action": action, "matches": matches, "more": more},
    )


def _save_meeting(request, form, *, meeting):
    """Call the service; on a refusal, show it on the form and return None. The "update the
    list" button (``REFRESH_ATTENDANCE``, for pages without JavaScript) saves nothing: the form
    comes back with the attendance list of the chosen kind and date, and no errors."""
    if REFRESH_ATTENDANCE in request.POST:
        form.without_errors()
    elif form.is_valid():
        try:
            return services.meeting_save(
                meeting=form.instance,
                attendance=form.attendance_lines(),
                attachments=form.cleaned_data["attachments"],
                appraisals=form.appraisal_lines(),
                by=request.user,
                version=_posted_version(request) if meeting is not None else None,
            )
        except ValidationError as exc:
            form.add_service_error(exc)
    if request.FILES:
        messages.warning(request, MSG_FILES_AGAIN)
    return None


@require_http_methods(["GET", "POST"])
@permission_required("branches.add_meeting", raise_exception=True)
def meeting_create(request):
    organization = _chosen_organization(request)
    if request.method == "GET" and organization is None:
        return _choose_step(request, title=_("New meeting record"), action="meeting_create")
    form = MeetingForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        organization=organization,
        instance=Meeting(organization=organization) if organization else Meeting(),
    )
    if request.method == "POST":
        meeting = _save_meeting(request, form, meeting=None)
        if meeting is not None:
            messages.success(request, MSG_MEETING_SAVED)
            return redirect(meeting)
    return render(
        request,
        "branches/meeting_form.html",
        {"form": form, "organization": organization, "meeting": None},
    )


@require_http_methods(["GET", "POST"])
@permission_required("branches.change_meeting", raise_exception=True)
def meeting_edit(request, pk: int):
    meeting = get_visible_or_404(
        Meeting.objects.select_related("organization", "host"), request.user, pk=pk
    )
    if not can_edit(request.user, meeting):
        if request.method == "POST":
            raise PermissionDenied(MSG_LOCKED)
        messages.warning(request, MSG_LOCKED)
        return redirect(meeting)
    form = MeetingForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        organization=meeting.organization,
        instance=meeting,
    )
    if request.method == "POST":
        saved = _save_meeting(request, form, meeting=meeting)
        if saved is not None:
            messages.success(request, MSG_MEETING_SAVED)
            return redirect(saved)
    return render(
        request,
        "branches/meeting_form.html",
        {
            "form": form,
            "organization": meeting.organization,
            "meeting": meeting,
            "version": _posted_version(request) or version_of(meeting),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required("branches.change_meeting", raise_exception=True)
def meeting_submit(request, pk: int):
    """GET: the confirmation step (works without JavaScript); POST: submit for review."""
    return _submit(request, get_visible_or_404(Meeting.objects, request.user, pk=pk))


@require_POST
@permission_required("branches.review_meeting", raise_exception=True)
def meeting_approve(request, pk: int):
    return _approve(request, get_visible_or_404(Meeting.objects, request.user, pk=pk))


@require_http_methods(["GET", "POST"])
@permission_required("branches.review_meeting", raise_exception=True)
def meeting_return(request, pk: int):
    return _return(request, get_visible_or_404(Meeting.objects, request.user, pk=pk))


def _submit(request, record):
    review = REVIEW[type(record)]
    if request.method == "GET":
        if not record.is_editable:
            messages.warning(request, services.MSG_NOT_SUBMITTABLE)
            return redirect(record)
        return render(
            request,
            "branches/submit_confirm.html",
            {"record": record, "version": version_of(record)},
        )
    try:
        review["submit"](record, request.user, _posted_version(request))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, review["submitted"])
    return redirect(record)


def _approve(request, record):
    form = ReviewForm(request.POST)
    form.is_valid()
    try:
        REVIEW[type(record)]["approve"](
            record, request.user, form.cleaned_data.get("version") or None
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            MSG_APPROVED % {"record": record, "status": record.get_status_display()},
        )
    return redirect(record)


def _return(request, record):
    """GET: the return form on its own page; POST: return with the reason (required)."""
    if request.method == "GET":
        form = ReturnForm(initial={"version": version_of(record)})
    else:
        form = ReturnForm(request.POST)
        if form.is_valid():
            try:
                REVIEW[type(record)]["return"](
                    record,
                    request.user,
                    form.cleaned_data["version"] or None,
                    form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    MSG_RETURNED % {"record": record, "status": record.get_status_display()},
                )
                return redirect(record)
    if not can_review(request.user, record) and not form.errors:
        messages.warning(request, services.MSG_NOT_SUBMITTED)
        return redirect(record)
    return render(request, "branches/review_return.html", {"record": record, "form": form})


@require_GET
@permission_required("branches.view_meeting", raise_exception=True)
def attachment_download(request, pk: int):
    attachment = get_visible_or_404(MeetingAttachment.objects, request.user, pk=pk)
    return download(
        attachment.file, filename=attachment.original_name, content_type=attachment.content_type
    )


# --- talks ----------------------------------------------------------------------------------


@require_GET
@permission_required("branches.view_talk", raise_exception=True)
def talk_list(request):
    form = TalkFilterForm(request.GET or None, user=request.user)
    qs = selectors.talks_for(request.user)
    if form.is_bound:
        qs = form.apply(qs)
    page = _page(request, qs)
    selectors.add_person_times(page.object_list)
    return render(
        request,
        "branches/talk_list.html",
        {
            "filter_form": form,
            "page": page,
            "query": _query_without_page(request),
            "can_add": request.user.has_perm("branches.add_talk"),
        },
    )


@require_GET
@permission_required("branches.view_talk", raise_exception=True)
def talk_detail(request, pk: int):
    talk = get_visible_or_404(
        Talk.objects.select_related("organization", "talker"), request.user, pk=pk
    )
    participants = list(talk.participants.select_related("member").order_by("member__name", "name"))
    return render(
        request,
        "branches/talk_detail.html",
        {
            "talk": talk,
            "participants": participants,
            "can_change": request.user.has_perm("branches.change_talk")
            and can_edit(request.user, talk),
            **review_context(request, talk),
        },
    )


def _save_talk(request, form):
    if form.is_valid():
        try:
            return services.talk_save(
                talk=form.instance,
                participants=form.people(),
                by=request.user,
                version=_posted_version(request) if form.instance.pk else None,
            )
        except ValidationError as exc:
            form.add_service_error(exc)
    return None


@require_http_methods(["GET", "POST"])
@permission_required("branches.add_talk", raise_exception=True)
def talk_create(request):
    organization = _chosen_organization(request)
    if request.method == "GET" and organization is None:
        return _choose_step(request, title=_("New talk record"), action="talk_create")
    form = TalkForm(
        request.POST or None,
        user=request.user,
        organization=organization,
        instance=Talk(organization=organization) if organization else Talk(),
    )
    if request.method == "POST":
        talk = _save_talk(request, form)
        if talk is not None:
            messages.success(request, MSG_TALK_SAVED)
            return redirect(talk)
    return render(
        request,
        "branches/talk_form.html",
        {"form": form, "organization": organization, "talk": None},
    )


@require_http_methods(["GET", "POST"])
@permission_required("branches.change_talk", raise_exception=True)
def talk_edit(request, pk: int):
    talk = get_visible_or_404(
        Talk.objects.select_related("organization", "talker"), request.user, pk=pk
    )
    if not can_edit(request.user, talk):
        if request.method == "POST":
            raise PermissionDenied(MSG_LOCKED)
        messages.warning(request, MSG_LOCKED)
        return redirect(talk)
    form = TalkForm(
        request.POST or None, user=request.user, organization=talk.organization, instance=talk
    )
    if request.method == "POST":
        saved = _save_talk(request, form)
        if saved is not None:
            messages.success(request, MSG_TALK_SAVED)
            return redirect(saved)
    return render(
        request,
        "branches/talk_form.html",
        {
            "form": form,
            "organization": talk.organization,
            "talk": talk,
            "version": _posted_version(request) or version_of(talk),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required("branches.change_talk", raise_exception=True)
def talk_submit(request, pk: int):
    """GET: the confirmation step (works without JavaScript); POST: submit for review."""
    return _submit(request, get_visible_or_404(Talk.objects, request.user, pk=pk))


@require_POST
@permission_required("branches.review_talk", raise_exception=True)
def talk_approve(request, pk: int):
    return _approve(request, get_visible_or_404(Talk.objects, request.user, pk=pk))


@require_http_methods(["GET", "POST"])
@permission_required("branches.review_talk", raise_exception=True)
def talk_return(request, pk: int):
    return _return(request, get_visible_or_404(Talk.objects, request.user, pk=pk))
