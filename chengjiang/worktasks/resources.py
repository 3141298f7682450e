"""The district's checklist sheet (django-import-export): one row per task, Chinese headers.

The sheet's columns are those of ``exports.IMPORT_HEADERS``. Built on the shared blocks in
``chengjiang.importexport``: rows naming an organisation outside the user's scope are refused, a
(年度, 序号) repeated in the file or already in the checklist is refused, and one bad row refuses
the whole file (all or nothing), with each row's reasons in Chinese.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from chengjiang.import_widgets import MSG_REQUIRED, YesNoWidget
from chengjiang.importexport import (
    ChoiceLabelWidget,
    DateWidget,
    NameWidget,
    ScopedResourceMixin,
    row_error,
)

from .measure_text import measure_key_from_text, measure_text, params_from_text, params_text
from .models import Checklist, Line, ManualStatus, Task

MSG_NO_CHECKLIST = _("There is no checklist for the year %(year)s; create it first.")
MSG_REQUIRED_FIELD = _("The column “%(column)s” must not be empty.")


class ChecklistWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            raise ValueError(MSG_REQUIRED)
        try:
            year = int(float(value))
        except (TypeError, ValueError) as exc:
            raise ValueError(MSG_NO_CHECKLIST % {"year": value}) from exc
        checklist = Checklist.objects.filter(year=year).first()
        if checklist is None:
            raise ValueError(MSG_NO_CHECKLIST % {"year": year})
        return checklist

    def render(self, value, obj=None, **kwargs):
        return value.year if value else ""


MEASURE_HEADER = "指标"


class MeasureWidget(widgets.Widget):
    """指标 by its Chinese name, as the task's form shows it; a key (an older sheet) reads too."""

    def clean(self, value, row=None, **kwargs):
        return measure_key_from_text(str(value or ""))

    def render(self, value, obj=None, **kwargs):
        return measure_text(value) if value else ""


class ParamsWidget(widgets.Widget):
    """指标参数 by the values' Chinese names (民主生活会), as the task's form shows them;
    ``name=value`` parts (an older sheet) read too."""

    def clean(self, value, row=None, **kwargs):
        key = measure_key_from_text(str((row or {}).get(MEASURE_HEADER) or ""))
        return params_from_text(key, str(value or "").replace("，", ","))

    def render(self, value, obj=None, **kwargs):  # the sheet's cell: TaskResource.dehydrate_…
        return ",".join(f"{k}={v}" for k, v in sorted((value or {}).items()))


class OptionalDecimalWidget(widgets.DecimalWidget):
    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        return super().clean(value, row=row, **kwargs)


COLUMNS = (
    "checklist",
    "number",
    "line",
    "title",
    "description",
    "responsible",
    "deadline",
    "weight",
    "measure_key",
    "measure_params",
    "target",
    "manual_status",
    "not_applicable",
)


class TaskResource(ScopedResourceMixin, resources.ModelResource):
    checklist = fields.Field("checklist", "年度", ChecklistWidget())
    number = fields.Field("number", "序号", widgets.IntegerWidget())
    line = fields.Field("line", "工作条线", ChoiceLabelWidget(Line))
    title = fields.Field("title", "任务名称")
    description = fields.Field("description", "任务内容")
    responsible = fields.Field(
        "responsible",
        "责任单位",
        NameWidget(Task.responsible.field.related_model, _("organisation")),
    )
    deadline = fields.Field("deadline", "完成时限", DateWidget())
    weight = fields.Field("weight", "权重", widgets.DecimalWidget())
    measure_key = fields.Field("measure_key", MEASURE_HEADER, MeasureWidget())
    measure_params = fields.Field("measure_params", "指标参数", ParamsWidget())
    target = fields.Field("target", "目标值", OptionalDecimalWidget())
    manual_status = fields.Field("manual_status", "手工状态", ChoiceLabelWidget(ManualStatus))
    not_applicable = fields.Field("not_applicable", "不适用", YesNoWidget(empty=False))

    scope_fields = ("responsible",)

    class Meta(ScopedResourceMixin.Meta):
        model = Task
        import_id_fields = ("checklist", "number")
        fields = COLUMNS
        export_order = COLUMNS

    def get_queryset(self):
        return self.scoped(Task.objects.select_related("checklist", "responsible"))

    def dehydrate_measure_params(self, task) -> str:
        # the values' names need the task's measure, which a widget is not given
        return params_text(task.measure_key, task.measure_params) if task.measure_params else ""

    def duplicate_key(self, instance):
        return (instance.checklist_id, instance.number)

    def validate_row(self, instance, row, **kwargs) -> None:
        for attr in ("title", "description", "measure_key"):
            setattr(instance, attr, (getattr(instance, attr) or "").strip())
        for attr in ("line", "title", "responsible_id", "deadline"):
            if not getattr(instance, attr):
                raise row_error(
                    MSG_REQUIRED_FIELD, column=self.column_label(attr.removesuffix("_id"))
                )
