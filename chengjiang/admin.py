"""Admin building blocks shared by every app: scope on every queryset and every choice."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect

from chengjiang import services as shared_services
from chengjiang.audit_admin import AuditHistoryMixin


class ScopedAdminMixin:
    """Admin rows, foreign-key choices and autocompletes all pass through ``visible_to(user)``.

    Out-of-scope objects are simply not in the queryset, so the admin answers its own
    "does not exist" redirect for them, never their data.
    """

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs.visible_to(request.user)

    @staticmethod
    def _scoped(qs, request):
        return qs.visible_to(request.user) if hasattr(qs, "visible_to") else qs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = db_field.remote_field.model._default_manager.all()
        kwargs["queryset"] = self._scoped(kwargs["queryset"], request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = db_field.remote_field.model._default_manager.all()
        kwargs["queryset"] = self._scoped(kwargs["queryset"], request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def formset_outcome(formset) -> list:
    """Fill ``new_objects``/``changed_objects``/``deleted_objects`` without writing anything.

    The admin's change message reads those lists, which only ``formset.save()`` fills. Save
    paths that write through a service call this first (``save(commit=False)`` writes nothing)
    and get the instances to hand to the service: new and changed rows, deletions apart.
    """
    return formset.save(commit=False)


def _add_refusal(form, refusal: ValidationError) -> None:
    """Put a service's refusal on the form: on its field when the form has it, else on top."""
    if hasattr(refusal, "error_dict"):
        for field, errors in refusal.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, refusal)


class ServiceRefusalMixin:
    """A service refusing a save answers the form again with the reason, never a server error.

    Save paths (``save_model``, ``save_related``, ``save_formset``) write through the services,
    which refuse with ``ValidationError``. The admin does not expect it there: the whole save is
    rolled back (the change view runs in one transaction) and the form is shown again with what
    was typed and the refusal in Chinese. A refused delete is shown as a message.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            if request.method != "POST" or hasattr(request, "_service_refusal"):
                raise
            request._service_refusal = exc
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, "_service_refusal", None)
        if refusal is None:
            return form_class

        class RefusedForm(form_class):
            def clean(self):
                data = super().clean()
                _add_refusal(self, refusal)
                return data

        RefusedForm.__name__ = form_class.__name__
        return RefusedForm

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return HttpResponseRedirect(request.path)


class RuleErrorsShownForm(forms.ModelForm):
    """A model's ``clean()`` may name a field this form does not show (an inline row shows a
    few columns): the message then stands above the row instead of answering a server error."""

    def _update_errors(self, errors):
        if hasattr(errors, "error_dict"):
            shown: dict[str, list] = {}
            for field, messages_ in errors.error_dict.items():
                key = field if field in self.fields else NON_FIELD_ERRORS
                shown.setdefault(key, []).extend(messages_)
            errors = ValidationError(shown)
        super()._update_errors(errors)


class ServiceSavesMixin:
    """Every admin write goes through a service with the acting user (``by=request.user``).

    By default a record (and each inline row) is written by ``chengjiang.services.record_save``
    and deleted by ``record_delete``: the scope check, ``full_clean()`` and the model's rules.
    An admin whose records have a service of their own overrides ``save_model`` /
    ``save_formset`` / ``delete_model`` and calls it; nothing here saves directly.
    """

    def save_model(self, request, obj, form, change):
        shared_services.record_save(record=obj, by=request.user)

    def delete_model(self, request, obj):
        shared_services.record_delete(record=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        """All selected or none: a refusal rolls the deletion back and is shown."""
        try:
            with transaction.atomic():
                for obj in queryset:
                    self.delete_model(request, obj)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)

    def save_formset(self, request, form, formset, change):
        objects = formset_outcome(formset)
        for obj in formset.deleted_objects:
            shared_services.record_delete(record=obj, by=request.user)
        for obj in objects:
            shared_services.record_save(record=obj, by=request.user)
        formset.save_m2m()


class ScopedModelAdmin(
    ServiceRefusalMixin, ServiceSavesMixin, AuditHistoryMixin, ScopedAdminMixin, admin.ModelAdmin
):
    form = RuleErrorsShownForm
    list_per_page = 50


class ScopedTabularInline(ScopedAdminMixin, admin.TabularInline):
    form = RuleErrorsShownForm
    extra = 0
