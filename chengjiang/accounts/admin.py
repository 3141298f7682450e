from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from chengjiang.forms import CleanTextAdminMixin

from .models import User


@admin.register(User)
class UserAdmin(CleanTextAdminMixin, BaseUserAdmin):
    list_display = ("username", "last_name", "first_name", "organization", "is_staff", "is_active")
    list_select_related = ("organization",)
    list_filter = ("groups", "is_staff", "is_active")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Scope"), {"fields": ("organization",)}),
    )
    autocomplete_fields = ("organization",)

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


# The audit trail and the personal-data view log: read-only, scoped (see chengjiang/audit_admin.py).
from chengjiang import audit_admin  # noqa: E402, F401
