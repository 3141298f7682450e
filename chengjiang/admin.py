"""Admin building blocks shared by every app: scope on every queryset and every choice."""

from django.contrib import admin

from chengjiang.audit_admin import AuditHistoryMixin
from chengjiang.forms import CleanTextAdminMixin

__all__ = ["CleanTextAdminMixin", "ScopedAdminMixin", "ScopedModelAdmin", "ScopedTabularInline"]


class ScopedAdminMixin(CleanTextAdminMixin):
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


class ScopedModelAdmin(AuditHistoryMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_per_page = 50


class ScopedTabularInline(ScopedAdminMixin, admin.TabularInline):
    extra = 0
