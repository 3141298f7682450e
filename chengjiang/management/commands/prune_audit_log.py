"""Delete audit entries older than the retention period; never anything younger than 180 days.

    manage.py prune_audit_log                  # keep AUDIT_RETENTION_DAYS (default 365)
    manage.py prune_audit_log --keep-days 200 --dry-run

Applies to the audit trail (auditlog LogEntry), the personal-data view log and django-axes'
login records (attempt log and failure log). The Cybersecurity Law (art. 21) asks for at least six
months; a shorter --keep-days is refused.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone


def prune_targets():
    from auditlog.models import LogEntry
    from axes.models import AccessFailureLog, AccessLog

    from chengjiang.accounts.models import PersonalDataAccess

    return [
        (LogEntry, "timestamp"),
        (PersonalDataAccess, "accessed_at"),
        (AccessLog, "attempt_time"),
        (AccessFailureLog, "attempt_time"),
    ]


def prune(*, keep_days: int, dry_run: bool = False, now: datetime.datetime | None = None):
    minimum = settings.AUDIT_MIN_RETENTION_DAYS
    if keep_days < minimum:
        raise CommandError(
            f"--keep-days {keep_days} is below the minimum retention of {minimum} days."
        )
    cutoff = (now or timezone.now()) - datetime.timedelta(days=keep_days)
    counts = {}
    with transaction.atomic():
        for model, field in prune_targets():
            old = model.objects.filter(**{f"{field}__lt": cutoff})
            counts[model._meta.label] = old.count() if dry_run else old.delete()[0]
    return cutoff, counts


class Command(BaseCommand):
    help = "Delete audit-trail entries older than the retention period (at least 180 days)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep-days",
            type=int,
            default=None,
            help="Days to keep (default AUDIT_RETENTION_DAYS, 365; at least 180).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing.")

    def handle(self, *args, keep_days=None, dry_run=False, **options):
        keep = settings.AUDIT_RETENTION_DAYS if keep_days is None else keep_days
        cutoff, counts = prune(keep_days=keep, dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        for label, count in counts.items():
            self.stdout.write(f"{label}: {verb} {count} entries older than {cutoff:%Y-%m-%d}")
