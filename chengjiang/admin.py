"""Admin building blocks shared by every app: scope on every queryset and every choice, and one
rule for personal data on every page.

``ScopedModelAdmin`` (and ``ScopedTabularInline``) give every ModelAdmin:

* rows, foreign-key choices, autocompletes and the filter sidebar's choices through
  ``visible_to(user)``: an out-of-scope record reads as not found, and another village's name
  is never listed;
* only the declared filters in the query string (``list_filter``, ``date_hierarchy``): an
  undeclared lookup such as ``?id_number__startswith=3418`` answers 400, so no one can recover a
  masked value a character at a time;
* personal fields (``chengjiang.personal_data.personal_fields``) masked and read-only on the
  change page for users without ``accounts.view_personal_data``; holders see the full values
  and every such view is recorded (``personal_data.reveal``);
* no search on personal fields (the search box puts what is typed into the URL and the access
  log); an ID number is looked up by a POST form instead (``…/find-by-id-number/``), which
  answers the one record's page, a list by primary keys, or "not found".
"""

from __future__ import annotations

from urllib.parse import quote as urlquote

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.filters import (
    RelatedFieldListFilter,
    RelatedOnlyFieldListFilter,
    SimpleListFilter,
)
from django.contrib.admin.utils import get_fields_from_path, quote
from django.contrib.admin.views.main import PAGE_VAR, ChangeList
from django.core.cache import cache
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.core.paginator import Paginator
from django.db import connections, router, transaction
from django.db.models import Q
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.loader import get_template
from django.template.response import TemplateResponse
from django.urls import get_script_prefix, get_urlconf, path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import escape, format_html
from django.utils.http import RFC3986_SUBDELIMS, urlencode
from django.utils.safestring import mark_safe
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from chengjiang import personal_data
from chengjiang import services as shared_services
from chengjiang.access import MSG_NOT_FOUND, scope_path
from chengjiang.audit_admin import AuditHistoryMixin
from chengjiang.data_version import data_version
from chengjiang.forms import CleanTextAdminMixin
from chengjiang.uploads import kind_label

__all__ = ["CleanTextAdminMixin", "ScopedAdminMixin", "ScopedModelAdmin", "ScopedTabularInline"]

# What a declared filter may append to its field path in the query string.
FILTER_SUFFIXES = frozenset(
    {"", "exact", "isnull", "isempty", "gte", "lt", "year", "month", "day", "in"}
)
# Lookups that reveal nothing: the list of records by primary key (the ID search's answer).
ALWAYS_ALLOWED = frozenset({"pk__in", "id__in"})

MSG_ID_NUMBER = _("ID number")
URL_PK = "~pk~"  # stands for a key in a URL reversed once (no key is written so)
MSG_FIND_BY_ID_NUMBER = _("Find by ID number")


def _scoped(qs, request):
    return qs.visible_to(request.user) if hasattr(qs, "visible_to") else qs


class ScopedRelatedFieldListFilter(RelatedFieldListFilter):
    """The sidebar lists only related records the user may see (no other village's name).

    The choices are kept per scope, language and data version (any write to a domain app bumps
    it, ``chengjiang/data_version.py``): a changelist does not read and compile the related
    table's scoped query on every page (250 villages: a query and 3.5 ms of 30, issue 12), and
    a new or renamed record is listed at once."""

    CHOICES_SECONDS = 600

    def field_choices(self, field, request, model_admin):
        database = connections[router.db_for_read(field.remote_field.model)]
        key = "admin-filter-choices:" + ":".join(
            str(part)
            for part in (
                database.settings_dict["NAME"],  # one cache may serve several databases
                model_admin.model._meta.label_lower,
                self.field_path,
                scope_path(request.user),
                get_language(),
                data_version(),
            )
        )
        choices = cache.get(key)
        if choices is None:
            choices = self._field_choices(field, request, model_admin)
            cache.set(key, choices, self.CHOICES_SECONDS)
        return choices

    def _field_choices(self, field, request, model_admin):
        related = field.remote_field.model
        qs = _scoped(related._default_manager.all(), request)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            qs = qs.order_by(*ordering)
        limit = field.get_limit_choices_to()
        if limit:
            qs = qs.complex_filter(limit)
        target = field.target_field.attname if hasattr(field, "target_field") else "pk"
        return [(getattr(obj, target, obj.pk), str(obj)) for obj in qs]


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
        return _scoped(qs, request)

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

    # --- personal data on the change page ---------------------------------------------------

    def personal_fields(self) -> tuple[str, ...]:
        return personal_data.personal_fields(self.model)

    def _masked_display(self, name: str):
        """A read-only display of the masked value of ``name`` (one callable per field)."""
        cache = self.__dict__.setdefault("_masked_displays", {})
        if name not in cache:
            field = self.model._meta.get_field(name)

            def display(obj, _name=name):
                return personal_data.mask_value(_name, getattr(obj, _name, ""))

            display.__name__ = f"{name}_masked"
            display.short_description = field.verbose_name
            cache[name] = display
        return cache[name]

    def _hides_personal(self, request, obj) -> bool:
        return obj is not None and not personal_data.can_view_personal_data(request.user)

    def _mask_names(self, names, request, obj):
        if not self._hides_personal(request, obj):
            return names
        personal = set(self.personal_fields())
        out = []
        for name in names:
            if isinstance(name, list | tuple):
                out.append(type(name)(self._mask_names(name, request, obj)))
            elif isinstance(name, str) and name in personal:
                out.append(self._masked_display(name))
            else:
                out.append(name)
        return out

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Wrap the instance's own (possibly overridden) methods, so that no subclass's
        # get_fields/get_fieldsets/get_readonly_fields can bring a personal field back.
        own_fields, own_fieldsets = self.get_fields, self.get_fieldsets
        own_readonly = self.get_readonly_fields

        def get_fields(request, obj=None):
            return self._mask_names(list(own_fields(request, obj)), request, obj)

        def get_fieldsets(request, obj=None):
            fieldsets = own_fieldsets(request, obj)
            if not self._hides_personal(request, obj):
                return fieldsets
            return [
                (title, {**opts, "fields": self._mask_names(list(opts["fields"]), request, obj)})
                for title, opts in fieldsets
            ]

        def get_readonly_fields(request, obj=None):
            readonly = list(own_readonly(request, obj))
            if not self._hides_personal(request, obj):
                return readonly
            personal = self.personal_fields()
            masked = [self._masked_display(name) for name in personal]
            return [f for f in readonly if f not in personal and f not in masked] + masked

        self.get_fields = get_fields
        self.get_fieldsets = get_fieldsets
        self.get_readonly_fields = get_readonly_fields

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or ())
        if self._hides_personal(request, obj):
            exclude += [f for f in self.personal_fields() if f not in exclude]
        return exclude or None

    def get_list_display(self, request):
        """Lists show masks to everyone: a full value is only ever seen on one record's page."""
        personal = set(self.personal_fields())
        return [
            self._masked_display(name) if isinstance(name, str) and name in personal else name
            for name in super().get_list_display(request)
        ]

    # --- query strings: declared filters only -------------------------------------------------

    def _declared_filter_paths(self, request) -> tuple[set[str], set[str]]:
        paths, params = set(), set()
        for item in self.get_list_filter(request):
            if isinstance(item, type) and issubclass(item, SimpleListFilter):
                params.add(item.parameter_name)
            elif isinstance(item, list | tuple):
                paths.add(item[0])
            else:
                paths.add(item)
        if self.date_hierarchy:
            paths.add(self.date_hierarchy)
        return paths, params

    def lookup_allowed(self, lookup, value, request=None):
        from django.contrib.admin import widgets

        if lookup in ALWAYS_ALLOWED:
            return True
        # The raw-id popups' own limit_choices_to lookups (exact pairs only).
        for fk_lookup in self.model._meta.related_fkey_lookups:
            if callable(fk_lookup):
                fk_lookup = fk_lookup()
            if (lookup, value) in widgets.url_params_from_lookup_dict(fk_lookup).items():
                return True
        paths, params = self._declared_filter_paths(request)
        if lookup in params:
            return True
        for declared in paths:
            if lookup == declared:
                return True
            if not lookup.startswith(declared + LOOKUP_SEP):
                continue
            rest = lookup[len(declared) + len(LOOKUP_SEP) :].split(LOOKUP_SEP)
            try:
                last = get_fields_from_path(self.model, declared)[-1]
            except (FieldDoesNotExist, IndexError):
                continue
            if last.is_relation:
                target = getattr(last, "target_field", None)
                names = {"pk", "id", getattr(target, "name", "id")}
                if rest[0] in names:
                    rest = rest[1:]
            if len(rest) == 1 and rest[0] in FILTER_SUFFIXES:
                return True
        return False

    def get_list_filter(self, request):
        """Relation filters list only what the user may see."""
        scoped = []
        for item in super().get_list_filter(request):
            if isinstance(item, str):
                try:
                    field = get_fields_from_path(self.model, item)[-1]
                except (FieldDoesNotExist, IndexError):
                    field = None
                if field is not None and field.is_relation:
                    item = (item, ScopedRelatedFieldListFilter)
            elif (
                isinstance(item, list | tuple)
                and isinstance(item[1], type)
                and issubclass(item[1], RelatedOnlyFieldListFilter | RelatedFieldListFilter)
                and not issubclass(item[1], ScopedRelatedFieldListFilter)
            ):
                item = (item[0], ScopedRelatedFieldListFilter)
            scoped.append(item)
        return scoped

    # --- search: never on personal fields; ID numbers by POST ----------------------------------

    def get_search_fields(self, request):
        personal = set(self.personal_fields())
        return [
            f
            for f in super().get_search_fields(request)
            if f.lstrip("^=@").split(LOOKUP_SEP)[-1] not in personal
            and not personal_data.is_personal_field(f.lstrip("^=@"))
        ]

    # Foreign keys to tables of thousands of rows (issue 12: 5,000 organisations, 100,000
    # members) are picked by autocomplete, never a <select> of every row.
    autocomplete_models = frozenset({"branches.organization", "branches.member"})

    def get_autocomplete_fields(self, request):
        fields = list(super().get_autocomplete_fields(request))
        for f in self.model._meta.get_fields():
            if not ((f.many_to_one or f.many_to_many) and f.concrete and f.editable):
                continue
            if f.related_model._meta.label_lower not in self.autocomplete_models:
                continue
            if f.name in fields or f.name in self.raw_id_fields:
                continue
            target = self.admin_site._registry.get(f.related_model)
            if target is not None and target.search_fields:
                fields.append(f.name)
        return fields

    def get_search_results(self, request, queryset, search_term):
        """Search that an index can answer on big tables: a name across a foreign key
        (``organization__name``) is looked up first in its own table and matched by key
        (``organization_id IN (…)``), so every condition is on the searched table itself and
        PostgreSQL ORs its trigram and key indexes instead of joining and scanning every row.
        Anything this does not cover (``^ = @`` prefixes, explicit lookups, reverse or
        many-to-many paths) is left to Django's own search."""
        fields = [str(f) for f in self.get_search_fields(request)]
        plan = _search_plan(self.model, fields) if search_term and fields else None
        if plan is None:
            return super().get_search_results(request, queryset, search_term)
        local, related = plan
        terms = []
        for bit in smart_split(search_term):
            if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
                bit = unescape_string_literal(bit)
            q = Q()
            for name in local:
                q |= Q(**{f"{name}__{text_lookup(bit)}": bit})
            for fk, rest in related:
                target = self.model._meta.get_field(fk).remote_field.model
                matched = _scoped(target._default_manager.all(), request).filter(rest_q(rest, bit))
                q |= Q(**{f"{fk}__in": list(matched.order_by().values_list("pk", flat=True))})
            terms.append(q)
        for q in terms:
            queryset = queryset.filter(q)
        return queryset, False


def rest_q(rest: list[str], bit: str) -> Q:
    q = Q()
    for name in rest:
        q |= Q(**{f"{name}__{text_lookup(bit)}": bit})
    return q


def text_lookup(bit: str) -> str:
    """``icontains``, except for a term shorter than a trigram that has no letter case (two
    Chinese characters: 花园, 党课): no trigram of it is in the index, so PostgreSQL would read
    the whole trigram index and then recheck every row (2 s a query at 1M meetings, issue 12).
    ``contains`` finds the same rows (there is no case to ignore) with a plain LIKE that is not
    the index's ``UPPER(…)`` expression: at worst one read of the table (0.2 s)."""
    if len(bit) < 3 and bit.upper() == bit.lower():
        return "contains"
    return "icontains"


def _search_plan(model, fields):
    """(local fields, [(foreign key, [fields of its model])]) or None if any field is not a
    plain text field here or one forward foreign key away."""
    local, related = [], {}
    for name in fields:
        parts = name.split(LOOKUP_SEP)
        try:
            if len(parts) == 1 and name[:1] not in "^=@":
                if model._meta.get_field(name).is_relation:
                    return None
                local.append(name)
                continue
            if len(parts) != 2:
                return None
            fk = model._meta.get_field(parts[0])
            if not (fk.many_to_one and fk.concrete):
                return None
            if fk.remote_field.model._meta.get_field(parts[1]).is_relation:
                return None
        except FieldDoesNotExist:
            return None
        related.setdefault(parts[0], []).append(parts[1])
    return local, list(related.items())


def year_filter(field: str):
    """A sidebar filter by year on a date field, for tables of a million rows.

    The admin's ``date_hierarchy`` reads MIN/MAX and every distinct year of the whole scoped
    table on each changelist (about 500 ms at 1M meetings, issue 12); this filter offers the last
    ten years without reading the table and filters with ``<field>__year`` (an index range).
    Its parameter is ``<field>__year``, so links that used the date hierarchy's year still work.
    """

    class YearFilter(SimpleListFilter):
        title = _("year")
        parameter_name = f"{field}__year"

        def lookups(self, request, model_admin):
            this = timezone.localdate().year
            return [(str(y), _("%(year)d") % {"year": y}) for y in range(this, this - 10, -1)]

        def queryset(self, request, queryset):
            value = self.value()
            if value and value.isdigit() and 1900 <= int(value) <= 2100:
                return queryset.filter(**{f"{field}__year": int(value)})
            return queryset

    YearFilter.__name__ = f"YearFilter_{field}"
    return YearFilter


# The admin's navigation sidebar (every app and model the user may open) as rendered, by what it
# shows: the same apps, links and names, on the same path, in the same language, give the same
# HTML, so it is rendered once per process instead of once per page (9 ms of a changelist's
# 40 ms of CPU, issue 12). A pure function of its key: nothing here can go stale.
_NAV_SIDEBARS: dict = {}
NAV_SIDEBARS_KEPT = 256


def _apps_key(available_apps) -> tuple:
    return tuple(
        (
            app.get("app_label"),
            app.get("app_url"),
            str(app.get("name")),
            tuple(
                (
                    m.get("object_name"),
                    str(m.get("name")),
                    m.get("admin_url"),
                    m.get("add_url"),
                    m.get("view_only"),
                )
                for m in app.get("models", ())
            ),
        )
        for app in available_apps
    )


def nav_sidebar_html(request, available_apps) -> str:
    """``admin/nav_sidebar.html`` for these apps on this page, rendered at most once."""
    key = (get_language(), request.path, _apps_key(available_apps))
    html = _NAV_SIDEBARS.get(key)
    if html is None:
        html = get_template("admin/nav_sidebar.html").render(
            {"available_apps": available_apps, "request": request}
        )
        if len(_NAV_SIDEBARS) >= NAV_SIDEBARS_KEPT:
            _NAV_SIDEBARS.clear()
        _NAV_SIDEBARS[key] = html
    return mark_safe(html)


class CappedCountPaginator(Paginator):
    """The admin's paginator on big tables: the count reads at most ``count_cap + 1`` rows
    (a COUNT over a LIMITed subquery), so an unfiltered changelist of a million rows neither
    counts them all nor offers a page beyond the cap; ``count_capped`` says there are more.

    The cap follows the page asked for (``page_cap``): ``AHEAD_PAGES`` pages beyond it, in
    whole thousands, at least ``COUNT_MIN`` and at most ``COUNT_CAP`` rows. A first page counts
    ~1,000 rows, not 10,000 (a search matching one meeting in five read ~50,000 rows to count
    10,000: 49 ms of the page's 160, issue 12); every later page is still reachable, its count
    reading about as many rows as its own OFFSET does."""

    COUNT_CAP = 10_000
    COUNT_MIN = 1_000
    AHEAD_PAGES = 10

    def __init__(self, *args, page: int = 1, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_cap = self.page_cap(page)

    def page_cap(self, page: int) -> int:
        wanted = (max(page, 1) + self.AHEAD_PAGES) * int(self.per_page)
        step = self.COUNT_MIN
        return min(self.COUNT_CAP, max(step, -(-wanted // step) * step))

    @cached_property
    def count(self):
        qs = self.object_list
        if not hasattr(qs, "order_by"):
            return len(qs)
        cap = self.count_cap
        n = qs.order_by()[: cap + 1].count()
        self.count_capped = n > cap
        return min(n, cap)

    count_capped = False


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
        form_class = super().get_form(request, obj, change=change, **kwargs)
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
    # Issue 12: no COUNT(*) of a whole table on a changelist (capped count, no full count).
    paginator = CappedCountPaginator
    show_full_result_count = False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        if not issubclass(self.paginator, CappedCountPaginator):
            return super().get_paginator(
                request, queryset, per_page, orphans, allow_empty_first_page
            )
        try:  # the changelist's own reading of ?p= (a bad value is the first page)
            page = int(request.GET.get(PAGE_VAR, 1))
        except ValueError:
            page = 1
        return self.paginator(queryset, per_page, orphans, allow_empty_first_page, page=page)

    def action_checkbox(self, obj):
        """The list's selection box, the same HTML as Django's, without rendering a widget
        template per row (a third of a 50-row changelist's time, issue 12)."""
        label = gettext("Select this object for an action - {}").format(escape(str(obj)))
        return mark_safe(
            f'<input type="checkbox" name="{helpers.ACTION_CHECKBOX_NAME}" '
            f'value="{escape(str(obj.pk))}" class="action-select" aria-label="{label}">'
        )

    def _url_pattern(self, name: str) -> str:
        """``reverse(name, args=[pk])`` with a placeholder for the key, reversed once per
        script prefix and URLconf instead of once per row."""
        key = (name, get_script_prefix(), get_urlconf())
        cache = self.__dict__.setdefault("_url_patterns", {})
        if key not in cache:
            cache[key] = reverse(name, args=[URL_PK], current_app=self.admin_site.name)
        return cache[key]

    def url_for_object(self, view: str, pk) -> str:
        opts = self.model._meta
        name = f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{view}"
        # as reverse() writes an argument: the admin's quote(), then the URL's
        key = urlquote(str(quote(pk)), safe=RFC3986_SUBDELIMS + "/~:@")
        return self._url_pattern(name).replace(URL_PK, key, 1)

    @admin.display(description=_("Audit log"))
    def auditlog_link(self, obj):
        """auditlog's column, its URL without a ``reverse()`` per row."""
        return format_html(
            '<a href="{}">{}</a>', self.url_for_object("auditlog", obj.pk), gettext("View")
        )

    def get_changelist(self, request, **kwargs):
        return ScopedChangeList

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if (
            obj is not None
            and obj.pk is not None
            and personal_data.can_view_personal_data(request.user)
        ):
            for field in self.personal_fields():
                if getattr(obj, field, ""):
                    personal_data.reveal(request.user, obj, field, request=request)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _id_field(self) -> str | None:
        names = self.personal_fields()
        return next((n for n in names if "id_" in n), None)

    def get_urls(self):
        urls = super().get_urls()
        if self._id_field() is None:
            return urls
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "find-by-id-number/",
                self.admin_site.admin_view(self.find_by_id_number_view),
                name="%s_%s_find_by_id_number" % info,
            ),
            *urls,
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if self._id_field() is not None:
            info = self.model._meta.app_label, self.model._meta.model_name
            extra_context["id_number_lookup_url"] = reverse(
                "admin:%s_%s_find_by_id_number" % info, current_app=self.admin_site.name
            )
            extra_context["id_number_label"] = MSG_ID_NUMBER
            extra_context["id_number_button"] = MSG_FIND_BY_ID_NUMBER
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if (
            isinstance(response, TemplateResponse)
            and context
            and context.get("is_nav_sidebar_enabled")
            and not context.get("is_popup")
            and "available_apps" in context
        ):
            # templates/admin/change_list.html shows it in place of rendering the include
            context["nav_sidebar_html"] = nav_sidebar_html(request, context["available_apps"])
        return response

    def find_by_id_number_view(self, request):
        """POST only: the ID number never reaches a URL, a log line or the browser history."""

        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        info = self.model._meta.app_label, self.model._meta.model_name
        changelist = reverse("admin:%s_%s_changelist" % info, current_app=self.admin_site.name)
        field = self._id_field()
        value = personal_data.normalize_id_number(request.POST.get("id_number", ""))
        pks = (
            list(self.get_queryset(request).filter(**{field: value}).values_list("pk", flat=True))
            if value
            else []
        )
        if not pks:
            messages.warning(request, gettext(MSG_NOT_FOUND))
            return HttpResponseRedirect(changelist)
        if len(pks) == 1:
            return HttpResponseRedirect(
                reverse(
                    "admin:%s_%s_change" % info, args=[pks[0]], current_app=self.admin_site.name
                )
            )
        return HttpResponseRedirect(
            f"{changelist}?{urlencode({'pk__in': ','.join(str(pk) for pk in pks)})}"
        )


class ScopedChangeList(ChangeList):
    """Each row's link to its change page without a ``reverse()`` per row."""

    def url_for_result(self, result):
        url_for_object = getattr(self.model_admin, "url_for_object", None)
        if url_for_object is None:
            return super().url_for_result(result)
        return url_for_object("change", getattr(result, self.pk_attname))


class LabelledDuplicates:
    """Django's formset names a duplicated column by its field name ("请修改member的重复数据");
    people read its label (党员)."""

    def get_unique_error_message(self, unique_check):
        opts = self.model._meta
        # the inline's parent is the same on every row: it is not what the user repeated
        parent = getattr(getattr(self, "fk", None), "name", None)
        names = [name for name in unique_check if name != parent] or list(unique_check)
        return super().get_unique_error_message(
            [str(opts.get_field(name).verbose_name) for name in names]
        )


class ScopedTabularInline(ScopedAdminMixin, admin.TabularInline):
    form = RuleErrorsShownForm
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (LabelledDuplicates, formset), {})


class UploadedFileColumnsMixin:
    """An uploaded file's kind and size as people read them (PDF 文件, 1.2 MB), not its content
    type and byte count: an inline lists ``file_kind`` and ``file_size`` among its fields."""

    @admin.display(description=_("file kind"))
    def file_kind(self, obj) -> str:
        return kind_label(obj.content_type) if obj.pk else ""

    @admin.display(description=_("size"))
    def file_size(self, obj) -> str:
        return filesizeformat(obj.size) if obj.pk else ""
