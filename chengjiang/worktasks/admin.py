"""The office keeps checklists and tasks in the admin; the district's sheet imports with a
preview (django-import-export), all-or-nothing, and exports with the same columns."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from chengjiang import measures
from chengjiang.admin import (
    RuleErrorsShownForm,
    ScopedModelAdmin,
    ScopedTabularInline,
    UploadedFileColumnsMixin,
)
from chengjiang.importexport import ScopedImportExportMixin

from . import services
from .measure_text import measure_text, params_from_text, params_text
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


class EvidenceInline(UploadedFileColumnsMixin, ScopedTabularInline):
    model = Evidence
    fields = ("original_name", "description", "file_kind", "file_size", "recorded_at")
    readonly_fields = ("original_name", "file_kind", "file_size", "recorded_at")
    can_delete = True

    def has_add_permission(self, request, obj=None):
        return False  # files come through the dashboard's upload form (content-checked)


class TaskAdminForm(RuleErrorsShownForm):
    """The office picks a measure by its Chinese name and writes its parameters as their
    values' labels (民主生活会), never as ``branches.meetings`` / ``kind=democratic_life``."""

    measure_key = forms.ChoiceField(label=_("measure"), required=False)
    measure_params = forms.CharField(
        label=_("measure parameters"),
        required=False,
        help_text=_("The parameter values by name, separated by 、 (e.g. 民主生活会)."),
    )

    class Meta:
        model = Task
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = sorted(
            ((key, measure_text(key)) for key in measures.REGISTRY), key=lambda c: c[1]
        )
        self.fields["measure_key"].choices = [("", _("— none (filled in by hand) —")), *choices]
        if self.instance.pk and not self.is_bound:
            self.initial["measure_params"] = params_text(
                self.instance.measure_key, self.instance.measure_params
            )

    def clean_measure_params(self):
        key = self.data.get(self.add_prefix("measure_key"), "")
        try:
            return params_from_text(key, self.cleaned_data.get("measure_params", ""))
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


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
        "measure_shown",
        "target",
        "manual_status",
        "not_applicable",
    )
    list_filter = ("checklist", "line", "not_applicable")
    search_fields = ("title", "description")
    form = TaskAdminForm
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

    @admin.display(description=_("measure"))
    def measure_shown(self, obj) -> str:
        if not obj.measure_key:
            return ""
        name = measure_text(obj.measure_key)
        params = params_text(obj.measure_key, obj.measure_params)
        return f"{name}（{params}）" if params else name

    def save_model(self, request, obj, form, change):
        services.task_save(task=obj, by=request.user)
