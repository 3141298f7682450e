"""The data version: a number that every write to a domain app's records bumps.

Figures computed from the records (the dashboard's progress) are cached under a key holding the
version, so none is served from before a write. It lives in the shared layer so that a write
path of any layer (the bulk import, the scale data) can bump it without importing
``chengjiang.worktasks``, which listens to every save and delete and bumps it the same way
(``chengjiang/worktasks/invalidation.py``).
"""

from __future__ import annotations

import time

from django.core.cache import cache

VERSION_KEY = "worktasks:data-version"


def data_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = time.time_ns()
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    return version


def bump_data_version() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set yet (or evicted): start a fresh series
        cache.set(VERSION_KEY, time.time_ns(), timeout=None)
