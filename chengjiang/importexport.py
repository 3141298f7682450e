"""Import and export building blocks shared by every app (django-import-export 4).

Two pieces, used together:

* ``ScopedResourceMixin`` for a ``resources.ModelResource``: built with the request's user
  (``Resource(user=request.user)``); exports only ``.visible_to(user)`` rows with personal
  fields masked unless the user holds ``accounts.view_personal_data``; escapes every cell that
  a spreadsheet would read as a formula; on import refuses rows outside the user's scope and
  rows repeated within the file, and rolls the whole file back when any row is bad.
* ``ScopedImportExportMixin`` for a ``ModelAdmin`` (put it before
  ``chengjiang.admin.ScopedModelAdmin``): xlsx and csv, the confirm (preview) step always on,
  the resource given the user, and every bad row's number and reason listed in Chinese.

A resource declares its scope with ``scope_fields`` (attributes of the imported instance that
hold an ``Organization`` the user must see) and/or ``scope_village_fields`` (attributes holding
a ``Village``), its personal fields with ``personal_fields`` (attribute → masking function), and
what counts as a repeat with ``duplicate_key(instance)``. Imports only add records; a row never
overwrites an existing one (a repeat of a stored record is a bad row, see ``validate_row``).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable

from diff_match_patch import diff_match_patch
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import widgets
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.resources import Diff

from chengjiang.access import MSG_NAMED_NOT_FOUND, scope_path

logger = logging.getLogger("chengjiang.importexport")

PERSONAL_DATA_PERM = "accounts.view_personal_data"

# A spreadsheet reads a cell starting with one of these as a formula (CSV/DDE injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

MSG_ROW = _("Row %(number)s: %(reason)s")
# Out of scope reads as not found (chengjiang.access): a row naming another village's record
# learns nothing about it.
MSG_OUT_OF_SCOPE = MSG_NAMED_NOT_FOUND
MSG_DUPLICATE_IN_FILE = _("This row repeats row %(number)s of the file.")
MSG_NOT_FOUND = _("No %(what)s named “%(name)s”.")
MSG_AMBIGUOUS = _("Several %(what)s are named “%(name)s”; use a unique name.")
MSG_FILE_REFUSED = _(
    "Nothing was imported: %(count)s row(s) have errors. Correct them and upload the file again."
)
MSG_CHANGED_SINCE_PREVIEW = _(
    "Nothing was imported: the data changed since the preview. Upload the file again."
)


def escape_cell(value):
    """Prefix an apostrophe to text a spreadsheet would evaluate (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def escape_dataset(dataset) -> None:
    """Escape every cell of a tablib dataset in place (headers included)."""
    if dataset.headers:
        dataset.headers = [escape_cell(h) for h in dataset.headers]
    for _row in range(len(dataset)):
        row = dataset.lpop()
        dataset.append([escape_cell(cell) for cell in row])


def can_view_personal_data(user) -> bool:
    """The same answer as ``chengjiang.personal_data.can_view`` (one rule, one function)."""
    from chengjiang.personal_data import can_view

    return can_view(user)


def row_error(message, **params) -> ValidationError:
    """A row refusal, shown in the preview next to the row's number."""
    return ValidationError(message % params if params else message)


MSG_BAD_DATE = _("“%(value)s” is not a date; write it as 2024-03-18.")
MSG_BAD_CHOICE = _("“%(value)s” is not one of: %(choices)s.")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


class DateWidget(widgets.Widget):
    """Dates as xlsx dates or text (2024-03-18, 2024/3/18, 2024年3月18日); exported ISO."""

    def clean(self, value, row=None, **kwargs):
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = str(value).strip()
        for fmt in DATE_FORMATS:
            try:
                return datetime.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise ValueError(gettext(MSG_BAD_DATE) % {"value": text})

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class ChoiceLabelWidget(widgets.Widget):
    """A TextChoices field read and written by its Chinese label (the stored value also works)."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.choices = choices

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if not text:
            return ""
        for stored, label in self.choices.choices:
            if text in (str(label), stored):
                return stored
        labels = "、".join(str(label) for _v, label in self.choices.choices)
        raise ValueError(gettext(MSG_BAD_CHOICE) % {"value": text, "choices": labels})

    def render(self, value, obj=None, **kwargs):
        if not value:
            return ""
        try:
            return str(self.choices(value).label)
        except ValueError:
            return value


class NameWidget(widgets.Widget):
    """A foreign key read and written by a unique name (a Chinese error when unknown).

    Only rows the importing user may see are found (the resource sets ``user`` on the widget):
    a name outside the user's scope reads exactly like a name that does not exist. The
    resource checks scope again on the instance.
    """

    def __init__(self, model, what, field="name", **kwargs):
        super().__init__(**kwargs)
        self.model = model
        self.what = what
        self.field = field
        self.user = None

    def candidates(self, text, row=None):
        return list(self.model._default_manager.filter(**{self.field: text})[:5])

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        found = self.candidates(text, row)
        manager = self.model._default_manager
        if found and self.user is not None and hasattr(manager.all(), "visible_to"):
            visible = set(
                manager.filter(pk__in=[o.pk for o in found])
                .visible_to(self.user)
                .values_list("pk", flat=True)
            )
            found = [o for o in found if o.pk in visible]
        if not found:
            raise ValueError(gettext(MSG_NOT_FOUND) % {"what": self.what, "name": text})
        if len(found) > 1:
            raise ValueError(gettext(MSG_AMBIGUOUS) % {"what": self.what, "name": text})
        return found[0]

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(getattr(value, self.field))


class ClassedDiff(Diff):
    """The import preview diff, with CSS classes instead of inline styles (forbidden by the CSP)."""

    TAGS = {
        diff_match_patch.DIFF_INSERT: '<ins class="diff-ins">%s</ins>',
        diff_match_patch.DIFF_DELETE: '<del class="diff-del">%s</del>',
        diff_match_patch.DIFF_EQUAL: "<span>%s</span>",
    }

    def as_html(self):
        data = []
        dmp = diff_match_patch()
        for v1, v2 in zip(self.left, self.right, strict=False):
            if v1 != v2 and self.new:
                v1 = ""
            diff = dmp.diff_main(force_str(v1), force_str(v2))
            dmp.diff_cleanupSemantic(diff)
            html = "".join(self.TAGS[op] % escape(text) for op, text in diff)
            data.append(mark_safe(html))  # every piece of text is escaped above
        return data


class ScopedResourceMixin:
    """Scope, masking, escaping and all-or-nothing for a ``ModelResource`` (put it first)."""

    def get_diff_class(self):
        return ClassedDiff

    #: instance attributes holding an Organization the importing user must see
    scope_fields: tuple[str, ...] = ()
    #: instance attributes holding a Village the importing user must see
    scope_village_fields: tuple[str, ...] = ()
    #: attribute → masking function, applied on export without the personal-data permission
    personal_fields: dict[str, Callable[[str], str]] = {}

    def __init__(self, *, user=None, **kwargs):
        kwargs.pop("form", None)
        super().__init__(**kwargs)
        self.user = user
        self._seen_keys: dict[object, int] = {}
        for field in self.fields.values():
            if hasattr(field.widget, "user"):
                field.widget.user = user

    class Meta:
        use_transactions = True
        skip_unchanged = False
        report_skipped = True
        clean_model_instances = True

    # --- reads -------------------------------------------------------------------------------

    def scoped(self, queryset):
        """``queryset`` narrowed to what the user may see (nothing without a user)."""
        if self.user is None:
            return queryset.none()
        return queryset.visible_to(self.user)

    def get_queryset(self):
        return self.scoped(super().get_queryset())

    def filter_export(self, queryset, **kwargs):
        queryset = super().filter_export(queryset, **kwargs)
        if isinstance(queryset, QuerySet):
            return self.scoped(queryset)
        allowed = set(self.scoped(self._meta.model._default_manager.all()).values_list("pk"))
        return [obj for obj in queryset if (obj.pk,) in allowed]

    @property
    def shows_personal_data(self) -> bool:
        return can_view_personal_data(self.user)

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        mask = self.personal_fields.get(field.attribute)
        if mask is not None and not self.shows_personal_data:
            value = mask(value if isinstance(value, str) else ("" if value is None else str(value)))
        return value

    def export(self, queryset=None, **kwargs):
        dataset = super().export(queryset=queryset, **kwargs)
        escape_dataset(dataset)
        if self.personal_fields and self.shows_personal_data:
            # every full view of personal data is logged (never the values themselves)
            logger.info(
                "export with personal data: user=%s model=%s rows=%s",
                getattr(self.user, "pk", None),
                self._meta.model._meta.label,
                len(dataset),
            )
        return dataset

    # --- imports -----------------------------------------------------------------------------

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        """All or nothing: always in a transaction, rolled back on any bad row."""
        self._seen_keys = {}
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, **kwargs)

    def get_or_init_instance(self, instance_loader, row):
        """Imports only add records: a row never overwrites one (a repeat is a bad row)."""
        return self.init_instance(row), True

    def visible(self, obj) -> bool:
        """Whether the user may see ``obj`` (an Organization or a Village)."""
        path = scope_path(self.user)
        if path is None:
            return False
        if path == "":
            return True
        return type(obj).objects.filter(pk=obj.pk).visible_to(self.user).exists()

    def check_scope(self, instance) -> None:
        for attr in (*self.scope_fields, *self.scope_village_fields):
            obj = getattr(instance, attr, None)
            if obj is not None and not self.visible(obj):
                raise row_error(MSG_OUT_OF_SCOPE, name=obj)

    def duplicate_key(self, instance):
        """A key that must not repeat within one file (None: no check)."""
        return None

    def check_duplicate_in_file(self, instance, row_number) -> None:
        key = self.duplicate_key(instance)
        if key is None:
            return
        first = self._seen_keys.setdefault(key, row_number)
        if first != row_number:
            raise row_error(MSG_DUPLICATE_IN_FILE, number=first)

    def validate_row(self, instance, row, **kwargs) -> None:
        """Per-resource checks after the fields are read (raise ValidationError)."""

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        self.check_scope(instance)
        self.check_duplicate_in_file(instance, kwargs.get("row_number"))
        self.validate_row(instance, row, **kwargs)

    def column_label(self, attribute: str) -> str:
        if attribute == NON_FIELD_ERRORS:
            return ""
        for field in self.fields.values():
            if field.attribute == attribute or field.column_name == attribute:
                return str(field.column_name)
        try:
            return str(self._meta.model._meta.get_field(attribute).verbose_name)
        except Exception:  # an unknown key is shown as it is
            return attribute

    def flatten_error(self, error: ValidationError) -> ValidationError:
        """Field errors become "column: reason" so the preview shows Chinese column names."""
        if not hasattr(error, "error_dict"):
            return ValidationError([str(m) for m in error.messages])
        flat = []
        for attribute, errors in error.message_dict.items():
            label = self.column_label(attribute)
            for message in errors:
                flat.append(f"{label}：{message}" if label else str(message))
        return ValidationError(flat)

    def import_row(self, row, instance_loader, **kwargs):
        row_result = super().import_row(row, instance_loader, **kwargs)
        if row_result.validation_error is not None:
            row_result.validation_error = self.flatten_error(row_result.validation_error)
        return row_result


def row_reasons(result) -> list[str]:
    """Each bad row of an import result as "第 N 行：reason" (Chinese when the UI is)."""
    lines = []
    for invalid in result.invalid_rows:
        for message in invalid.error.messages:
            lines.append(str(MSG_ROW % {"number": invalid.number, "reason": message}))
    for error_row in result.error_rows:
        for err in error_row.errors:
            lines.append(str(MSG_ROW % {"number": error_row.number, "reason": err.error}))
    for err in result.base_errors:
        lines.append(str(err.error))
    return lines


class ScopedImportExportMixin(ImportExportMixin):
    """Admin import/export: xlsx and csv, preview first, all or nothing, scoped to the user.

    Use as ``class FooAdmin(ScopedImportExportMixin, ScopedModelAdmin)`` with
    ``resource_classes = [FooResource]`` (a ``ScopedResourceMixin`` resource).
    """

    import_formats = [XLSX, CSV]
    export_formats = [XLSX, CSV]
    skip_import_confirm = False
    skip_export_form = False
    import_error_display = ("message",)

    def is_skip_import_confirm_enabled(self):
        return False  # the preview is never skipped

    def get_resource_kwargs(self, request, *args, **kwargs):
        kwargs = super().get_resource_kwargs(request, *args, **kwargs)
        kwargs.pop("form", None)
        kwargs["user"] = request.user
        return kwargs

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs.pop("request", None)
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        result = (getattr(response, "context_data", None) or {}).get("result")
        if result is not None and (result.has_errors() or result.has_validation_errors()):
            reasons = row_reasons(result)
            messages.error(request, gettext(MSG_FILE_REFUSED) % {"count": len(reasons)})
            for line in reasons:
                messages.error(request, line)
        return response

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # the confirmed run found what the preview did not: it was rolled back
            messages.error(request, gettext(MSG_CHANGED_SINCE_PREVIEW))
            for line in row_reasons(result):
                messages.error(request, line)
            info = self.model._meta.app_label, self.model._meta.model_name
            return HttpResponseRedirect(reverse(f"admin:{info[0]}_{info[1]}_import"))
        return super().process_result(result, request)
