"""The cell rules every app's import shares: what a yes/no cell may say and what "missing" means
(how the import preview shows a cell is ``chengjiang.importexport.ClassedDiff``'s).

One widget and one message each, so a sheet's 是/否 column reads the same in every import and an
unknown word is refused (naming the cell's text), never silently taken as 否.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import widgets

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
