"""The cell rules every app's import shares: what a yes/no cell may say, what "missing" means,
and how the import preview shows a cell.

One widget and one message each, so a sheet's 是/否 column reads the same in every import and an
unknown word is refused (naming the cell's text), never silently taken as 否. The preview
(``PreviewDiff``) shows each cell as the export does and marks only values that change.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import widgets

from chengjiang.importexport import ClassedDiff

MSG_REQUIRED = _("This column must be filled in.")
MSG_BAD_YES_NO = _("“%(value)s” is neither 是 nor 否.")

YES_WORDS = frozenset({"是", "1", "true", "yes", "y", "√"})
NO_WORDS = frozenset({"否", "0", "false", "no", "n", "×"})


def is_missing(value) -> bool:
    """Empty is missing; 0 and False are values."""
    return value is None or (isinstance(value, str) and not value.strip())


def require(instance, *attrs: str) -> None:
    """Refuse, column by column, the attributes an imported row left empty."""
    errors = {
        a: ValidationError(MSG_REQUIRED) for a in attrs if is_missing(getattr(instance, a, None))
    }
    if errors:
        raise ValidationError(errors)


class YesNoWidget(widgets.Widget):
    """是/否 (1/0, true/false, yes/no, y/n, √/×, plus a column's own words such as 出勤/缺勤).

    ``empty`` is what an empty cell means: ``None`` (not given) by default; pass ``False`` where an
    empty cell means no, or ``required=True`` to refuse it. Any other text is refused.
    """

    def __init__(self, *, yes=(), no=(), empty=None, required=False, **kwargs):
        super().__init__(**kwargs)
        self.yes = YES_WORDS | {w.lower() for w in yes}
        self.no = NO_WORDS | {w.lower() for w in no}
        self.empty = empty
        self.required = required

    def clean(self, value, row=None, **kwargs):
        if value is True or value is False:
            return value
        text = "" if value is None else str(value).strip()
        if not text:
            if self.required:
                raise ValueError(gettext(MSG_REQUIRED))
            return self.empty
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        if text.lower() in self.yes:
            return True
        if text.lower() in self.no:
            return False
        raise ValueError(gettext(MSG_BAD_YES_NO) % {"value": text})

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return "是" if value else "否"


# --- the import preview ---------------------------------------------------------------------


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


class PreviewDiff(ClassedDiff):
    """The preview's cells are the export's cells, compared by value.

    * A column the import reads shows the value the row brings (its attribute, through the
      widget: a choice by its label, a name by its name).
    * A column it does not read (read-only, or computed by a ``dehydrate_<field>`` method: a
      candidate's village, a session's start, a stage's label) shows what the export shows, for
      the stored record and for the row's record alike; a new record that cannot compute it yet
      shows it empty.
    * A number is shown by its value (``number_text``), so the 410 an xlsx cell holds and the
      410.0 stored are the same cell, and only a value that changes is marked.
    """

    @staticmethod
    def read(resource, instance) -> list:
        return [
            "" if instance is None else preview_cell(resource, field, instance)
            for field in resource.get_import_fields()
        ]


def preview_cell(resource, field, instance):
    if field.attribute and not field.readonly:
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


class PreviewDiffMixin:
    """For a resource: the import preview of ``PreviewDiff`` (before ``ScopedResourceMixin``)."""

    def get_diff_class(self):
        return PreviewDiff
