"""Who may see what: the one place that decides scope.

A user sees their assigned organisation and its whole subtree (a village secretary: the village;
office staff: the sub-district). Superusers see everything; a user with no organisation sees
nothing. Every queryset that reaches a user goes through ``ScopedQuerySet.visible_to(user)``:
admin, portal views, exports, imports, dashboards and measures alike. Out of scope is 404.

Every route from a record to the tree is one of the kinds declared on ``ScopedQuerySet`` and
read only here (no model does its own path arithmetic):

* ``scope_field``: a lookup ending at an organisation ("" for an organisation itself); the row
  belongs to that organisation's subtree;
* ``scope_field`` with ``scope_applies_down``: also seen below its organisation (a task the
  sub-district is responsible for applies to every village, computed there): ``seen_from``
  and ``visible_to`` include it, ``within`` (what the subtree owns) does not;
* ``scope_village_field``: a lookup ending at a village ("" for a village itself), or a
  many-to-many of villages (any of them in scope shows the row; all of them to write it); a
  village belongs to a subtree by ``village_within``;
* ``scope_whole_tree``: a record of the sub-district as a whole (the pay scale, the checklist):
  every user with a scope reads it; only users who see the whole tree write it.

The tree is known through ``chengjiang.tree`` (the path rule and the model named by
``settings.SCOPE_TREE_MODEL``); this module imports no app.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from chengjiang import tree

# Out of scope reads as not found, everywhere: one wording for "does not exist" and "not yours",
# so that no refusal tells a user which names exist elsewhere.
MSG_NOT_FOUND = _("Not found.")
MSG_NAMED_NOT_FOUND = _("“%(name)s” was not found.")


# A write outside the user's scope reads as not found too.
MSG_OUT_OF_SCOPE = MSG_NOT_FOUND


class SystemActor:
    """The acting user of writes no person makes: the demo loader, management commands, data
    migrations. It sees everything (like a superuser) and is passed explicitly as ``by=SYSTEM``;
    it is never a login, and records that name their author store nobody for it
    (``acting_user``). Services refuse ``by=None``: a forgotten actor is an error, not a pass.
    """

    is_authenticated = True
    is_active = True
    is_superuser = True
    is_staff = True
    organization = None
    pk = None

    def __repr__(self) -> str:
        return "SYSTEM"

    def __str__(self) -> str:
        return "system"

    def get_username(self) -> str:
        return "system"

    def get_full_name(self) -> str:
        return "系统"


SYSTEM = SystemActor()


def acting_user(by):
    """The user a record stores as its author/recorder: None for ``SYSTEM``."""
    return None if isinstance(by, SystemActor) else by


def scope_root(user):
    """The organisation whose subtree ``user`` may see (None: everything for superusers)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.organization


def sees_everything(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


def scope_path(user) -> str | None:
    """The materialised path that prefixes everything ``user`` may see; None means nothing."""
    if sees_everything(user):
        return ""
    cached = getattr(user, "_scope_path_cache", None)
    if cached is not None:
        return cached
    root = scope_root(user)
    path = root.path if root is not None else None
    if path is not None:
        user._scope_path_cache = path
    return path


class ScopedQuerySet(models.QuerySet):
    """Base queryset for every record a user can reach; subclasses declare their route (above).

    No subclass overrides ``visible_to``, ``seen_from`` or ``within``: the route kinds are this
    module's.
    """

    scope_field: str | None = None
    scope_village_field: str | None = None
    scope_applies_down: bool = False
    scope_whole_tree: bool = False

    def visible_to(self, user):
        path = scope_path(user)
        if path is None:
            return self.none()
        if path == "":
            return self
        return self.seen_from(path)

    def seen_from(self, path: str):
        """Rows a user whose scope is the subtree at ``path`` sees: the rows it owns
        (``within``) and, on a route that applies down, the rows of the organisations above."""
        if not self.scope_applies_down:
            return self.within(path)
        if path == "":
            return self
        prefix = f"{self.scope_field}__" if self.scope_field else ""
        return self.filter(
            Q(**{f"{prefix}path__startswith": path})
            | Q(**{f"{prefix}path__in": tree.ancestor_paths(path)})
        )

    def within(self, path: str):
        """Rows owned by the subtree whose materialised path is ``path``."""
        if self.scope_whole_tree:
            return self
        if self.scope_village_field is not None:
            route = self.scope_village_field
            if route and _is_many(self.model, route):
                field = self.model._meta.get_field(route)
                through = field.remote_field.through
                links = through.objects.filter(
                    village_within(path, OuterRef(field.m2m_reverse_field_name()))
                )
                return self.filter(pk__in=links.values(field.m2m_field_name()))
            return self.filter(village_within(path, OuterRef(route or "pk")))
        if self.scope_field is None:
            raise NotImplementedError(f"{type(self).__name__} declares no scope_field")
        prefix = f"{self.scope_field}__" if self.scope_field else ""
        return self.filter(**{f"{prefix}path__startswith": path})


def village_within(path: str, village):
    """The condition "``village`` belongs to the subtree at ``path``" (``village``: an OuterRef).

    A village belongs to a subtree when the subtree's own root is an organisation of that
    village (a village secretary, a branch of the village), or when the village has
    organisations inside the subtree and none outside it (the office sees every village). So one
    stray organisation — a branch of 花园村's committee recorded with 青桥村 as its village —
    never widens 花园村's scope to 青桥村: 青桥村 also has organisations outside that subtree.
    """
    orgs = tree.organization_model().objects.filter(village=village)
    own_root = Exists(orgs.filter(path=path))
    inside = Exists(orgs.filter(path__startswith=path))
    outside = Exists(orgs.exclude(path__startswith=path))
    return own_root | (inside & ~outside)


def get_visible_or_404(queryset, user, **lookup):
    """Fetch one row the user may see, or answer 404 whether it exists or not.

    An id no database column can hold (``/meetings/99999999999999999999/``) is simply absent."""
    if any(isinstance(v, int) and not -(2**63) <= v < 2**63 for v in lookup.values()):
        raise Http404
    try:
        return queryset.visible_to(user).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc


def _follow(record, route: str):
    """The object at the end of ``route`` ("a__b__c") from ``record``; None when a link is."""
    obj = record
    for part in route.split("__") if route else ():
        try:
            obj = getattr(obj, part)
        except ObjectDoesNotExist:
            return None
        if obj is None:
            return None
    return obj


def sees_whole_tree(user) -> bool:
    """Superusers, SYSTEM, and users assigned to a root organisation (the sub-district office)."""
    if scope_path(user) == "":
        return True
    root = scope_root(user)
    return root is not None and root.parent_id is None


def _route_in_scope(record, queryset, user, path: str) -> bool:
    if queryset.scope_whole_tree:
        return sees_whole_tree(user)
    if queryset.scope_village_field is not None:
        route = queryset.scope_village_field
        if "__" not in route and route and _is_many(type(record), route):
            if record.pk is None:  # villages are set after the first save
                return sees_whole_tree(user)
            villages = list(getattr(record, route).all())
        else:
            village = _follow(record, route) if route else record
            villages = [village]
        if not villages or any(v is None or v.pk is None for v in villages):
            return sees_whole_tree(user)  # no village yet (a new one): the whole tree's
        # the villages' own rule (``village_within``): one stray organisation widens nothing
        visible = type(villages[0])._default_manager.visible_to(user)
        return visible.filter(pk__in=[v.pk for v in villages]).count() == len(set(villages))
    if queryset.scope_field is None:
        return sees_whole_tree(user)
    org = _follow(record, queryset.scope_field) if queryset.scope_field else record
    if org is None:
        return sees_whole_tree(user)
    if not org.path:  # a new organisation: decided by its parent
        parent = getattr(org, "parent", None)
        return parent is not None and parent.path.startswith(path)
    return org.path.startswith(path)


def _is_many(model, name: str) -> bool:
    """Is ``name`` (one field, no "__") a many-to-many of ``model``?"""
    if "__" in name:
        return False
    try:
        return model._meta.get_field(name).many_to_many
    except Exception:
        return False


def in_write_scope(user, record) -> bool:
    """May ``user`` write ``record`` as it stands in memory (and as it is stored, if it is)?

    The route is the record's own ``ScopedQuerySet`` (``scope_field``/``scope_village_field``),
    followed on the instance, so a new or edited record is judged by where it would land; a
    stored record must also be visible to the user as it is now, so nothing is moved out of
    another scope. Records of the sub-district as a whole (a queryset whose ``within`` sees
    everything) are written by users who see the whole tree.
    """
    if user is None:
        raise TypeError("a write needs its acting user (by=...); pass SYSTEM for the system")
    if sees_everything(user) or isinstance(user, SystemActor):
        return True
    path = scope_path(user)
    if path is None:
        return False
    manager = type(record)._default_manager
    queryset = manager.all()
    if not isinstance(queryset, ScopedQuerySet):
        return sees_whole_tree(user)
    if record.pk is not None and not queryset.visible_to(user).filter(pk=record.pk).exists():
        return False
    return _route_in_scope(record, queryset, user, path)


def check_write_scope(by, *records) -> None:
    """Refuse (``MSG_OUT_OF_SCOPE``) unless ``by`` may write every one of ``records``.

    Every service that writes calls this first; ``by`` is required (``SYSTEM`` for the system).
    """
    for record in records:
        if record is not None and not in_write_scope(by, record):
            raise ValidationError(MSG_OUT_OF_SCOPE)


def check_route_scope(by, record, *, path: str | None = None) -> None:
    """``check_write_scope`` for a record whose stored row (if any) was already found within
    ``by``'s scope and whose related objects are loaded: no query (the bulk import's per-row
    check). ``path``: ``scope_path(by)``, computed once by the caller."""
    if by is None:
        raise TypeError("a write needs its acting user (by=...); pass SYSTEM for the system")
    if sees_everything(by) or isinstance(by, SystemActor):
        return
    path = scope_path(by) if path is None else path
    if path is None:
        raise ValidationError(MSG_OUT_OF_SCOPE)
    if path == "":
        return
    queryset = type(record)._default_manager.all()
    if not isinstance(queryset, ScopedQuerySet):
        allowed = sees_whole_tree(by)
    else:
        allowed = _route_in_scope(record, queryset, by, path)
    if not allowed:
        raise ValidationError(MSG_OUT_OF_SCOPE)
