"""Form building blocks shared by every app: text without control characters.

Every text a person types passes ``chengjiang.text.clean_text`` before a form validates it: a
vertical tab pasted from Word (Shift+Enter) becomes a line break in a text area and a space in
a one-line field; other control characters are removed. Portal forms get it from
``CleanTextMixin``; the admin's forms from ``chengjiang.admin`` (``CleanTextAdminMixin``).
"""

from __future__ import annotations

from django import forms

from chengjiang.text import clean_text

__all__ = ["CleanTextAdminMixin", "CleanTextMixin", "clean_text_field", "clean_text_fields"]


def clean_text_field(field: forms.Field) -> forms.Field:
    """Make ``field`` clean its text before it validates (once; passwords are left alone)."""
    if (
        not isinstance(field, forms.CharField)
        or isinstance(field.widget, forms.PasswordInput)
        or getattr(field, "cleans_text", False)
    ):
        return field
    multiline = isinstance(field.widget, forms.Textarea)
    to_python = field.to_python

    def cleaning_to_python(value):
        if isinstance(value, str):
            value = clean_text(value, multiline=multiline)
        return to_python(value)

    field.to_python = cleaning_to_python
    field.cleans_text = True
    return field


def clean_text_fields(fields) -> None:
    for field in fields.values():
        clean_text_field(field)


class CleanTextMixin:
    """For every portal form: text fields (also ones added in ``__init__``) clean their text."""

    def full_clean(self):
        clean_text_fields(self.fields)
        super().full_clean()


class CleanTextAdminMixin:
    """Admin forms and inline forms clean typed text (``chengjiang.forms``), declared fields too."""

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        clean_text_fields(form.base_fields)
        return form

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        clean_text_fields(formset.form.base_fields)
        return formset
