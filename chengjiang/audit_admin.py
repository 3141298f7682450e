"""The audit trail in the admin: read by office staff, changed or deleted by no one.

Registered from chengjiang/accounts/admin.py (autodiscovered after auditlog's own admin, which
this replaces). ``AuditHistoryMixin`` gives any ModelAdmin a scoped per-object history page.
"""

from __future__ import annotations

from auditlog.admin import LogEntryAdmin as AuditlogLogEntryAdmin
from auditlog.filters import CIDFilter
from auditlog.mixins import AuditlogHistoryAdminMixin
from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chengjiang.access import ScopedQuerySet, scope_path, scope_root
from chengjiang.accounts.models import PersonalDataAccess
from chengjiang.labels import field_label, field_labels, record_type


class ReadOnlyAdminMixin:
    """View only, for whoever holds the model's view permission; add/change/delete for no one,
    superusers included (the admin's delete action disappears with the permission)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def sees_whole_tree(user) -> bool:
    """Superusers and users assigned to a root organisation (the sub-district office)."""
    if scope_path(user) == "":
        return True
    root = scope_root(user)
    return root is not None and root.parent_id is None


def scoped_entries(queryset, user, *, object_field: str = "object_id"):
    """Entries about records ``user`` may see.

    Users who see the whole tree see every entry, deleted records' included. Anyone else sees
    entries about records that still exist inside their scope (a deleted record has no
    organisation left to decide by, so its entries stay with the office).
    """
    if sees_whole_tree(user):
        return queryset
    if scope_path(user) is None:
        return queryset.none()
    condition = Q(pk__in=[])
    for model in {ct.model_class() for ct in ContentType.objects.all()} - {None}:
        manager_qs = model._default_manager.all()
        if not isinstance(manager_qs, ScopedQuerySet):
            continue
        if manager_qs.scope_field is None and manager_qs.scope_village_field is None:
            continue
        ct = ContentType.objects.get_for_model(model)
        visible = manager_qs.visible_to(user).values("pk")
        if object_field == "object_pk":
            visible = [str(pk) for pk in visible.values_list("pk", flat=True)]
        condition |= Q(content_type=ct, **{f"{object_field}__in": visible})
    return queryset.filter(condition)


class RecordTypeFilter(admin.SimpleListFilter):
    """Only the record types that have entries, by their Chinese names."""

    title = _("record type")
    parameter_name = "resource_type"

    def lookups(self, request, model_admin):
        ids = model_admin.get_queryset(request).values_list("content_type_id", flat=True)
        types = ContentType.objects.filter(pk__in=ids.distinct().order_by())
        return sorted(((ct.pk, record_type(ct)) for ct in types), key=lambda item: item[1])

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(content_type_id=self.value())


class AccessedFieldFilter(admin.SimpleListFilter):
    """The fields viewed, by their Chinese names."""

    title = _("field")
    parameter_name = "field"

    def lookups(self, request, model_admin):
        rows = model_admin.get_queryset(request).values_list("content_type", "field").distinct()
        labels = {}
        for ct_id, names in rows.order_by():
            ct = ContentType.objects.get_for_id(ct_id) if ct_id else None
            labels.setdefault(names, field_labels(ct, names))
        return sorted(labels.items(), key=lambda item: item[1])

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(field=self.value())


class LogEntryAdmin(ReadOnlyAdminMixin, AuditlogLogEntryAdmin):
    list_filter = ["action", RecordTypeFilter, CIDFilter]

    @admin.display(description=_("Changes"))
    def msg_short(self, obj):
        """``2 项修改：姓名、手机号码`` rather than auditlog's ``2 changes: name, phone``."""
        if obj.action in (LogEntry.Action.DELETE, LogEntry.Action.ACCESS):
            return ""
        changes = obj.changes_dict
        labels = [field_label(obj.content_type, name) for name in changes]
        shown = "、".join(labels[:5]) + ("……" if len(labels) > 5 else "")
        return gettext("%(count)s changes: %(fields)s") % {"count": len(labels), "fields": shown}

    @admin.display(description=_("Correlation ID"))
    def cid_url(self, obj):
        return super().cid_url(obj)

    @admin.display(description=_("User"))
    def user_url(self, obj):
        if obj.actor is None:
            return gettext("system")
        return super().user_url(obj)

    @admin.display(description=_("Resource"))
    def resource_url(self, obj):
        label = f"{record_type(obj.content_type)} - {obj.object_repr}"
        info = (obj.content_type.app_label, obj.content_type.model)
        pk = obj.object_pk if obj.object_id is None else obj.object_id
        try:
            link = reverse("admin:%s_%s_change" % info, args=[pk])
        except NoReverseMatch:
            return label
        return format_html('<a href="{}">{}</a>', link, label)

    def get_queryset(self, request):
        return scoped_entries(super().get_queryset(request), request.user)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("auditlog.view_logentry")

    def has_module_permission(self, request):
        return self.has_view_permission(request)


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "accessed_at",
        "user",
        "record_type",
        "object_repr",
        "field_names",
        "record_count",
        "reason",
        "remote_addr",
    )
    list_filter = (RecordTypeFilter, AccessedFieldFilter)
    fields = (
        "accessed_at",
        "user",
        "record_type",
        "object_pk",
        "object_repr",
        "field_names",
        "record_count",
        "reason",
        "remote_addr",
        "path",
    )
    readonly_fields = ("record_type", "field_names")
    list_select_related = ("user", "content_type")
    search_fields = ("user__username", "object_repr", "object_pk")
    date_hierarchy = "accessed_at"

    @admin.display(description=_("record type"), ordering="content_type")
    def record_type(self, obj):
        return record_type(obj.content_type)

    @admin.display(description=_("field"), ordering="field")
    def field_names(self, obj):
        return field_labels(obj.content_type, obj.field)

    def get_queryset(self, request):
        return scoped_entries(super().get_queryset(request), request.user, object_field="object_pk")


if admin.site.is_registered(LogEntry):
    admin.site.unregister(LogEntry)
admin.site.register(LogEntry, LogEntryAdmin)


class AuditHistoryMixin(AuditlogHistoryAdminMixin):
    """A per-object audit history page (…/<id>/auditlog/) scoped like the change view.

    Add it to a ModelAdmin (e.g. ``class ScopedModelAdmin(AuditHistoryMixin, ...)``). An object
    outside the user's scope answers 404, not the history and not a server error.
    """

    show_auditlog_history_link = True

    def auditlog_history_view(self, request, object_id, extra_context=None):
        from django.contrib.admin.utils import unquote

        if self.get_object(request, unquote(object_id)) is None:
            raise Http404(_("The record does not exist or is outside your scope."))
        if not request.user.has_perm("auditlog.view_logentry"):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        return super().auditlog_history_view(request, object_id, extra_context)


# Personal data on admin pages: chengjiang.admin.ScopedModelAdmin (one rule for every model).
