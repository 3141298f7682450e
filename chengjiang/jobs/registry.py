"""The kinds of long work and ``run_job``: one registry, whatever runs the job.

A kind is a function ``func(params, *, by, progress) -> Outcome``. ``progress(done, total)``
reports how far it is (the page's bar); it returns an ``Outcome`` (a summary in Chinese, and a
file to download) or raises:

* ``ValidationError`` (a service's refusal, ``MSG_*``) or ``JobFailed``: the job fails with
  that message;
* ``RowErrors``: the job fails and lists the rows and why (an import);
* anything else: the job fails with ``MSG_CRASHED`` (the error is logged, not shown).

A kind that writes (``writes=True``) runs in one transaction, so a failure leaves nothing
half-written; a kind that only reads runs outside one, reading from the replica when there is one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from chengjiang.db_router import read_from_replica

MSG_UNKNOWN_KIND = _("This kind of job does not exist.")
MSG_NOT_ALLOWED = _("You may not start this kind of job.")

Progress = Callable[..., None]


class JobFailed(Exception):
    """The job cannot be done; ``message`` (Chinese) says why."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class RowErrors(JobFailed):
    """Rows of an input that were refused (nothing of the input is written)."""

    def __init__(self, message, rows: list[str]):
        super().__init__(message)
        self.rows = list(rows)


@dataclass
class Outcome:
    summary: str = ""
    content: object = None  # bytes, or an open binary file (closed once stored)
    filename: str = ""
    content_type: str = ""
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Kind:
    key: str
    label: object
    func: Callable
    writes: bool = False
    # Who may start it: a permission codename ("app.perm"), a callable(user) -> bool, or None
    # for any logged-in user who sees part of the tree.
    allowed: object = None
    # The dotted path of the function the kind calls, when that may not exist yet on this server
    # (a setting): the kind is offered only once it does.
    hook_setting: str = ""

    def available(self) -> bool:
        if not self.hook_setting:
            return True
        from django.conf import settings
        from django.utils.module_loading import import_string

        try:
            import_string(getattr(settings, self.hook_setting))
        except ImportError:
            return False
        return True

    def may_start(self, user) -> bool:
        if self.allowed is None:
            return True
        if callable(self.allowed):
            return bool(self.allowed(user))
        return user.has_perm(self.allowed)


KINDS: dict[str, Kind] = {}


def register(key: str, *, label, writes: bool = False, allowed=None, hook_setting: str = ""):
    def decorate(func):
        KINDS[key] = Kind(
            key=key,
            label=label,
            func=func,
            writes=writes,
            allowed=allowed,
            hook_setting=hook_setting,
        )
        return func

    return decorate


def get_kind(key: str) -> Kind:
    try:
        return KINDS[key]
    except KeyError:
        raise JobFailed(MSG_UNKNOWN_KIND) from None


def kind_label(key: str) -> str:
    kind = KINDS.get(key)
    return str(kind.label) if kind else key


def _no_progress(done, total=None):
    return None


def run_job(kind: str, params: dict, *, by, progress: Progress | None = None) -> Outcome:
    """Run one kind of work now, in this process (the runner calls it for every job)."""
    k = get_kind(kind)
    progress = progress or _no_progress
    if k.writes:
        with transaction.atomic():
            return k.func(params, by=by, progress=progress) or Outcome()
    with read_from_replica():
        return k.func(params, by=by, progress=progress) or Outcome()
