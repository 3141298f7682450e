from django.contrib import admin
from django.contrib.admin.templatetags import admin_list
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chengjiang.forms import CleanTextAdminMixin

from .models import User

ACTIONS = {"add": _("add"), "change": _("change"), "delete": _("delete"), "view": _("view")}


def permission_label(permission) -> str:
    """组织建设 | 会议 | 添加 rather than Django's stored English name ("Can add meeting"); a
    custom permission by its name as translated."""
    model = permission.content_type.model_class()
    app = permission.content_type.app_label
    if model is not None:
        from django.apps import apps

        app = apps.get_app_config(model._meta.app_label).verbose_name
    action, _sep, model_name = permission.codename.partition("_")
    if model is not None and action in ACTIONS and model_name == model._meta.model_name:
        what = ACTIONS[action]
    else:
        what = gettext(permission.name)
    name = model._meta.verbose_name if model is not None else permission.content_type.model
    return f"{app} | {name} | {what}"


class ChinesePermissionsMixin:
    """The permissions picker of the user and group pages, labelled in Chinese."""

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        field = super().formfield_for_manytomany(db_field, request=request, **kwargs)
        if db_field.name in ("permissions", "user_permissions") and field is not None:
            field.label_from_instance = permission_label
        return field


@admin.register(User)
class UserAdmin(ChinesePermissionsMixin, CleanTextAdminMixin, BaseUserAdmin):
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


class GroupAdmin(ChinesePermissionsMixin, BaseGroupAdmin):
    pass


if admin.site.is_registered(Group):
    admin.site.unregister(Group)
admin.site.register(Group, GroupAdmin)


# The audit trail and the personal-data view log: read-only, scoped (see chengjiang/audit_admin.py).
from chengjiang import audit_admin  # noqa: E402, F401


def _boolean_icon(field_val):
    """Django's yes/no/unknown icon with a Chinese alt text (Django writes alt="True"/"False"/
    "None", which screen readers read out and no catalogue can translate)."""
    from django.templatetags.static import static
    from django.utils.html import format_html

    icon, alt = {
        True: ("yes", _("Yes")),
        False: ("no", _("No")),
        None: ("unknown", _("Unknown")),
    }[field_val]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), alt)


# The admin's list cells and read-only fields both look the function up in this module.
admin_list._boolean_icon = _boolean_icon


def _name_axes_in_chinese() -> None:
    """django-axes names its app "Axes" (no translation): the sign-in log is 登录安全 here."""
    from django.apps import apps

    if apps.is_installed("axes"):
        apps.get_app_config("axes").verbose_name = _("Sign-in security")


_name_axes_in_chinese()
