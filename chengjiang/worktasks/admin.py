"""The office keeps checklists and tasks in the admin; the district's sheet imports with a
preview (django-import-export), all-or-nothing, and exports with the same columns."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from chengjiang.admin import ScopedModelAdmin, ScopedTabularInline
from chengjiang.importexport import ScopedImportExportMixin

from . import services
from .models import Checklist, Evidence, Task
from .resources import TaskResource


class TaskInline(ScopedTabularInline):
    model = Task
    fields = ("number", "line", "title", "responsible", "deadline", "weight", "not_applicable")
    show_change_link = True


@admin.register(Checklist)
class ChecklistAdmin(ScopedModelAdmin):
    list_display = ("year", "title", "issued_by", "issued_on")
    search_fields = ("title",)
    inlines = [TaskInline]

    def save_model(self, request, obj, form, change):
        services.checklist_save(checklist=obj, by=request.user)


class EvidenceInline(ScopedTabularInline):
    model = Evidence
    fields = ("original_name", "description", "content_type", "size", "recorded_at")
    readonly_fields = ("original_name", "content_type", "size", "recorded_at")
    can_delete = True

    def has_add_permission(self, request, obj=None):
        return False  # files come through the dashboard's upload form (content-checked)


@admin.register(Task)
class TaskAdmin(ScopedImportExportMixin, ScopedModelAdmin):
    resource_classes = [TaskResource]
    list_display = (
        "number",
        "title",
        "line",
        "responsible",
        "deadline",
        "weight",
        "measure_key",
        "target",
        "manual_status",
        "not_applicable",
    )
    list_filter = ("checklist", "line", "not_applicable")
    search_fields = ("title", "description")
    list_select_related = ("checklist", "responsible")
    inlines = [EvidenceInline]
    fieldsets = (
        (None, {"fields": ("checklist", "number", "line", "title", "description")}),
        (_("Responsibility"), {"fields": ("responsible", "deadline", "weight")}),
        (
            _("Measured from the records"),
            {"fields": ("measure_key", "measure_params", "target")},
        ),
        (
            _("Manual (only where no record can show it)"),
            {"fields": ("manual_status", "manual_note")},
        ),
        (_("Not applicable"), {"fields": ("not_applicable", "not_applicable_reason")}),
    )

    def save_model(self, request, obj, form, change):
        services.task_save(task=obj, by=request.user)
