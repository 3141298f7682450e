"""The organisation tree as the shared layer knows it: the path rule and where the tree lives.

The tree itself is the branches app's (``branches.Organization``, ``branches.Village``). The
layers below and beside it — ``chengjiang.access`` (scope) and ``chengjiang.worktasks`` (which
chooses a scope organisation) — never import ``branches``: they know the tree through

* the path rule here: every organisation carries a materialised ``path`` of ``PATH_STEP``
  digits and a slash per level ("000001/000004/"), so a subtree is ``path__startswith`` and the
  ancestors of a path are its prefixes (``ancestor_paths``); and
* the models named in settings, resolved when first needed: ``SCOPE_TREE_MODEL``
  ("branches.Organization": fields ``path``, ``depth``, ``parent``, ``village``, ``kind`` and
  its ``Kind`` choices) and ``SCOPE_VILLAGE_MODEL`` ("branches.Village").
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings

PATH_STEP = 6  # digits per level of the materialised path: "000001/000004/"


def path_segment(pk: int) -> str:
    """One level of a path: the organisation's id in ``PATH_STEP`` digits and a slash."""
    return f"{pk:0{PATH_STEP}d}/"


def ancestor_paths(path: str) -> list[str]:
    """The paths of the organisations above ``path`` and of ``path`` itself, root first."""
    step = PATH_STEP + 1
    return [path[:i] for i in range(step, len(path) + 1, step)]


def organization_model():
    """The tree's model (``settings.SCOPE_TREE_MODEL``)."""
    return apps.get_model(settings.SCOPE_TREE_MODEL)


def village_model():
    """The villages' model (``settings.SCOPE_VILLAGE_MODEL``)."""
    return apps.get_model(settings.SCOPE_VILLAGE_MODEL)
