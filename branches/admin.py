"""组织建设 in the admin, for office staff: scoped rows and choices, writes through the services.

The tree is changed only by the actions (新成立 from "add", 分设党小组, 调整隶属关系, 撤销,
调整书记), each on a small form page; a plain edit cannot change an organisation's parent or
path. Meetings and talks are approved or returned with a reason by actions. Imports and exports
(xlsx, csv) go through branches.resources with chengjiang.importexport's rules.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chengjiang.admin import (
    CleanTextAdminMixin,
    ScopedModelAdmin,
    ScopedTabularInline,
    ServiceRefusalMixin,
    ServiceSavesMixin,
    UploadedFileColumnsMixin,
    formset_outcome,
    year_filter,
)
from chengjiang.admin_actions import act_on_each, action_form_page, error_text, form_then_act
from chengjiang.importexport import ScopedImportExportMixin

from . import services
from .forms import MemberChoiceField, MemberMultipleChoiceField
from .models import (
    Attendance,
    CadenceRule,
    DemocraticAppraisal,
    LeadershipTeam,
    LeadershipTeamMember,
    Meeting,
    MeetingAttachment,
    Member,
    Organization,
    OrgChange,
    Post,
    SecretaryTerm,
    Status,
    Talk,
    TalkParticipant,
    Village,
)
from .resources import MeetingResource, MemberResource, OrganizationResource, TalkResource

MSG_DONE = _("%(count)s record(s) done.")

# One small page for every action that needs a form (reason, date, new parent …): a template, so
# that its text is translated like every other page.

MSG_COUNTS = _("expected %(expected)s, present %(present)s, on leave %(leave)s, absent %(absent)s")
MSG_APPROVED = _("Approved: “%(record)s” is now %(status)s.")
MSG_RETURNED = _("Returned: “%(record)s” is now %(status)s; its author will see your reason.")


def _today():
    return timezone.localdate()


class DateForm(forms.Form):
    date = forms.DateField(
        label=_("date"), initial=_today, widget=forms.DateInput(attrs={"type": "date"})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("reason for return"),
        max_length=300,
        widget=forms.Textarea,
        error_messages={"required": services.MSG_RETURN_REASON},
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)


class MoveForm(DateForm):
    new_parent = forms.ModelChoiceField(label=_("new parent"), queryset=Organization.objects.none())
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class DissolveForm(DateForm):
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class GroupsForm(DateForm):
    names = forms.CharField(
        label=_("Party group names"),
        widget=forms.Textarea,
        help_text=_("One name a line."),
    )


class SecretaryForm(DateForm):
    member = MemberChoiceField(label=_("secretary"), queryset=Member.objects.none())


class PostForm(DateForm):
    post = forms.ChoiceField(label=_("post"), choices=Post.choices)
    member = MemberChoiceField(label=_("post holder"), queryset=Member.objects.none())


class ReelectForm(DateForm):
    """换届: the new committee, elected on the date (书记 required, the other posts as elected)."""

    secretary = MemberChoiceField(label=_("secretary"), queryset=Member.objects.none())
    deputy = MemberChoiceField(
        label=_("deputy secretary"), queryset=Member.objects.none(), required=False
    )
    organisation = MemberChoiceField(
        label=_("organisation committee member"), queryset=Member.objects.none(), required=False
    )
    propaganda = MemberChoiceField(
        label=_("publicity committee member"), queryset=Member.objects.none(), required=False
    )
    discipline = MemberChoiceField(
        label=_("discipline inspection committee member"),
        queryset=Member.objects.none(),
        required=False,
    )
    members = MemberMultipleChoiceField(
        label=_("committee member"), queryset=Member.objects.none(), required=False
    )
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    POSTS = (
        ("secretary", Post.SECRETARY),
        ("deputy", Post.DEPUTY_SECRETARY),
        ("organisation", Post.ORGANISATION),
        ("propaganda", Post.PROPAGANDA),
        ("discipline", Post.DISCIPLINE),
    )

    def set_members(self, members) -> None:
        for name in (*(n for n, _post in self.POSTS), "members"):
            self.fields[name].queryset = members

    @classmethod
    def committee(cls, data) -> list:
        pairs = [(data[name], post) for name, post in cls.POSTS if data.get(name)]
        return pairs + [(m, Post.MEMBER) for m in data.get("members") or []]


class ConfirmForm(DateForm):
    """转正: the date the branch confirmed the member (the probationary year over)."""


class EstablishForm(DateForm):
    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=Organization.Kind.choices)
    parent = forms.ModelChoiceField(
        label=_("parent organisation"), queryset=Organization.objects.none()
    )
    village = forms.ModelChoiceField(
        label=_("village"), queryset=Village.objects.none(), required=False
    )
    note = forms.CharField(label=_("note"), max_length=200, required=False)


# --- villages, organisations ------------------------------------------------------------------


@admin.register(Village)
class VillageAdmin(ScopedModelAdmin):
    list_display = ("name", "kind")
    list_filter = ("kind",)
    search_fields = ("name",)


class SecretaryTermInline(ScopedTabularInline):
    model = SecretaryTerm
    fields = ("post_shown", "member", "started_on", "ended_on")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # appointments go through the "appoint secretary" action

    @admin.display(description=_("post"))
    def post_shown(self, obj):
        return obj.post_label  # 组长 for a Party group


class OrgChangeInline(ScopedTabularInline):
    model = OrgChange
    fk_name = "organization"
    fields = (
        "date",
        "kind_shown",
        "old_parent",
        "new_parent",
        "old_secretary",
        "new_secretary",
        "note",
    )
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("kind"))
    def kind_shown(self, obj):
        return obj.kind_label  # 调整组长 for a Party group


@admin.register(Organization)
class OrganizationAdmin(ScopedImportExportMixin, ScopedModelAdmin):
    resource_classes = [OrganizationResource]
    list_display = (
        "indented_name",
        "kind",
        "parent",
        "village",
        "established_on",
        "term_ends_on",
        "dissolved_on",
    )
    list_select_related = ("parent", "village")
    list_filter = ("kind", "village", ("dissolved_on", admin.EmptyFieldListFilter))
    search_fields = ("name",)
    date_hierarchy = "established_on"
    ordering = ("path",)
    inlines = (SecretaryTermInline, OrgChangeInline)
    actions = (
        "move_action",
        "dissolve_action",
        "groups_action",
        "secretary_action",
        "post_action",
        "reelect_action",
        "align_village_action",
    )

    # a plain edit changes the name only; the tree changes through the actions
    def get_readonly_fields(self, request, obj=None):
        return (
            "kind",
            "parent",
            "village",
            "established_on",
            "dissolved_on",
            "term_started_on",
            "term_ends_on",
            "path",
            "depth",
        )

    def get_fields(self, request, obj=None):
        return (
            "name",
            "kind",
            "parent",
            "village",
            "established_on",
            "dissolved_on",
            "term_started_on",
            "term_ends_on",
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The size rules are warnings on the organisation's page, never a refusal."""
        if request.method == "GET":
            from . import selectors

            obj = self.get_object(request, object_id)
            if obj is not None and obj.kind in (
                Organization.Kind.BRANCH,
                Organization.Kind.GENERAL_BRANCH,
                Organization.Kind.PARTY_COMMITTEE,
            ):
                for warning in selectors.size_warnings(scope=obj.path, orgs=[obj]):
                    messages.warning(request, warning.message)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, obj):
        return "　" * obj.depth + obj.name

    def save_model(self, request, obj, form, change):
        services.organization_rename(organization=obj, name=obj.name, by=request.user)

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "establish/",
                self.admin_site.admin_view(self.establish_view),
                name="%s_%s_establish" % info,
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        info = self.model._meta.app_label, self.model._meta.model_name
        return HttpResponseRedirect(reverse("admin:%s_%s_establish" % info))

    def establish_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = EstablishForm(request.POST or None)
        form.fields["parent"].queryset = Organization.objects.visible_to(request.user).filter(
            dissolved_on__isnull=True
        )
        form.fields["village"].queryset = Village.objects.visible_to(request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                org = services.organization_establish(
                    name=data["name"],
                    kind=data["kind"],
                    parent=data["parent"],
                    village=data["village"],
                    date=data["date"],
                    note=data["note"],
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, gettext(MSG_DONE) % {"count": 1})
                info = self.model._meta.app_label, self.model._meta.model_name
                return HttpResponseRedirect(reverse("admin:%s_%s_change" % info, args=[org.pk]))
        return action_form_page(
            request,
            self,
            title=gettext("Establish an organisation"),
            intro=gettext("The new organisation and the event are recorded together."),
            form=form,
        )

    @admin.action(description=_("Adjust subordination (move)"), permissions=["change"])
    def move_action(self, request, queryset):
        scoped = Organization.objects.visible_to(request.user).filter(dissolved_on__isnull=True)

        class Form(MoveForm):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.fields["new_parent"].queryset = scoped

        return form_then_act(
            self,
            request,
            queryset,
            form_class=Form,
            title=gettext("Adjust subordination"),
            intro=gettext("Move the organisations below (with everything under them) to:"),
            act=lambda org, d: services.organization_move(
                organization=org,
                new_parent=d["new_parent"],
                date=d["date"],
                note=d["note"],
                by=request.user,
            ),
        )

    @admin.action(description=_("Dissolve"), permissions=["change"])
    def dissolve_action(self, request, queryset):
        return form_then_act(
            self,
            request,
            queryset,
            form_class=DissolveForm,
            title=gettext("Dissolve"),
            intro=gettext("Dissolve the organisations below:"),
            act=lambda org, d: services.organization_dissolve(
                organization=org, date=d["date"], note=d["note"], by=request.user
            ),
        )

    @admin.action(description=_("Set up Party groups"), permissions=["add"])
    def groups_action(self, request, queryset):
        return form_then_act(
            self,
            request,
            queryset,
            form_class=GroupsForm,
            title=gettext("Set up Party groups"),
            intro=gettext("Set up Party groups under the branches below:"),
            act=lambda org, d: services.party_groups_set_up(
                branch=org, names=d["names"].splitlines(), date=d["date"], by=request.user
            ),
        )

    @admin.action(
        description=_("Correct the village to the parent organisation's"), permissions=["change"]
    )
    def align_village_action(self, request, queryset):
        act_on_each(
            request,
            queryset,
            lambda org: services.organization_align_village(organization=org, by=request.user),
            title=gettext("Correct the village"),
        )

    @admin.action(description=_("Appoint the secretary"), permissions=["change"])
    def secretary_action(self, request, queryset):
        members = Member.objects.visible_to(request.user)
        if queryset.count() == 1:
            members = Member.objects.of_organization(queryset.get()).visible_to(request.user)

        class Form(SecretaryForm):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.fields["member"].queryset = members

        return form_then_act(
            self,
            request,
            queryset,
            form_class=Form,
            title=gettext("Appoint the secretary"),
            intro=gettext("The secretary of the organisation below (a replacement is recorded):"),
            act=lambda org, d: services.secretary_appoint(
                organization=org, member=d["member"], date=d["date"], by=request.user
            ),
        )

    def _members_of(self, request, queryset):
        members = Member.objects.visible_to(request.user)
        if queryset.count() == 1:
            members = Member.objects.of_organization(queryset.get()).visible_to(request.user)
        return members

    @admin.action(description=_("Appoint a committee member"), permissions=["change"])
    def post_action(self, request, queryset):
        members = self._members_of(request, queryset)

        class Form(PostForm):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.fields["member"].queryset = members

        return form_then_act(
            self,
            request,
            queryset,
            form_class=Form,
            title=gettext("Appoint a committee member"),
            one_at_a_time=True,
            intro=gettext("A post of the committee of the organisation below:"),
            act=lambda org, d: services.post_appoint(
                organization=org,
                member=d["member"],
                post=d["post"],
                date=d["date"],
                by=request.user,
            ),
        )

    @admin.action(description=_("Record a re-election"), permissions=["change"])
    def reelect_action(self, request, queryset):
        members = self._members_of(request, queryset)

        class Form(ReelectForm):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.set_members(members)

        return form_then_act(
            self,
            request,
            queryset,
            form_class=Form,
            title=gettext("Record a re-election"),
            one_at_a_time=True,
            intro=gettext(
                "The new committee elected on the date; the new term starts that day and the "
                "old committee's posts end the day before:"
            ),
            act=lambda org, d: services.organization_reelect(
                organization=org,
                date=d["date"],
                committee=ReelectForm.committee(d),
                note=d["note"],
                by=request.user,
            ),
        )


@admin.register(OrgChange)
class OrgChangeAdmin(ScopedModelAdmin):
    list_display = (
        "date",
        "kind_shown",
        "organization",
        "old_parent",
        "new_parent",
        "new_secretary",
    )
    list_select_related = ("organization", "old_parent", "new_parent", "new_secretary")
    list_filter = ("kind",)
    search_fields = ("organization__name", "note")
    date_hierarchy = "date"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("kind"), ordering="kind")
    def kind_shown(self, obj):
        return obj.kind_label  # 调整组长 for a Party group


@admin.register(SecretaryTerm)
class SecretaryTermAdmin(ScopedModelAdmin):
    list_display = ("organization", "post_shown", "member", "started_on", "ended_on")
    list_select_related = ("organization", "member")
    list_filter = ("post",)

    @admin.display(description=_("post"), ordering="post")
    def post_shown(self, obj):
        return obj.post_label  # 组长 for a Party group

    search_fields = ("organization__name", "member__name")
    date_hierarchy = "started_on"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- members ----------------------------------------------------------------------------------


@admin.register(Member)
class MemberAdmin(ScopedImportExportMixin, ScopedModelAdmin):
    resource_classes = [MemberResource]
    list_display = (
        "name",
        "gender",
        "id_number_shown",
        "phone_shown",
        "category",
        "branch",
        "group",
    )
    list_select_related = ("branch", "group")
    list_filter = (year_filter("joined_on"), "category", "gender", "education", "branch__village")
    search_fields = ("name",)  # an ID number is found by the POST form (chengjiang.admin)
    autocomplete_fields = ("branch", "group")

    @admin.display(description=_("ID number"))
    def id_number_shown(self, obj):
        return obj.masked_id_number

    @admin.display(description=_("phone"))
    def phone_shown(self, obj):
        return obj.masked_phone

    # Lists show masks to everyone: a full value is only seen on one member's change form, and
    # only by holders of the permission (chengjiang.admin.ScopedModelAdmin records the view).

    actions = ("confirm_action",)

    def save_model(self, request, obj, form, change):
        services.member_save(member=obj, by=request.user)

    @admin.action(description=_("Confirm as full members"), permissions=["change"])
    def confirm_action(self, request, queryset):
        return form_then_act(
            self,
            request,
            queryset,
            form_class=ConfirmForm,
            title=gettext("Confirm as full members"),
            intro=gettext("The probationary members below become full members on the date:"),
            act=lambda member, d: services.member_confirm_full(
                member=member, date=d["date"], by=request.user
            ),
        )


# --- meetings ---------------------------------------------------------------------------------


class AttendanceFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors) or not getattr(self.instance, "organization_id", None):
            return
        lines = [
            services.AttendanceLine(
                member=f.cleaned_data["member"],
                status=f.cleaned_data.get("status") or Attendance.Status.PRESENT,
                absence_reason=f.cleaned_data.get("absence_reason", ""),
            )
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("member")
        ]
        services._validate_meeting_attendance(self.instance, lines)
        self.lines = lines


class AttendanceInline(ScopedTabularInline):
    model = Attendance
    formset = AttendanceFormSet
    fields = ("member", "status", "absence_reason")
    autocomplete_fields = ("member",)


class AppraisalFormSet(forms.BaseInlineFormSet):
    """民主评议党员: the ratings, written by ``meeting_save`` as one list."""

    def clean(self):
        super().clean()
        if any(self.errors) or not getattr(self.instance, "organization_id", None):
            return
        lines = [
            services.AppraisalLine(member=f.cleaned_data["member"], rating=f.cleaned_data["rating"])
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("member")
        ]
        services._validate_appraisals(self.instance, lines)
        self.appraisal_lines = lines


class AppraisalInline(ScopedTabularInline):
    model = DemocraticAppraisal
    formset = AppraisalFormSet
    fields = ("member", "rating")
    autocomplete_fields = ("member",)


class AttachmentInline(UploadedFileColumnsMixin, ScopedTabularInline):
    model = MeetingAttachment
    fields = ("original_name", "file_kind", "file_size", "recorded_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # uploads are checked in the portal's form (chengjiang.uploads)


class ReviewQueueFilter(admin.SimpleListFilter):
    """待审核: submitted records, the oldest submission first (the office home links here)."""

    title = _("review queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("pending", _("waiting for review"))]

    def queryset(self, request, queryset):
        if self.value() == "pending":
            return queryset.filter(status=Status.SUBMITTED)
        return queryset


class ReviewActionsMixin:
    """Approve, or return with a reason, submitted records (meetings and talks): on the change
    page of a submitted record (buttons) and as bulk actions on the list."""

    approve_service = None
    return_service = None
    record_arg = None
    review_permission = None  # "branches.review_meeting" …
    change_form_template = "admin/branches/reviewed_change_form.html"
    actions = ("approve_action", "return_action")
    readonly_fields = (
        "status",
        "return_reason",
        "recorded_by",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
    )

    def has_review_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(self.review_permission)

    def get_form(self, request, obj=None, change=False, **kwargs):
        """An edit posts the version its page showed (``_version``); a record changed since, by a
        review or another edit, is refused with the Chinese message instead of overwritten."""
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            return form_class

        class VersionedForm(form_class):
            def clean(self):
                cleaned = super().clean()
                seen = self.data.get("_version")
                if seen and self.instance.pk:
                    try:
                        services.check_version(self.instance, seen)
                    except ValidationError as exc:
                        self.add_error(None, exc)
                return cleaned

        VersionedForm.__name__ = form_class.__name__
        return VersionedForm

    def construct_change_message(self, request, form, formsets, add=False):
        # The inlines are written by the services (save_related), never by formset.save(), so
        # the lists the admin's history message reads were never set: an edit answered 500.
        for formset in formsets:
            for name in ("new_objects", "changed_objects", "deleted_objects"):
                if not hasattr(formset, name):
                    setattr(formset, name, [])
        return super().construct_change_message(request, form, formsets, add)

    def get_ordering(self, request):
        if request.GET.get(ReviewQueueFilter.parameter_name) == "pending":
            return ("submitted_at", "pk")
        return super().get_ordering(request)

    def _approve(self, record, request, version=None):
        service = type(self).approve_service
        return service(**{self.record_arg: record, "by": request.user, "version": version})

    def _return(self, record, request, reason, version=None):
        service = type(self).return_service
        return service(
            **{self.record_arg: record, "by": request.user, "reason": reason, "version": version}
        )

    # --- the change page's buttons ------------------------------------------------------------

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "<path:object_id>/approve/",
                self.admin_site.admin_view(self.approve_view),
                name="%s_%s_approve" % info,
            ),
            path(
                "<path:object_id>/return/",
                self.admin_site.admin_view(self.return_view),
                name="%s_%s_return" % info,
            ),
            *super().get_urls(),
        ]

    def _change_url(self, obj):
        info = self.model._meta.app_label, self.model._meta.model_name
        return reverse("admin:%s_%s_change" % info, args=[obj.pk])

    def _reviewable(self, request, object_id):
        if not self.has_review_permission(request):
            raise PermissionDenied
        obj = self.get_object(request, object_id)  # scoped: out of scope is "does not exist"
        if obj is None:
            raise Http404
        return obj

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, object_id)
        if (
            obj is not None
            and obj.status == Status.SUBMITTED
            and self.has_review_permission(request)
        ):
            info = self.model._meta.app_label, self.model._meta.model_name
            extra_context.update(
                can_review=True,
                review_version=obj.updated_at.isoformat() if obj.updated_at else "",
                review_approve_url=reverse("admin:%s_%s_approve" % info, args=[obj.pk]),
                review_return_url=reverse("admin:%s_%s_return" % info, args=[obj.pk]),
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def approve_view(self, request, object_id):
        obj = self._reviewable(request, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(self._change_url(obj))
        try:
            self._approve(obj, request, request.POST.get("version") or None)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(
                request,
                gettext(MSG_APPROVED) % {"record": obj, "status": obj.get_status_display()},
            )
        return HttpResponseRedirect(self._change_url(obj))

    def return_view(self, request, object_id):
        obj = self._reviewable(request, object_id)
        if request.method == "POST":
            form = ReasonForm(request.POST)
            if form.is_valid():
                try:
                    self._return(
                        obj,
                        request,
                        form.cleaned_data["reason"],
                        form.cleaned_data["version"] or None,
                    )
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    messages.success(
                        request,
                        gettext(MSG_RETURNED) % {"record": obj, "status": obj.get_status_display()},
                    )
                    return HttpResponseRedirect(self._change_url(obj))
        else:
            version = obj.updated_at.isoformat() if obj.updated_at else ""
            form = ReasonForm(initial={"version": version})
        return action_form_page(
            request,
            self,
            title=gettext("Return with a reason"),
            intro=gettext("Return the record below to its author. The reason is required."),
            form=form,
            objects=[obj],
            cancel_url=self._change_url(obj),
        )

    # --- bulk actions on the list ---------------------------------------------------------------

    @admin.action(description=_("Approve the selected submitted records"), permissions=["review"])
    def approve_action(self, request, queryset):
        act_on_each(
            request,
            queryset,
            lambda r: self._approve(r, request),
            title=gettext("Approve"),
            done_message=MSG_APPROVED,
        )

    @admin.action(
        description=_("Return the selected records with a reason"), permissions=["review"]
    )
    def return_action(self, request, queryset):
        return form_then_act(
            self,
            request,
            queryset,
            form_class=ReasonForm,
            title=gettext("Return with a reason"),
            intro=gettext("Return the records below to their authors. The reason is required."),
            act=lambda r, d: self._return(r, request, d["reason"]),
            done_message=MSG_RETURNED,
        )


@admin.register(Meeting)
class MeetingAdmin(ReviewActionsMixin, ScopedImportExportMixin, ScopedModelAdmin):
    resource_classes = [MeetingResource]
    approve_service = staticmethod(services.meeting_approve)
    return_service = staticmethod(services.meeting_return)
    record_arg = "meeting"
    review_permission = "branches.review_meeting"
    list_display = ("held_on", "kind", "topic", "organization", "host", "status", "submitted_at")
    list_select_related = ("organization", "host")
    list_filter = (
        ReviewQueueFilter,
        year_filter("held_on"),
        "status",
        "kind",
        "organization__village",
    )
    search_fields = ("topic", "organization__name", "place")
    autocomplete_fields = ("organization", "host", "recorder", "leadership_team")
    inlines = (AttendanceInline, AppraisalInline, AttachmentInline)

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "expected_count", "attendance_counts")

    @admin.display(description=_("attendance"))
    def attendance_counts(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return gettext(MSG_COUNTS) % {
            "expected": obj.expected_count if obj.expected_count is not None else "—",
            "present": obj.present_count,
            "leave": obj.leave_count,
            "absent": obj.absent_count,
        }

    def save_model(self, request, obj, form, change):
        services.meeting_save(meeting=obj, by=request.user)

    def save_related(self, request, form, formsets, change):
        """Attendance and appraisals are written by ``meeting_save`` as lists (the formsets
        validated them)."""
        form.save_m2m()
        attendance = appraisals = None
        for formset in formsets:
            formset_outcome(formset)  # the change message's lists; nothing is written here
            if getattr(formset, "lines", None) is not None:
                attendance = formset.lines
            if getattr(formset, "appraisal_lines", None) is not None:
                appraisals = formset.appraisal_lines
        if attendance is not None or appraisals is not None:
            services.meeting_save(
                meeting=form.instance,
                attendance=attendance,
                appraisals=appraisals,
                by=request.user,
            )


# --- leadership teams (领导班子) ------------------------------------------------------------------


class LeadershipTeamMemberInline(ScopedTabularInline):
    model = LeadershipTeamMember
    fields = ("member", "post", "started_on", "ended_on")
    autocomplete_fields = ("member",)


@admin.register(LeadershipTeam)
class LeadershipTeamAdmin(ScopedModelAdmin):
    list_display = ("name", "organization", "started_on", "ended_on")
    list_select_related = ("organization",)
    search_fields = ("name", "organization__name")
    autocomplete_fields = ("organization",)
    inlines = (LeadershipTeamMemberInline,)

    def save_model(self, request, obj, form, change):
        services.leadership_team_save(team=obj, by=request.user)


# --- talks ------------------------------------------------------------------------------------


class TalkParticipantFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors) or not getattr(self.instance, "organization_id", None):
            return
        self.people = [
            services.TalkPerson(
                member=f.cleaned_data.get("member"), name=f.cleaned_data.get("name", "")
            )
            for f in self.forms
            if f.cleaned_data
            and not f.cleaned_data.get("DELETE")
            and (f.cleaned_data.get("member") or f.cleaned_data.get("name"))
        ]


class TalkParticipantInline(ScopedTabularInline):
    model = TalkParticipant
    formset = TalkParticipantFormSet
    fields = ("member", "name")
    autocomplete_fields = ("member",)


@admin.register(Talk)
class TalkAdmin(ReviewActionsMixin, ScopedImportExportMixin, ScopedModelAdmin):
    resource_classes = [TalkResource]
    approve_service = staticmethod(services.talk_approve)
    return_service = staticmethod(services.talk_return)
    record_arg = "talk"
    review_permission = "branches.review_talk"
    list_display = (
        "held_on",
        "topic",
        "organization",
        "talker_display",
        "status",
        "submitted_at",
    )
    list_select_related = ("organization", "talker")
    list_filter = (ReviewQueueFilter, year_filter("held_on"), "status", "organization__village")
    search_fields = ("topic", "organization__name", "talker__name", "talker_name")
    autocomplete_fields = ("organization", "talker")
    inlines = (TalkParticipantInline,)

    @admin.display(description=_("talker"))
    def talker_display(self, obj):
        return obj.talker_display

    def save_model(self, request, obj, form, change):
        services.talk_save(talk=obj, by=request.user)

    def save_related(self, request, form, formsets, change):
        """Participants are written by ``talk_save`` as one list; a refusal re-shows the form."""
        form.save_m2m()
        for formset in formsets:
            formset_outcome(formset)  # the change message's lists; nothing is written here
            people = getattr(formset, "people", None)
            if people is not None:
                services.talk_save(talk=form.instance, participants=people, by=request.user)


class CadenceRuleForm(forms.ModelForm):
    """The kinds that owe the meeting, ticked by name; stored as the codes ``branch,group``."""

    org_kinds = forms.MultipleChoiceField(
        label=_("organisation kinds"),
        choices=Organization.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The kinds of organisation that must hold this meeting."),
    )

    class Meta:
        model = CadenceRule
        fields = ("meeting_kind", "period", "min_count", "org_kinds", "active", "condition")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["org_kinds"] = self.instance.org_kind_list

    def clean_org_kinds(self) -> str:
        ticked = set(self.cleaned_data["org_kinds"])
        return ",".join(kind for kind in Organization.Kind.values if kind in ticked)


@admin.register(CadenceRule)
class CadenceRuleAdmin(
    CleanTextAdminMixin, ServiceRefusalMixin, ServiceSavesMixin, admin.ModelAdmin
):
    form = CadenceRuleForm
    list_display = ("meeting_kind", "period", "min_count", "org_kind_labels", "active")
    list_filter = ("period", "active")
    search_fields = ("meeting_kind",)

    @admin.display(description=_("organisation kinds"), ordering="org_kinds")
    def org_kind_labels(self, obj):
        """党支部、党小组 rather than the stored codes ``branch,group``."""
        labels = dict(Organization.Kind.choices)
        return "、".join(str(labels.get(kind, kind)) for kind in obj.org_kind_list)


__all__ = ["Status"]
