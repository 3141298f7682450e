"""Starting a job (the one write of this app; the runner records how it ends)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from chengjiang.access import acting_user, check_write_scope

from .models import Job
from .registry import KINDS, MSG_NOT_ALLOWED, MSG_UNKNOWN_KIND
from .runner import dispatch


@transaction.atomic
def job_start(*, kind: str, params: dict | None = None, by) -> Job:
    """Record a job for ``by`` and hand it to the backend (after this transaction commits)."""
    k = KINDS.get(kind)
    if k is None:
        raise ValidationError(MSG_UNKNOWN_KIND)
    user = acting_user(by)
    if user is not None and not k.may_start(user):
        raise ValidationError(MSG_NOT_ALLOWED)
    job = Job(
        created_by=user,
        organization=getattr(user, "organization", None),
        kind=kind,
        params=dict(params or {}),
    )
    check_write_scope(by, job)
    job.full_clean()
    job.save()
    dispatch(job)
    return job
