"""The district's checklist sheet (django-import-export): one row per task, Chinese headers.

The sheet's columns are those of ``exports.IMPORT_HEADERS``; a row is matched to an existing task
by (年度, 序号), so importing the same sheet twice changes nothing. Rows naming an organisation
outside the user's scope are refused; one bad row refuses the whole file (all-or-nothing).
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from branches.models import Organization

from .models import Checklist, Line, ManualStatus, Task

MSG_NO_CHECKLIST = _("There is no checklist for the year %(year)s; create it first.")
MSG_LINE = _("The line of work must be one of: %(choices)s.")
MSG_ORG_NOT_FOUND = _("No organisation named “%(name)s” within your scope.")
MSG_ORG_AMBIGUOUS = _("Several organisations are named “%(name)s”.")
MSG_MANUAL_STATUS = _("The manual status must be one of: %(choices)s.")
MSG_PARAMS = _("Write the measure parameters as name=value, separated by commas.")
MSG_DATE = _("Write the deadline as a date, e.g. 2024-12-31.")
MSG_REQUIRED = _("This column must not be empty.")


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


class ChoiceLabelWidget(widgets.Widget):
    """A choice written as its Chinese label (组织建设) or its stored value."""

    def __init__(self, choices, message, required=True):
        super().__init__()
        self.choices = choices
        self.message = message
        self.required = required

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            if self.required:
                raise ValueError(MSG_REQUIRED)
            return ""
        for stored, label in self.choices.choices:
            if text in (stored, str(label)):
                return stored
        labels = "、".join(str(label) for _v, label in self.choices.choices)
        raise ValueError(self.message % {"choices": labels})

    def render(self, value, obj=None, **kwargs):
        return str(self.choices(value).label) if value else ""


class OrganizationByNameWidget(widgets.Widget):
    def __init__(self, user):
        super().__init__()
        self.user = user

    def clean(self, value, row=None, **kwargs):
        name = str(value or "").strip()
        if not name:
            raise ValueError(MSG_REQUIRED)
        found = list(Organization.objects.visible_to(self.user).filter(name=name)[:2])
        if not found:
            raise ValueError(MSG_ORG_NOT_FOUND % {"name": name})
        if len(found) > 1:
            raise ValueError(MSG_ORG_AMBIGUOUS % {"name": name})
        return found[0]

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


class ParamsWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip().replace("，", ",").replace("＝", "=")
        if not text:
            return {}
        params = {}
        for part in text.split(","):
            name, sep, val = part.partition("=")
            if not sep or not name.strip() or not val.strip():
                raise ValueError(MSG_PARAMS)
            params[name.strip()] = val.strip()
        return params

    def render(self, value, obj=None, **kwargs):
        return ",".join(f"{k}={v}" for k, v in sorted((value or {}).items()))


class LenientDateWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            raise ValueError(MSG_REQUIRED)
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = str(value).strip().replace("/", "-").replace(".", "-")
        for fmt in ("%Y-%m-%d", "%Y年%m月%d日"):
            try:
                return datetime.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise ValueError(MSG_DATE)

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class YesWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return str(value or "").strip() in ("是", "1", "True", "true", "√", "Y", "y")

    def render(self, value, obj=None, **kwargs):
        return "是" if value else ""


class OptionalDecimalWidget(widgets.DecimalWidget):
    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        return super().clean(value, row=row, **kwargs)


class TaskResource(resources.ModelResource):
    checklist = fields.Field("checklist", "年度", ChecklistWidget())
    number = fields.Field("number", "序号", widgets.IntegerWidget())
    line = fields.Field("line", "工作条线", ChoiceLabelWidget(Line, MSG_LINE))
    title = fields.Field("title", "任务名称")
    description = fields.Field("description", "任务内容")
    deadline = fields.Field("deadline", "完成时限", LenientDateWidget())
    weight = fields.Field("weight", "权重", widgets.DecimalWidget())
    measure_key = fields.Field("measure_key", "指标")
    measure_params = fields.Field("measure_params", "指标参数", ParamsWidget())
    target = fields.Field("target", "目标值", OptionalDecimalWidget())
    manual_status = fields.Field(
        "manual_status",
        "手工状态",
        ChoiceLabelWidget(ManualStatus, MSG_MANUAL_STATUS, required=False),
    )
    not_applicable = fields.Field("not_applicable", "不适用", YesWidget())

    def __init__(self, *, user=None, **kwargs):
        kwargs.pop("form", None)
        super().__init__(**kwargs)
        self.user = user
        self.fields["responsible"] = fields.Field(
            "responsible", "责任单位", OrganizationByNameWidget(user)
        )

    class Meta:
        model = Task
        import_id_fields = ("checklist", "number")
        fields = (
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
        use_transactions = True
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def get_queryset(self):
        if self.user is None:
            return Task.objects.none()
        return Task.objects.visible_to(self.user).select_related("checklist", "responsible")

    def get_export_order(self):
        return (
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

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        for attr in ("title", "description", "measure_key"):
            setattr(instance, attr, (getattr(instance, attr) or "").strip())


def row_messages(result, resource: TaskResource) -> list[str]:
    """Every refused row with its sheet row number (the header is row 1) and reasons."""
    from django.utils.translation import gettext

    headers = {f.attribute: f.column_name for f in resource.fields.values()}
    out = []
    for number, errors in result.row_errors():
        for error in errors:
            out.append(
                gettext("Row %(number)s: %(reason)s")
                % {"number": number + 1, "reason": str(error.error)}
            )
    for invalid in result.invalid_rows:
        reasons = []
        for field_name, messages in invalid.error_dict.items():
            label = headers.get(field_name, "")
            text = "；".join(str(m) for m in messages)
            reasons.append(f"{label}：{text}" if label else text)
        out.append(
            gettext("Row %(number)s: %(reason)s")
            % {"number": invalid.number + 1, "reason": "；".join(reasons)}
        )
    return out
