"""Remove finished jobs older than JOB_RETENTION_DAYS (or --days) and their result files (and an
import's uploaded sheet): an export made for one person should not stay on the server for ever."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.utils import timezone

from chengjiang.jobs.models import Job


class Command(BaseCommand):
    help = "Delete finished background jobs older than --days, with their result files."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.JOB_RETENTION_DAYS)

    def handle(self, *args, days: int, **options):
        cutoff = timezone.now() - datetime.timedelta(days=max(days, 0))
        old = Job.objects.filter(
            status__in=[Job.Status.DONE, Job.Status.FAILED], finished_at__lt=cutoff
        )
        files = 0
        for job in old.exclude(result_file=""):
            job.result_file.delete(save=False)
            files += 1
        # an import's uploaded sheet (kept for its preview and its confirm: the same file)
        for params in old.filter(kind="import").values_list("params", flat=True):
            name = (params or {}).get("file") or ""
            if (
                name.startswith("jobs/uploads/")
                and ".." not in name
                and default_storage.exists(name)
            ):
                default_storage.delete(name)
                files += 1
        count, _ = old.delete()
        self.stdout.write(f"prune_jobs: {count} jobs, {files} files older than {days} days")
