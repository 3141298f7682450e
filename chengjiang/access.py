"""Who may see what: the one place that decides scope.

A user sees their assigned organisation and its whole subtree (a village secretary: the village;
office staff: the sub-district). Superusers see everything; a user with no organisation sees
nothing. Every queryset that reaches a user goes through ``ScopedQuerySet.visible_to(user)``:
admin, portal views, exports, imports, dashboards and measures alike. Out of scope is 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from branches.models import Organization

# Out of scope reads as not found, everywhere: one wording for "does not exist" and "not yours",
# so that no refusal tells a user which names exist elsewhere.
MSG_NOT_FOUND = _("Not found.")
MSG_NAMED_NOT_FOUND = _("“%(name)s” was not found.")


def scope_root(user) -> Organization | None:
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
    """Base queryset for every record a user can reach.

    Subclasses name the route to the organisation that owns a row (``scope_field``, a lookup
    ending at an ``Organization``; empty for Organization itself) or to a village
    (``scope_village_field``).
    """

    scope_field: str | None = None
    scope_village_field: str | None = None

    def visible_to(self, user):
        path = scope_path(user)
        if path is None:
            return self.none()
        if path == "":
            return self
        return self.within(path)

    def within(self, path: str):
        """Rows owned by the subtree whose materialised path is ``path``."""
        if self.scope_village_field is not None:
            return self.filter(village_within(path, OuterRef(self.scope_village_field or "pk")))
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
    from branches.models import Organization

    orgs = Organization.objects.filter(village=village)
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
