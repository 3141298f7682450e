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
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template import engines
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chengjiang.admin import (
    ScopedModelAdmin,
    ScopedTabularInline,
    ServiceRefusalMixin,
    ServiceSavesMixin,
    formset_outcome,
)
from chengjiang.audit_admin import PersonalDataAdminMixin
from chengjiang.importexport import ScopedImportExportMixin, can_view_personal_data

from . import services
from .models import (
    Attendance,
    CadenceRule,
    Meeting,
    MeetingAttachment,
    Member,
    Organization,
    OrgChange,
    SecretaryTerm,
    Status,
    Talk,
    TalkParticipant,
    Village,
)
from .resources import MeetingResource, MemberResource, OrganizationResource, TalkResource

MSG_DONE = _("%(count)s record(s) done.")
MSG_SKIPPED = _("%(name)s: %(reason)s")

# One small page for every action that needs a form (reason, date, new parent …). Kept here as a
# string so the admin needs no template of its own.
FORM_PAGE = engines["django"].from_string(
    """{% extends "admin/base_site.html" %}{% load i18n %}
{% block content %}<div id="content-main">
<p>{{ intro }}</p>
{% if objects %}<ul>{% for o in objects %}<li>{{ o }}</li>{% endfor %}</ul>{% endif %}
<form method="post">{% csrf_token %}
{% for o in objects %}<input type="hidden" name="_selected_action" value="{{ o.pk }}">{% endfor %}
{% if action %}<input type="hidden" name="action" value="{{ action }}">{% endif %}
<input type="hidden" name="apply" value="1">
<fieldset class="module aligned">{% for field in form %}<div class="form-row">
{{ field.errors }}{{ field.label_tag }} {{ field }}</div>{% endfor %}</fieldset>
{{ form.non_field_errors }}
<div class="submit-row"><input type="submit" class="default" value="{% translate 'Confirm' %}">
</div></form></div>{% endblock %}"""
)


def _today():
    return timezone.localdate()


def _error_text(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)


class DateForm(forms.Form):
    date = forms.DateField(
        label=_("date"), initial=_today, widget=forms.DateInput(attrs={"type": "date"})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason for return"), max_length=300, widget=forms.Textarea)


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
    member = forms.ModelChoiceField(label=_("secretary"), queryset=Member.objects.none())


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


def form_page(request, admin_obj, *, title, intro, form, objects=(), action=None):
    context = {
        **admin_obj.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "form": form,
        "objects": list(objects),
        "action": action,
        "opts": admin_obj.model._meta,
    }
    return TemplateResponse(request, FORM_PAGE, context)


def run_each(request, queryset, func) -> None:
    """Apply ``func`` to each record; say what was done and why any record was refused."""
    done = 0
    for obj in queryset:
        try:
            with transaction.atomic():
                func(obj)
            done += 1
        except ValidationError as exc:
            messages.error(
                request, gettext(MSG_SKIPPED) % {"name": obj, "reason": _error_text(exc)}
            )
    if done:
        messages.success(request, gettext(MSG_DONE) % {"count": done})


def form_action(admin_obj, request, queryset, *, form_class, title, intro, func, form_kwargs=None):
    """An admin action with an intermediate form page; ``func(obj, cleaned_data)`` per record."""
    form_kwargs = form_kwargs or {}
    if "apply" in request.POST:
        form = form_class(request.POST, **form_kwargs)
        if form.is_valid():
            run_each(request, queryset, lambda obj: func(obj, form.cleaned_data))
            return None
    else:
        form = form_class(**form_kwargs)
    return form_page(
        request,
        admin_obj,
        title=title,
        intro=intro,
        form=form,
        objects=queryset,
        action=request.POST.get("action"),
    )


# --- villages, organisations ------------------------------------------------------------------


@admin.register(Village)
class VillageAdmin(ScopedModelAdmin):
    list_display = ("name", "kind")
    list_filter = ("kind",)
    search_fields = ("name",)


class SecretaryTermInline(ScopedTabularInline):
    model = SecretaryTerm
    fields = ("member", "started_on", "ended_on")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # appointments go through the "appoint secretary" action


class OrgChangeInline(ScopedTabularInline):
    model = OrgChange
    fk_name = "organization"
    fields = ("date", "kind", "old_parent", "new_parent", "old_secretary", "new_secretary", "note")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Organization)
class OrganizationAdmin(ScopedImportExportMixin, ScopedModelAdmin):
    resource_classes = [OrganizationResource]
    list_display = ("indented_name", "kind", "parent", "village", "established_on", "dissolved_on")
    list_select_related = ("parent", "village")
    list_filter = ("kind", "village", ("dissolved_on", admin.EmptyFieldListFilter))
    search_fields = ("name",)
    date_hierarchy = "established_on"
    ordering = ("path",)
    inlines = (SecretaryTermInline, OrgChangeInline)
    actions = ("move_action", "dissolve_action", "groups_action", "secretary_action")

    # a plain edit changes the name only; the tree changes through the actions
    def get_readonly_fields(self, request, obj=None):
        return ("kind", "parent", "village", "established_on", "dissolved_on", "path", "depth")

    def get_fields(self, request, obj=None):
        return ("name", "kind", "parent", "village", "established_on", "dissolved_on")

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
        return form_page(
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

        return form_action(
            self,
            request,
            queryset,
            form_class=Form,
            title=gettext("Adjust subordination"),
            intro=gettext("Move the organisations below (with everything under them) to:"),
            func=lambda org, d: services.organization_move(
                organization=org,
                new_parent=d["new_parent"],
                date=d["date"],
                note=d["note"],
                by=request.user,
            ),
        )

    @admin.action(description=_("Dissolve"), permissions=["change"])
    def dissolve_action(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            form_class=DissolveForm,
            title=gettext("Dissolve"),
            intro=gettext("Dissolve the organisations below:"),
            func=lambda org, d: services.organization_dissolve(
                organization=org, date=d["date"], note=d["note"], by=request.user
            ),
        )

    @admin.action(description=_("Set up Party groups"), permissions=["add"])
    def groups_action(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            form_class=GroupsForm,
            title=gettext("Set up Party groups"),
            intro=gettext("Set up Party groups under the branches below:"),
            func=lambda org, d: services.party_groups_set_up(
                branch=org, names=d["names"].splitlines(), date=d["date"], by=request.user
            ),
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

        return form_action(
            self,
            request,
            queryset,
            form_class=Form,
            title=gettext("Appoint the secretary"),
            intro=gettext("The secretary of the organisation below (a replacement is recorded):"),
            func=lambda org, d: services.secretary_appoint(
                organization=org, member=d["member"], date=d["date"], by=request.user
            ),
        )


@admin.register(OrgChange)
class OrgChangeAdmin(ScopedModelAdmin):
    list_display = ("date", "kind", "organization", "old_parent", "new_parent", "new_secretary")
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


@admin.register(SecretaryTerm)
class SecretaryTermAdmin(ScopedModelAdmin):
    list_display = ("organization", "member", "started_on", "ended_on")
    list_select_related = ("organization", "member")
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
class MemberAdmin(PersonalDataAdminMixin, ScopedImportExportMixin, ScopedModelAdmin):
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
    list_filter = ("category", "gender", "education", "branch__village")
    search_fields = ("name", "=id_number")
    date_hierarchy = "joined_on"
    autocomplete_fields = ("branch", "group")

    PERSONAL = ("id_number", "phone")

    def _full(self, request) -> bool:
        return can_view_personal_data(request.user)

    @admin.display(description=_("ID number"))
    def id_number_shown(self, obj):
        return obj.masked_id_number

    @admin.display(description=_("phone"))
    def phone_shown(self, obj):
        return obj.masked_phone

    # Lists show masks to everyone: a full value is only seen on one member's change form,
    # where PersonalDataAdminMixin records the view.

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and not self._full(request):
            for name in self.PERSONAL:
                if name in fields:
                    fields[fields.index(name)] = f"{name}_shown"
        return fields

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not self._full(request):
            return ("id_number_shown", "phone_shown")
        return ()

    def save_model(self, request, obj, form, change):
        services.member_save(member=obj, by=request.user)


# --- meetings ---------------------------------------------------------------------------------


class AttendanceFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors) or not getattr(self.instance, "organization_id", None):
            return
        lines = [
            services.AttendanceLine(
                member=f.cleaned_data["member"],
                present=f.cleaned_data.get("present", True),
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
    fields = ("member", "present", "absence_reason")
    autocomplete_fields = ("member",)


class AttachmentInline(ScopedTabularInline):
    model = MeetingAttachment
    fields = ("original_name", "content_type", "size", "uploaded_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # uploads are checked in the portal's form (branches.uploads)


class ReviewActionsMixin:
    """Approve, or return with a reason, submitted records (meetings and talks)."""

    approve_service = None
    return_service = None
    record_arg = None
    actions = ("approve_action", "return_action")
    readonly_fields = (
        "status",
        "return_reason",
        "created_by",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
    )

    @admin.action(description=_("Approve the selected submitted records"), permissions=["change"])
    def approve_action(self, request, queryset):
        service = type(self).approve_service
        run_each(request, queryset, lambda r: service(**{self.record_arg: r, "by": request.user}))

    @admin.action(
        description=_("Return the selected records with a reason"), permissions=["change"]
    )
    def return_action(self, request, queryset):
        service = type(self).return_service
        return form_action(
            self,
            request,
            queryset,
            form_class=ReasonForm,
            title=gettext("Return with a reason"),
            intro=gettext("Return the records below to their authors. The reason is required."),
            func=lambda r, d: service(
                **{self.record_arg: r, "by": request.user, "reason": d["reason"]}
            ),
        )


@admin.register(Meeting)
class MeetingAdmin(ReviewActionsMixin, ScopedImportExportMixin, ScopedModelAdmin):
    resource_classes = [MeetingResource]
    approve_service = staticmethod(services.meeting_approve)
    return_service = staticmethod(services.meeting_return)
    record_arg = "meeting"
    list_display = ("held_on", "kind", "topic", "organization", "host", "status")
    list_select_related = ("organization", "host")
    list_filter = ("status", "kind", "organization__village")
    search_fields = ("topic", "organization__name", "place")
    date_hierarchy = "held_on"
    autocomplete_fields = ("organization", "host")
    inlines = (AttendanceInline, AttachmentInline)

    def save_model(self, request, obj, form, change):
        services.meeting_save(meeting=obj, by=request.user)

    def save_related(self, request, form, formsets, change):
        """Attendance is written by ``meeting_save`` as one list (the formset validated it)."""
        form.save_m2m()
        for formset in formsets:
            formset_outcome(formset)  # the change message's lists; nothing is written here
            lines = getattr(formset, "lines", None)
            if lines is not None:
                services.meeting_save(meeting=form.instance, attendance=lines, by=request.user)


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
    list_display = ("held_on", "topic", "organization", "talker_display", "status")
    list_select_related = ("organization", "talker")
    list_filter = ("status", "organization__village")
    search_fields = ("topic", "organization__name", "talker__name", "talker_name")
    date_hierarchy = "held_on"
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


@admin.register(CadenceRule)
class CadenceRuleAdmin(ServiceRefusalMixin, ServiceSavesMixin, admin.ModelAdmin):
    list_display = ("meeting_kind", "period", "min_count", "org_kinds", "active")
    list_filter = ("period", "active")
    search_fields = ("meeting_kind",)


__all__ = ["Status"]
