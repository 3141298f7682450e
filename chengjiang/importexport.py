"""Import and export building blocks shared by every app (django-import-export 4).

Two pieces, used together:

* ``ScopedResourceMixin`` for a ``resources.ModelResource``: built with the request's user
  (``Resource(user=request.user)``); exports only ``.visible_to(user)`` rows with personal
  fields masked (full values only with ``full_values=True, reason=…``, see below); escapes every
  cell that a spreadsheet would read as a formula; on import refuses rows outside the user's
  scope and rows repeated within the file, and rolls the whole file back when any row is bad.
* ``ScopedImportExportMixin`` for a ``ModelAdmin`` (put it before
  ``chengjiang.admin.ScopedModelAdmin``): xlsx (read by ``SafeXLSX``: formulas seen) and csv
  (``SafeCSV``: UTF-8 or GBK), size and row limits, the confirm (preview) step always on with
  新增 / 修改 / 无变化 counts, the resource given the user, every bad row as one Chinese line
  (``row_reasons``: the spreadsheet's row number, header = row 1, and the column's name), and
  an export form offering full values (with a reason) to holders of the permission only.

A resource declares its scope with ``scope_fields`` (attributes of the imported instance that
hold an ``Organization`` the user must see) and/or ``scope_village_fields`` (attributes holding
a ``Village``), its personal fields with ``personal_fields`` (attribute → masking function), and
what counts as a repeat with ``duplicate_key(instance)``; optionally ``fixed_on_update``
(attributes a row may set on a new record but not change on a stored one), ``compare_columns``
(columns without an attribute read on import, compared to decide 无变化), ``resolve(instance,
row)`` (what a row names indirectly, set before the checks) and ``export_title``.

The Excel round trip: every export carries a 编号 column (the record's key). An imported row with
a 编号 updates that record (looked up within the user's scope only: a key outside it reads as a
key that does not exist), a row without one adds a record, and a row whose cells equal the stored
values is left alone (无变化). A masked cell (``341802********1234``) keeps the stored value. A
cell that a spreadsheet would evaluate (a formula, or text starting with = + - @ tab CR) or that
holds a control character makes its row bad. Exports are masked for everyone unless the resource
is built with ``full_values=True`` and a ``reason`` by a holder of the permission; such an export
is recorded in the personal-data access log (who, when, from where, how many records, which
fields, why), never the values.
"""

from __future__ import annotations

import datetime
import logging
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from urllib.parse import quote

from diff_match_patch import diff_match_patch
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    ObjectDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.db.models import QuerySet
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields as ie_fields
from import_export import widgets
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import SelectableFieldsExportForm
from import_export.resources import Diff
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from tablib.formats import _xlsx as _tablib_xlsx

from chengjiang import personal_data
from chengjiang.access import MSG_NAMED_NOT_FOUND, check_write_scope, scope_path

logger = logging.getLogger("chengjiang.importexport")


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
#: the column that carries each record's key in exports and imports
KEY_COLUMN = _("record number")
MSG_UNKNOWN_KEY = _("%(column)s %(key)s does not exist or is outside your area of responsibility.")
MSG_FORMULA_CELL = _(
    "The cell holds a spreadsheet formula; type the value itself (copy, then paste as values)."
)
MSG_FORMULA_TEXT = _(
    "The cell starts with “%(char)s”, which a spreadsheet reads as a formula; remove that "
    "character."
)
MSG_CONTROL_CHAR = _("The cell holds an invisible control character; delete it and type again.")
MSG_FIXED_ON_UPDATE = _(
    "This column of a stored record cannot be changed by an import; add a new row (without a "
    "record number) or change it in the admin."
)
MSG_ROW_FAILED = _("This row could not be saved; check its values, or ask the administrator.")
MSG_FILE_FAILED = _(
    "The file could not be imported; check that its header row holds the exported column names."
)
MSG_BAD_NUMBER = _("“%(value)s” is not a number.")
MSG_BAD_VALUE = _("“%(value)s” cannot be read in this column.")
MSG_REASON_SEP = "；"

# A cell showing a masked personal value (341802********1234, 138****5678): keep what is stored.
MASKED = re.compile(r"^[0-9Xx]*\*+[0-9Xx]*$")
# Control characters other than tab, line feed and carriage return (those are checked apart).
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FormulaCell(str):
    """A spreadsheet cell that held a formula (its text), as read by ``SafeXLSX``."""


def is_masked(value) -> bool:
    return isinstance(value, str) and "*" in value and bool(MASKED.match(value.strip()))


def cell_problem(value) -> str | None:
    """Why a raw imported cell cannot be taken (None when it can)."""
    if isinstance(value, FormulaCell):
        return gettext(MSG_FORMULA_CELL)
    if not isinstance(value, str):
        return None
    if CONTROL_CHARS.search(value):
        return gettext(MSG_CONTROL_CHAR)
    if value.startswith(FORMULA_PREFIXES):
        shown = {"\t": "Tab", "\r": "CR"}.get(value[0], value[0])
        return gettext(MSG_FORMULA_TEXT) % {"char": shown}
    return None


def escape_cell(value):
    """Text a spreadsheet can hold and will not evaluate.

    Characters an xlsx file cannot hold (\\x00-\\x08, \\x0b, \\x0c, \\x0e-\\x1f) are dropped, and
    text a spreadsheet would evaluate gets a leading apostrophe (OWASP CSV injection).
    """
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
    return value


#: the widest an exported column gets, in characters of the sheet's font, before its padding
COLUMN_WIDTH_CAP = 50
COLUMN_WIDTH_PADDING = 2


def display_width(value) -> int:
    """How many characters of a spreadsheet's font a cell's value takes on its longest line: a
    wide (CJK) character takes two, as a Chinese name or branch takes twice its length."""
    if value is None:
        return 0
    if isinstance(value, datetime.datetime | datetime.date):
        return len("2024-03-18")
    return max(
        sum(2 if unicodedata.east_asian_width(c) in "WFA" else 1 for c in line)
        for line in str(value).split("\n")
    )


def column_widths(rows) -> list[int]:
    """Widths for an export's columns: the widest of the header and every value, capped at
    ``COLUMN_WIDTH_CAP``, plus ``COLUMN_WIDTH_PADDING``."""
    widths: list[int] = []
    for row in rows:
        for i, value in enumerate(row):
            width = display_width(value)
            if i == len(widths):
                widths.append(width)
            elif width > widths[i]:
                widths[i] = width
    return [min(w, COLUMN_WIDTH_CAP) + COLUMN_WIDTH_PADDING for w in widths]


def set_column_widths(sheet, widths) -> None:
    from openpyxl.utils import get_column_letter

    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width


def escape_dataset(dataset) -> None:
    """Escape every cell of a tablib dataset in place (headers included)."""
    if dataset.headers:
        dataset.headers = [escape_cell(h) for h in dataset.headers]
    for _row in range(len(dataset)):
        row = dataset.lpop()
        dataset.append([escape_cell(cell) for cell in row])


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
        if value and kwargs.get("force_native_type"):
            return value  # a date cell in an xlsx (yyyy-mm-dd)
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


def number_text(value):
    """A number as its value reads, whatever its stored places: 410, 410.0 and 410.00 read "410";
    82.50 reads "82.5". Anything else is returned as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal) and value.is_finite():
        text = format(value.normalize(), "f")
        return "0" if text == "-0" else text
    return str(value)


def _imported(field) -> bool:
    return bool(field.attribute) and not field.readonly


def preview_cell(resource, field, instance):
    if _imported(field):
        value = field.get_value(instance)
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            value = number_text(value)
        else:
            value = field.export(instance)
        mask = resource.personal_fields.get(field.attribute)
        if mask is not None and value and not resource.shows_personal_data:
            value = mask(str(value))
        return value
    try:
        value = resource.export_field(field, instance, force_native_type=True)
    except (ObjectDoesNotExist, AttributeError, TypeError, ValueError):
        return ""  # a new record whose related rows are not set yet
    return "" if value is None else number_text(value)


class ClassedDiff(Diff):
    """The import preview diff: CSS classes instead of inline styles (forbidden by the CSP),
    each changed cell of an updated record marked, personal values shown masked.

    The preview's cells are the export's cells, compared by value:

    * a column the import reads shows the value the row brings (its attribute, through the
      widget: a choice by its label, a name by its name);
    * a column it does not read (read-only, or computed by a ``dehydrate_<field>`` method: a
      candidate's village, a session's start, a stage's label) shows what the export shows, for
      the stored record and for the row's record alike; a new record that cannot compute it yet
      shows it empty;
    * a number is shown by its value (``number_text``), so the 410 an xlsx cell holds and the
      410.0 stored are the same cell, and only a value that changes is marked.
    """

    TAGS = {
        diff_match_patch.DIFF_INSERT: '<ins class="diff-ins">%s</ins>',
        diff_match_patch.DIFF_DELETE: '<del class="diff-del">%s</del>',
        diff_match_patch.DIFF_EQUAL: "<span>%s</span>",
    }

    def __init__(self, resource, instance, new):
        self.left = self.read(resource, instance)
        self.right = []
        self.new = new

    def compare_with(self, resource, instance):
        self.right = self.read(resource, instance)
        # A column the import does not read cannot change through it: where the row's record
        # cannot compute it (a count the list's query annotates), it shows the stored value.
        for i, field in enumerate(resource.get_import_fields()):
            if not _imported(field) and self.right[i] == "" and i < len(self.left):
                self.right[i] = self.left[i]

    @staticmethod
    def read(resource, instance) -> list:
        return [
            "" if instance is None else preview_cell(resource, field, instance)
            for field in resource.get_import_fields()
        ]

    def changed(self) -> list[bool]:
        return [
            not self.new and force_str(v1) != force_str(v2)
            for v1, v2 in zip(self.left, self.right, strict=False)
        ]

    def as_html(self):
        data = []
        dmp = diff_match_patch()
        for v1, v2 in zip(self.left, self.right, strict=False):
            if v1 != v2 and self.new:
                v1 = ""
            diff = dmp.diff_main(force_str(v1), force_str(v2))
            dmp.diff_cleanupSemantic(diff)
            html = "".join(self.TAGS[op] % escape(text) for op, text in diff)
            if not self.new and force_str(v1) != force_str(v2):
                html = f'<span class="cell-changed">{html}</span>'
            data.append(mark_safe(html))  # every piece of text is escaped above
        return data


def _parse_key(text: str) -> int | None:
    if re.fullmatch(r"\d{1,18}(\.0+)?", text):
        return int(text.split(".")[0])
    return None


class ScopedResourceMixin:
    """Scope, masking, escaping, round trip and all-or-nothing for a ``ModelResource``."""

    def get_diff_class(self):
        return ClassedDiff

    #: instance attributes holding an Organization the importing user must see
    scope_fields: tuple[str, ...] = ()
    #: instance attributes holding a Village the importing user must see
    scope_village_fields: tuple[str, ...] = ()
    #: attribute → masking function, applied on every export unless full values were asked for
    personal_fields: dict[str, Callable[[str], str]] = {}
    #: columns without an attribute that are read on import (e.g. attendance lists): a row is
    #: unchanged only if their cells equal what the export shows for the stored record
    compare_columns: tuple[str, ...] = ()
    #: Django's unique checks on import (off where ``validate_row`` names repeats itself)
    validate_unique: bool = True
    #: title of the export (file and sheet name); the model's plural name when None
    export_title = None
    #: attributes an import may set on a new record but not change on a stored one
    fixed_on_update: tuple[str, ...] = ()

    def __init__(self, *, user=None, full_values=False, reason="", request=None, **kwargs):
        kwargs.pop("form", None)
        super().__init__(**kwargs)
        self.user = user
        self.request = request
        self.reason = (reason or "").strip()
        self.full_values = bool(full_values)
        if self.full_values and not personal_data.can_view_personal_data(user):
            raise PermissionError(personal_data.PERMISSION)
        if self.full_values and not self.reason:
            raise ValueError("a full-value export needs a reason")
        self._seen_keys: dict[object, int] = {}
        if "key" not in self.fields:
            self.fields["key"] = ie_fields.Field(
                attribute="pk",
                column_name=KEY_COLUMN,
                widget=widgets.IntegerWidget(),
                readonly=True,
            )
        for field in self.fields.values():
            if hasattr(field.widget, "user"):
                field.widget.user = user

    class Meta:
        use_transactions = True
        skip_unchanged = True
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
        return self.full_values

    def export_field(self, field, instance, **kwargs):
        if field is self.fields.get("key"):
            return instance.pk  # a number in the sheet
        value = super().export_field(field, instance, **kwargs)
        mask = self.personal_fields.get(field.attribute)
        if mask is not None and not self.shows_personal_data:
            value = mask(value if isinstance(value, str) else ("" if value is None else str(value)))
        return value

    def title(self) -> str:
        return str(self.export_title or self._meta.model._meta.verbose_name_plural)

    def export(self, queryset=None, **kwargs):
        dataset = super().export(queryset=queryset, **kwargs)
        escape_dataset(dataset)
        dataset.title = re.sub(r"[\[\]:*?/\\]", "", self.title())[:31]
        if self.full_values:
            exported = [
                f.attribute
                for f in self.get_export_fields(kwargs.get("export_fields"))
                if f.attribute in self.personal_fields
            ]
            if exported:
                personal_data.record_export(
                    self.user,
                    model=self._meta.model,
                    count=len(dataset),
                    fields=exported,
                    reason=self.reason,
                    request=self.request,
                )
        return dataset

    # --- imports -----------------------------------------------------------------------------

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        """All or nothing: always in a transaction, rolled back on any bad row."""
        self._seen_keys = {}
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, **kwargs)

    def key_text(self, row) -> str:
        value = row.get(str(self.fields["key"].column_name))
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def get_or_init_instance(self, instance_loader, row):
        """A row with a 编号 updates that record (if the user may see it); without, adds one."""
        text = self.key_text(row)
        if not text:
            return self.init_instance(row), True
        pk = _parse_key(text)
        instance = self.get_queryset().filter(pk=pk).first() if pk is not None else None
        if instance is None:
            raise ValidationError(
                {
                    "key": ValidationError(
                        gettext(MSG_UNKNOWN_KEY) % {"column": KEY_COLUMN, "key": text}
                    )
                }
            )
        self.prepare_stored(instance)
        instance._fixed = {attr: getattr(instance, attr, None) for attr in self.fixed_on_update}
        return instance, False

    def prepare_stored(self, instance) -> None:
        """Set the import-only attributes of a stored record from what it holds (for the diff)."""

    def cell_problems(self, row) -> dict[str, ValidationError]:
        """Cells a spreadsheet would evaluate or that hold control characters, by attribute."""
        problems = {}
        for name, field in self.fields.items():
            column = str(field.column_name)
            if column not in row:
                continue
            value = row[column]
            if (
                isinstance(value, str)
                and not isinstance(value, FormulaCell)
                and value[:1] == "'"
                and value[1:].startswith(FORMULA_PREFIXES)
            ):
                value = value[1:]  # escaped by our export; checked against the stored value later
                if CONTROL_CHARS.search(value) is None:
                    continue
            reason = cell_problem(value)
            if reason:
                problems[field.attribute or name] = ValidationError(reason)
        return problems

    def unescape_cells(self, instance, row) -> None:
        """A cell the export escaped ('=…) is taken back only if it equals the stored value."""
        errors = {}
        for name, field in self.fields.items():
            column = str(field.column_name)
            value = row.get(column)
            if not (isinstance(value, str) and value[:1] == "'"):
                continue
            text = value[1:]
            if not text.startswith(FORMULA_PREFIXES):
                continue
            stored = self.export_field(field, instance) if instance.pk else None
            if stored == text:
                row[column] = text
            else:
                errors[field.attribute or name] = ValidationError(cell_problem(text))
        if errors:
            raise ValidationError(errors)

    def import_row(self, row, instance_loader, **kwargs):
        problems = self.cell_problems(row)
        if problems:
            row_result = self.get_row_result_class()()
            row_result.import_type = row_result.IMPORT_TYPE_INVALID
            row_result.validation_error = self.flatten_error(ValidationError(problems))
            return row_result
        row_result = super().import_row(row, instance_loader, **kwargs)
        if row_result.validation_error is not None:
            row_result.validation_error = self.flatten_error(row_result.validation_error)
        return row_result

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        """A masked personal value in the file means "keep what is stored"."""
        cell = row.get(field.column_name)
        if field.attribute in self.personal_fields and is_masked(cell):
            return None
        try:
            return super().import_field(field, instance, row, is_m2m, **kwargs)
        except (ValueError, ArithmeticError, TypeError) as exc:
            # the library's own messages are English ("Value could not be parsed…"): a number
            # column says so in Chinese; other widgets of ours already speak Chinese
            if isinstance(field.widget, widgets.NumberWidget):
                raise ValueError(gettext(MSG_BAD_NUMBER) % {"value": cell}) from exc
            if isinstance(exc, ValueError):
                raise
            raise ValueError(gettext(MSG_BAD_VALUE) % {"value": cell}) from exc

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """Unchanged: a stored record whose every imported cell equals what is stored."""
        if original is None or original.pk is None:
            return False
        if not super().skip_row(instance, original, row, import_validation_errors):
            return False
        for name in self.compare_columns:
            field = self.fields[name]
            cell = row.get(str(field.column_name))
            cell = "" if cell is None else str(cell).strip()
            if cell != str(self.export_field(field, original) or "").strip():
                return False
        return True

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        super().validate_instance(
            instance,
            import_validation_errors,
            validate_unique=validate_unique and self.validate_unique,
        )

    def visible(self, obj) -> bool:
        """Whether the user may see ``obj`` (an Organization or a Village)."""
        path = scope_path(self.user)
        if path is None:
            return False
        if path == "":
            return True
        return type(obj).objects.filter(pk=obj.pk).visible_to(self.user).exists()

    def do_instance_save(self, instance, is_create):
        """Write the row in the user's write scope (``access.check_write_scope``), as every
        service does; a resource whose records have a service of their own overrides this to
        call that service."""
        check_write_scope(self.user, instance)
        instance.save(force_insert=is_create)

    def check_scope(self, instance) -> None:
        for attr in (*self.scope_fields, *self.scope_village_fields):
            obj = getattr(instance, attr, None)
            if obj is not None and not self.visible(obj):
                raise row_error(MSG_OUT_OF_SCOPE, name=obj)

    def duplicate_key(self, instance):
        """A key that must not repeat within one file (None: no check)."""
        return None

    def check_duplicate_in_file(self, instance, row_number) -> None:
        # a stored record is updated by one row only (two rows with one 编号 repeat each other)
        for key in (("pk", instance.pk) if instance.pk else None, self.duplicate_key(instance)):
            if key is None:
                continue
            first = self._seen_keys.setdefault(key, row_number)
            if first != row_number:
                raise row_error(MSG_DUPLICATE_IN_FILE, number=first + 1)

    def validate_row(self, instance, row, **kwargs) -> None:
        """Per-resource checks after the fields are read (raise ValidationError)."""

    def others(self, queryset, instance):
        """``queryset`` without the record being imported (a record never repeats itself)."""
        return queryset.exclude(pk=instance.pk) if instance.pk else queryset

    def blank_text_fields(self, instance) -> None:
        """An empty cell of a text column is "" (the database holds no NULL text)."""
        from django.db import models

        for field in self.get_import_fields():
            name = field.attribute
            if not name or "__" in name or getattr(instance, name, "") is not None:
                continue
            try:
                model_field = self._meta.model._meta.get_field(name)
            except Exception:  # not a model field (an import-only attribute)
                continue
            if (
                isinstance(model_field, models.CharField | models.TextField)
                and not model_field.null
            ):
                setattr(instance, name, "")

    def resolve(self, instance, row) -> None:
        """Set what the row names indirectly (e.g. a group by village and name), before checks."""

    def check_fixed(self, instance) -> None:
        fixed = getattr(instance, "_fixed", None)
        if not fixed:
            return
        errors = {
            attr: ValidationError(MSG_FIXED_ON_UPDATE)
            for attr, value in fixed.items()
            if getattr(instance, attr, None) != value
        }
        if errors:
            raise ValidationError(errors)

    def import_instance(self, instance, row, **kwargs):
        self.unescape_cells(instance, row)
        try:
            super().import_instance(instance, row, **kwargs)
        finally:
            self.blank_text_fields(instance)
        self.resolve(instance, row)
        self.check_fixed(instance)
        self.check_scope(instance)
        self.check_duplicate_in_file(instance, kwargs.get("row_number"))
        self.validate_row(instance, row, **kwargs)

    def column_label(self, attribute: str) -> str:
        if attribute == NON_FIELD_ERRORS:
            return ""
        if attribute in self.fields:
            return str(self.fields[attribute].column_name)
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
            return ValidationError(_unique([str(m) for m in error.messages]))
        flat = []
        for attribute, errors in error.message_dict.items():
            label = self.column_label(attribute)
            for message in errors:
                flat.append(f"{label}：{message}" if label else str(message))
        return ValidationError(_unique(flat))


def _unique(lines: list[str]) -> list[str]:
    return list(dict.fromkeys(lines))


def row_labels(result) -> list[str]:
    """What names each bad row to a reader (its first cell, e.g. the name), in the order of
    ``row_reasons``; never a personal value (the first column is never one)."""
    labels = []
    for invalid in result.invalid_rows:
        values = list(getattr(invalid, "values", ()) or ())
        labels.append("" if not values or values[0] is None else str(values[0])[:60])
    for error_row in result.error_rows:
        row = getattr(error_row.errors[0], "row", None) if error_row.errors else None
        first = next(iter(row.values()), None) if isinstance(row, dict) else None
        labels.append("" if first is None else str(first)[:60])
    return labels


def row_reasons(result) -> list[str]:
    """One line per bad row, "第 N 行：reason；reason", N the spreadsheet's row (header = 1)."""
    lines = []
    for invalid in result.invalid_rows:
        reason = MSG_REASON_SEP.join(_unique([str(m) for m in invalid.error.messages]))
        lines.append(str(MSG_ROW % {"number": invalid.number + 1, "reason": reason}))
    for error_row in result.error_rows:
        # an unexpected failure (e.g. the database refusing a value): a Chinese line, the
        # technical message to the log only
        for err in error_row.errors:
            logger.warning("import row %s failed: %r", error_row.number + 1, err.error)
        reasons = [
            "；".join(err.error.messages)
            if isinstance(err.error, ValidationError)
            else gettext(MSG_ROW_FAILED)
            for err in error_row.errors
        ]
        reason = MSG_REASON_SEP.join(_unique(reasons))
        lines.append(str(MSG_ROW % {"number": error_row.number + 1, "reason": reason}))
    for err in result.base_errors:
        logger.warning("import failed: %r", err.error)
        lines.append(gettext(MSG_FILE_FAILED))
    return lines


MSG_TOO_BIG = _("The file is larger than %(size)s MB; split it into smaller files.")
MSG_TOO_MANY_ROWS = _("The file has more than %(rows)s rows; split it into smaller files.")
MSG_EMPTY_FILE = _("The file holds no rows to import below its header row.")
MSG_UNREADABLE = _(
    "The file could not be read: save it from Excel as .xlsx (or as CSV, UTF-8 or GBK) and "
    "choose the matching format."
)
MSG_REASON_REQUIRED = _("Say why the full values are needed.")


class ImportRefused(ValueError):
    """A whole file refused before any row is read (a Chinese message for the form)."""


def import_limits() -> tuple[int, int]:
    return (
        int(getattr(settings, "IMPORT_MAX_BYTES", 5 * 1024 * 1024)),
        int(getattr(settings, "IMPORT_MAX_ROWS", 5000)),
    )


def _checked(dataset):
    _max_bytes, max_rows = import_limits()
    if len(dataset) > max_rows:
        raise ImportRefused(gettext(MSG_TOO_MANY_ROWS) % {"rows": max_rows})
    if not dataset.headers or not len(dataset):
        raise ImportRefused(gettext(MSG_EMPTY_FILE))
    return dataset


def _check_size(data) -> None:
    max_bytes, _rows = import_limits()
    if len(data) > max_bytes:
        raise ImportRefused(gettext(MSG_TOO_BIG) % {"size": max_bytes // (1024 * 1024) or 1})


class SafeXLSX(XLSX):
    """xlsx read with its formulas seen (a formula cell becomes a ``FormulaCell``), not their
    cached results; blank rows skipped; size and row limits."""

    def create_dataset(self, in_stream):
        import io

        import openpyxl
        import tablib

        _check_size(in_stream)
        _max_bytes, max_rows = import_limits()
        book = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True, data_only=False)
        sheet = book.active
        dataset = tablib.Dataset()
        rows = sheet.iter_rows()
        try:
            header = next(rows)
        except StopIteration:
            raise ImportRefused(gettext(MSG_EMPTY_FILE)) from None
        dataset.headers = ["" if c.value is None else str(c.value).strip() for c in header]
        width = len(dataset.headers)
        for row in rows:
            values = [
                FormulaCell(c.value) if getattr(c, "data_type", None) == "f" else c.value
                for c in row
            ][:width]
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            values += [None] * (width - len(values))
            dataset.append(values)
            if len(dataset) > max_rows:
                break
        book.close()
        return _checked(dataset)


class _FittedXLSXFormat(_tablib_xlsx.XLSXFormat):
    """tablib's xlsx writer with columns as wide as their text shows (tablib counts characters,
    so a column of Chinese names or branches came out half as wide as its text)."""

    @classmethod
    def _adapt_column_width(cls, worksheet, width):
        set_column_widths(worksheet, column_widths(worksheet.values))


class ExportXLSX(XLSX):
    """The admin's xlsx export (built in memory; large ones are streamed by ``streamexport``,
    which sizes its columns the same way)."""

    def export_data(self, dataset, **kwargs):
        return _FittedXLSXFormat.export_set(dataset, **kwargs)


class SafeCSV(CSV):
    """CSV read as UTF-8 (with or without BOM) or, failing that, GBK (what Chinese Excel saves)."""

    def is_binary(self):
        return True  # the bytes reach create_dataset, which finds the encoding itself

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        import tablib

        _check_size(in_stream)
        if isinstance(in_stream, bytes):
            for encoding in ("utf-8-sig", "gb18030"):
                try:
                    in_stream = in_stream.decode(encoding)
                    break
                except UnicodeDecodeError:
                    continue
            else:
                raise ImportRefused(gettext(MSG_UNREADABLE))
        dataset = tablib.import_set(in_stream, format="csv")
        return _checked(dataset)


class ChineseExportForm(SelectableFieldsExportForm):
    """The export form: Chinese column names, and the explicit full-value choice with a reason."""

    full_values = forms.BooleanField(
        label=_("Export full ID numbers and phone numbers"),
        required=False,
        help_text=_(
            "Without this the file holds masked values. A full-value export is recorded in the "
            "personal-data access log with its reason."
        ),
    )
    reason = forms.CharField(label=_("Reason for the full values"), required=False, max_length=300)

    def _get_field_label(self, resource, field_name):
        # the 编号 column ("key") is added when a resource is made, not declared on its class
        field = resource.fields.get(field_name) or resource().fields.get(field_name)
        return str(field.column_name) if field is not None else field_name

    def clean(self):
        data = super().clean()
        if data.get("full_values") and not (data.get("reason") or "").strip():
            self.add_error("reason", MSG_REASON_REQUIRED)
        return data


class ScopedImportExportMixin(ImportExportMixin):
    """Admin import/export: xlsx and csv, preview first, all or nothing, scoped to the user.

    Use as ``class FooAdmin(ScopedImportExportMixin, ScopedModelAdmin)`` with
    ``resource_classes = [FooResource]`` (a ``ScopedResourceMixin`` resource).
    """

    import_formats = [SafeXLSX, SafeCSV]
    export_formats = [ExportXLSX, CSV]
    export_form_class = ChineseExportForm
    skip_import_confirm = False
    skip_export_form = False
    import_error_display = ("message",)

    def is_skip_import_confirm_enabled(self):
        return False  # the preview is never skipped

    def get_resource_kwargs(self, request, *args, **kwargs):
        export_form = kwargs.get("export_form")
        kwargs = super().get_resource_kwargs(request, *args, **kwargs)
        kwargs.pop("form", None)
        kwargs.pop("export_form", None)
        kwargs["user"] = request.user
        kwargs["request"] = request
        data = getattr(export_form, "cleaned_data", None) or {}
        if data.get("full_values"):
            if not personal_data.can_view_personal_data(request.user):
                raise PermissionDenied
            kwargs["full_values"] = True
            kwargs["reason"] = data.get("reason", "")
        return kwargs

    def init_request_context_data(self, request, form):
        context = super().init_request_context_data(request, form)
        classes = self.get_export_resource_classes(request)
        context["offers_full_values"] = personal_data.can_view_personal_data(request.user) and any(
            getattr(cls, "personal_fields", None) for cls in classes
        )
        return context

    def get_export_filename(self, request, queryset, file_format):
        """e.g. 党员名册-花园村-20261201.xlsx: what, whose, when."""
        resource = self.get_export_resource_classes(request)[0](user=request.user)
        org = getattr(request.user, "organization", None)
        where = ""
        if org is not None:
            village = getattr(org, "village", None)
            where = getattr(village, "name", "") or org.name
        parts = [resource.title(), where, timezone.localdate().strftime("%Y%m%d")]
        name = "-".join(p for p in parts if p)
        name = re.sub(r'[\\/:*?"<>|\s]+', "", name)
        return f"{name}.{file_format.get_extension()}"

    def get_export_data(self, file_format, request, queryset, **kwargs):
        if not isinstance(file_format, ExportXLSX):
            return super().get_export_data(file_format, request, queryset, **kwargs)
        # import-export asks for native values (numbers, dates) only for its own XLSX class
        if not self.has_export_permission(request):
            raise PermissionDenied
        data = self.get_data_for_export(request, queryset, force_native_type=True, **kwargs)
        return file_format.export_data(data)

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        from chengjiang.jobs.offload import offload_admin_export

        # above JOB_SYNC_MAX_ROWS rows: made by a background job, with a progress page
        offloaded = offload_admin_export(self, file_format, request, queryset, export_form)
        if offloaded is not None:
            return offloaded
        if self.streams(file_format, queryset):
            return self._stream_file_export(file_format, request, queryset, export_form)
        response = super()._do_file_export(file_format, request, queryset, export_form)
        filename = self.get_export_filename(request, queryset, file_format)
        fallback = "export-{}.{}".format(
            timezone.localdate().strftime("%Y%m%d"), file_format.get_extension()
        )  # for clients that do not read RFC 6266's filename*
        response["Content-Disposition"] = (
            f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
        )
        return response

    def streams(self, file_format, queryset) -> bool:
        """Large exports are streamed (``chengjiang.streamexport``), never built in memory."""
        if file_format.get_extension() not in ("csv", "xlsx"):
            return False
        threshold = int(getattr(settings, "STREAM_EXPORT_MIN_ROWS", 5000))
        return queryset.count() >= threshold

    def _stream_file_export(self, file_format, request, queryset, export_form=None):
        from import_export.signals import post_export

        from chengjiang.streamexport import stream_export

        if not self.has_export_permission(request):
            raise PermissionDenied
        resource_class = self.choose_export_resource_class(export_form, request)
        resource = resource_class(
            **self.get_export_resource_kwargs(request, export_form=export_form)
        )
        response = stream_export(
            resource,
            queryset,
            fmt=file_format.get_extension(),
            export_fields=self.get_export_resource_fields_from_form(export_form),
            filename=self.get_export_filename(request, queryset, file_format),
        )
        post_export.send(sender=None, model=self.model)
        return response

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs.pop("request", None)
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def add_data_read_fail_error_to_form(self, form, e):
        message = str(e) if isinstance(e, ImportRefused) else gettext(MSG_UNREADABLE)
        form.add_error("import_file", message)

    # --- the import of a register with a bulk importer: background jobs ----------------------
    #
    # Every upload of such a register (members, meetings: ``bulk_importer`` on the resource) is
    # stored and previewed by an ``import`` job (chengjiang/jobs/imports.py), whatever its size,
    # up to IMPORT_JOB_MAX_BYTES and BULK_IMPORT_MAX_ROWS: one path, one preview page. Other
    # registers keep the in-request import below (IMPORT_MAX_BYTES / IMPORT_MAX_ROWS).

    def get_urls(self):
        from django.urls import path

        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "import/job/<int:pk>/",
                self.admin_site.admin_view(self.import_job_view),
                name="{}_{}_import_job".format(*info),
            ),
            path(
                "import/job/<int:pk>/confirm/",
                self.admin_site.admin_view(self.import_job_confirm),
                name="{}_{}_import_confirm".format(*info),
            ),
            *super().get_urls(),
        ]

    def bulk_import_key(self, resource_class) -> str | None:
        """The job's name of the resource when it imports through jobs (None: in the request)."""
        from chengjiang.jobs.kinds import export_key

        if getattr(resource_class, "bulk_importer", None) is None:
            return None
        return export_key(resource_class)

    def _import_url(self) -> str:
        info = self.model._meta.app_label, self.model._meta.model_name
        return reverse(f"admin:{info[0]}_{info[1]}_import")

    def _job_url(self, job, name="import_job") -> str:
        info = self.model._meta.app_label, self.model._meta.model_name
        return reverse(f"admin:{info[0]}_{info[1]}_{name}", kwargs={"pk": job.pk})

    def _start_import_job(self, request, form):
        """The upload becomes a preview job; the person follows it on its page."""
        from chengjiang.jobs.imports import start_preview

        resource_class = self.choose_import_resource_class(form, request)
        key = self.bulk_import_key(resource_class)
        upload = form.cleaned_data["import_file"]
        fmt = self.get_import_formats()[int(form.cleaned_data["format"])]()
        try:
            job = start_preview(
                resource=key,
                upload=upload,
                extension=fmt.get_extension(),
                by=request.user,
                remote_addr=request.META.get("REMOTE_ADDR"),
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return HttpResponseRedirect(self._import_url())
        return HttpResponseRedirect(self._job_url(job))

    def _own_import_job(self, request, pk):
        """An import job of this register, started by the person asking (or a superuser)."""
        from chengjiang.access import get_visible_or_404
        from chengjiang.jobs.models import Job
        from chengjiang.jobs.runner import mark_stale

        if not self.has_import_permission(request):
            raise PermissionDenied
        job = get_visible_or_404(Job.objects, request.user, pk=pk, kind="import")
        keys = {self.bulk_import_key(c) for c in self.get_import_resource_classes(request)}
        own = request.user.is_superuser or job.created_by_id == request.user.pk
        if not own or job.params.get("resource") not in keys - {None}:
            raise Http404
        return mark_stale(job)

    def import_job_view(self, request, pk: int):
        """An import job's page: its progress bar while it runs, then the preview (counts, the
        refused rows, the first rows, the confirm button) or the result."""
        from chengjiang.jobs.imports import confirmation_of, may_confirm, report_of
        from chengjiang.jobs.views import job_state

        job = self._own_import_job(request, pk)
        state = job_state(job, request.user)
        report = report_of(job)
        dry_run = bool(job.params.get("dry_run"))
        confirmed = confirmation_of(job) if dry_run and report is not None else None
        rows = []
        if report:
            for row in report.get("preview", []):
                cells = list(zip(row.get("cells", []), row.get("changed", []), strict=False))
                rows.append({**row, "pairs": cells})
        context = {
            **self.admin_site.each_context(request),
            "title": gettext(MSG_PREVIEW_TITLE if dry_run else MSG_IMPORT_TITLE),
            "opts": self.model._meta,
            "job": job,
            "state": state,
            "report": report,
            "preview_rows": rows,
            "dry_run": dry_run,
            "confirmed": confirmed,
            "confirmed_url": self._job_url(confirmed) if confirmed else "",
            "confirm_url": (
                self._job_url(job, "import_confirm")
                if confirmed is None and may_confirm(job, report)
                else ""
            ),
            "import_url": self._import_url(),
            "filename": job.params.get("filename", ""),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/import_export/import_job.html", context)

    def import_job_confirm(self, request, pk: int):
        """The confirm button: the write job on the file previewed (once per preview)."""
        from chengjiang.jobs.imports import may_confirm, report_of, start_write

        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        job = self._own_import_job(request, pk)
        if not may_confirm(job, report_of(job)):
            messages.error(request, gettext(MSG_NOT_CONFIRMABLE))
            return HttpResponseRedirect(self._job_url(job))
        try:
            write = start_write(job, by=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return HttpResponseRedirect(self._job_url(job))
        return HttpResponseRedirect(self._job_url(write))

    def import_action(self, request, **kwargs):
        upload = request.FILES.get("import_file") if request.method == "POST" else None
        if upload is not None:
            form = self.create_import_form(request)
            if form.is_valid() and self.has_import_permission(request):
                chosen = self.choose_import_resource_class(form, request)
                if self.bulk_import_key(chosen) is not None:
                    limit = int(getattr(settings, "IMPORT_JOB_MAX_BYTES", 50 * 1024 * 1024))
                    if upload.size > limit:
                        messages.error(
                            request, gettext(MSG_TOO_BIG) % {"size": limit // (1024 * 1024) or 1}
                        )
                        return HttpResponseRedirect(self._import_url())
                    return self._start_import_job(request, form)
        max_bytes, _rows = import_limits()
        if upload is not None and upload.size > max_bytes:
            messages.error(
                request, gettext(MSG_TOO_BIG) % {"size": max_bytes // (1024 * 1024) or 1}
            )
            return HttpResponseRedirect(self._import_url())
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        result = context.get("result")
        if result is not None:
            context["counts"] = import_counts(result)
            context["has_row_errors"] = result.has_errors() or result.has_validation_errors()
            context["row_reasons"] = row_reasons(result)
            context["bad_rows"] = list(
                zip(context["row_reasons"], row_labels(result), strict=False)
            )
        if result is not None and (result.has_errors() or result.has_validation_errors()):
            reasons = row_reasons(result)
            messages.error(request, gettext(MSG_FILE_REFUSED) % {"count": len(reasons)})
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

    def add_success_message(self, result, request):
        counts = import_counts(result)
        messages.success(request, gettext(MSG_IMPORT_DONE) % counts)


MSG_IMPORT_DONE = _("Import finished: %(new)s added, %(update)s changed, %(skip)s unchanged.")
MSG_PREVIEW_TITLE = _("Import preview")
MSG_IMPORT_TITLE = _("Import")
MSG_NOT_CONFIRMABLE = _(
    "This preview cannot be confirmed: it is not finished, has refused rows or nothing to write."
)


def import_counts(result) -> dict[str, int]:
    """新增 / 修改 / 无变化 counts of an import result."""
    totals = result.totals
    return {
        "new": totals.get("new", 0),
        "update": totals.get("update", 0),
        "skip": totals.get("skip", 0),
        "invalid": totals.get("invalid", 0) + totals.get("error", 0),
    }
